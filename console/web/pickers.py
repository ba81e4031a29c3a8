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
        elif what == "workloads" and namespace:
            options = await _workloads(request, cluster_id, namespace)
        elif what == "containers" and namespace and pod:
            path = api_path("api", "v1", "namespaces", namespace, "pods", pod)
            body = await kube_get(request, cluster_id, path)
            options = pod_summaries([body])[0]["containers"]
    except (CloudError, CloudUnavailable) as exc:
        error = cloudcall.error_text(exc)
    names = {"namespaces": "namespace", "pods": "pod", "workloads": "workload"}
    selected = request.GET.get(names.get(what, "container"))
    return render(
        request,
        "web/_options.html",
        {"options": options, "error": error, "selected": selected, "what": what},
    )


WORKLOAD_LISTS = [  # kind as the log search writes it, and where its list is
    ("deployment", ("apis", "apps", "v1"), "deployments"),
    ("statefulset", ("apis", "apps", "v1"), "statefulsets"),
    ("daemonset", ("apis", "apps", "v1"), "daemonsets"),
    ("job", ("apis", "batch", "v1"), "jobs"),
]


async def _workloads(request: HttpRequest, cluster_id: str, namespace: str) -> list[str]:
    """kind/name of the namespace's workloads, whose pods the log search reads together."""
    names = []
    for kind, prefix, plural in WORKLOAD_LISTS:
        path = api_path(*prefix, "namespaces", namespace, plural)
        body = await kube_get(request, cluster_id, path)
        names += [f"{kind}/{item['metadata']['name']}" for item in body.get("items", [])]
    return names
