"""The create-a-Deployment page: the form, a live preview of the YAML it will send (its own
URL, re-rendered by htmx as the fields change), and the create itself."""

from __future__ import annotations

import yaml
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from console.cloud.client import CloudError, CloudUnavailable
from console.clusters.lookup import get_cluster, unavailable_page
from console.web.access import operator_required
from console.web.kubeapi import forward

from .deployment_spec import DeploymentForm
from .errors import FORWARD_ERRORS, failure
from .kinds import KINDS
from .namespaces import namespace_names


def _yaml(form: DeploymentForm) -> str:
    return yaml.safe_dump(form.manifest(), sort_keys=False, allow_unicode=True)


@operator_required
async def create_deployment(request: HttpRequest, cluster_id: str) -> HttpResponse:
    try:
        cluster = await get_cluster(request, cluster_id)
    except (CloudError, CloudUnavailable) as exc:
        return unavailable_page(request, cluster_id, exc)
    namespace = request.GET.get("namespace") or "default"
    form = DeploymentForm(request.POST or None, initial={"namespace": namespace})
    context = {"cluster": cluster, "form": form, "preview": ""}
    status = 200
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        else:
            context["preview"] = _yaml(form)
            if request.POST.get("action") == "create":
                manifest = form.manifest()
                target = manifest["metadata"]["namespace"]
                try:
                    await forward(
                        request,
                        cluster_id,
                        "POST",
                        KINDS["deployments"].collection(target),
                        manifest,
                    )
                except FORWARD_ERRORS as exc:
                    context["error"], status = failure(exc), 400
                else:
                    name = manifest["metadata"]["name"]
                    messages.success(request, _("Deployment %(name)s created.") % {"name": name})
                    return redirect(
                        reverse(
                            "resources:object",
                            args=[cluster_id, "deployments", target, name],
                        )
                    )
    context["namespaces"] = await namespace_names(request, cluster_id)
    return render(request, "resources/create_deployment.html", context, status=status)


@require_POST
@operator_required
async def deployment_preview(request: HttpRequest, cluster_id: str) -> HttpResponse:
    """The YAML the form would send, or what stops it (htmx swaps it in beside the form)."""
    form = DeploymentForm(request.POST)
    context = {"form": form, "preview": _yaml(form) if form.is_valid() else ""}
    return render(request, "resources/_deployment_preview.html", context)
