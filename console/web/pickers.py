"""The cluster -> namespace -> pod -> container pickers' options, read through ForwardCluster."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from console.cloud.client import CloudError, CloudUnavailable

from . import cloudcall
from .kubeapi import api_path, kube_get, pod_summaries


async def picker_options(request: HttpRequest, what: str) -> HttpResponse:
    """<option>s for the namespace, pod or container picker."""
    cluster_id = request.GET.get("cluster", "")
    namespace = request.GET.get("namespace", "")
    pod = request.GET.get("pod", "")
    options: list[str] = []
    error = ""
    try:
        if not cluster_id:
            pass
        elif what == "namespaces":
            body = await kube_get(request, cluster_id, api_path("api", "v1", "namespaces"))
            options = [n["metadata"]["name"] for n in body.get("items", [])]
        elif what == "pods" and namespace:
            path = api_path("api", "v1", "namespaces", namespace, "pods")
            body = await kube_get(request, cluster_id, path)
            options = [p["name"] for p in pod_summaries(body.get("items", []))]
        elif what == "containers" and namespace and pod:
            path = api_path("api", "v1", "namespaces", namespace, "pods", pod)
            body = await kube_get(request, cluster_id, path)
            options = pod_summaries([body])[0]["containers"]
    except (CloudError, CloudUnavailable) as exc:
        error = cloudcall.error_text(exc)
    selected = request.GET.get({"namespaces": "namespace", "pods": "pod"}.get(what, "container"))
    return render(
        request,
        "web/_options.html",
        {"options": options, "error": error, "selected": selected, "what": what},
    )
