"""A cluster's page: overview, control plane, capacity, networking, kubeconfig, nodes."""

from __future__ import annotations

import asyncio

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh

from console.cloud.client import CloudError, CloudUnavailable
from console.live.marks import fingerprint
from console.web import cloudcall

from ..forms import AttachEIPForm, CapacityForm, DeleteClusterForm, SubnetsForm
from ..lookup import TRANSITIONAL, get_cluster, is_transitional, unavailable_page

NODE_PAGE = 20


def change_forms(cluster) -> dict:
    """The change forms, prefilled with the cluster's current values."""
    return {
        "subnets_form": SubnetsForm(initial={"subnet_ids": " ".join(cluster.SubnetIDs)}),
        "capacity_form": CapacityForm(
            initial={
                "max_cpu": cluster.MaxCPU,
                "max_memory": cluster.MaxMemory,
                "max_pods": cluster.MaxPods,
                "max_storage": cluster.MaxStorage,
                "max_storage_allocation": cluster.MaxStoragAllocation or "Shared",
            }
        ),
        "eip_form": AttachEIPForm(),
        "delete_form": DeleteClusterForm(cluster_name=cluster.Name),
    }


async def detail_context(request: HttpRequest, cluster_id: str) -> dict:
    """The cluster and its first page of super nodes, fetched concurrently."""
    cluster_call = get_cluster(request, cluster_id)
    nodes_call = cloudcall.call(request, "DescribeSuperNode", ClusterID=cluster_id, Limit=NODE_PAGE)
    cluster, nodes = await asyncio.gather(cluster_call, nodes_call, return_exceptions=True)
    if isinstance(cluster, BaseException):
        raise cluster
    context = {
        "cluster": cluster,
        "transitional": is_transitional(cluster),
        "page_mark": fingerprint(cluster),
    }
    if isinstance(nodes, CloudError | CloudUnavailable):
        context["nodes_error"] = cloudcall.error_text(nodes)
    elif isinstance(nodes, BaseException):
        raise nodes
    else:
        context.update(nodes=nodes.Infos, node_total=nodes.TotalCount)
    return context


async def cluster_detail(request: HttpRequest, cluster_id: str) -> HttpResponse:
    try:
        context = await detail_context(request, cluster_id)
    except (CloudError, CloudUnavailable) as exc:
        return unavailable_page(request, cluster_id, exc)
    context.update(change_forms(context["cluster"]))
    return render(request, "clusters/detail.html", context)


async def cluster_status(request: HttpRequest, cluster_id: str) -> HttpResponse:
    """The status panel, re-read on a pushed change (or polled while Creating/Deleting).

    `shown` is the status the page shows and `mark` the fingerprint of the cluster it was
    rendered from: a page whose cluster settled reloads once, so every panel and form
    matches the new state; a page whose settled cluster changed in other ways says so
    rather than reload under the user's typing."""
    try:
        cluster = await get_cluster(request, cluster_id)
    except Http404:
        messages.info(request, _("Cluster %(id)s has been deleted.") % {"id": cluster_id})
        return HttpResponseClientRedirect(reverse("clusters:list"))
    except (CloudError, CloudUnavailable):
        return HttpResponse(status=204)  # keep what is shown; try again at the next tick
    transitional = is_transitional(cluster)
    if not transitional and request.GET.get("shown") in TRANSITIONAL:
        return HttpResponseClientRefresh()
    mark = request.GET.get("mark", "")
    context = {
        "cluster": cluster,
        "transitional": transitional,
        "page_mark": mark,
        "stale": not transitional and mark != fingerprint(cluster),
    }
    return render(request, "clusters/_status_panel.html", context)


async def kubeconfig_download(request: HttpRequest, cluster_id: str) -> HttpResponse:
    user = await request.auser()
    if not user.can_change:
        raise PermissionDenied(_("Kubeconfigs are shown to operators and admins only."))
    try:
        cluster = await get_cluster(request, cluster_id)
    except (CloudError, CloudUnavailable) as exc:
        return unavailable_page(request, cluster_id, exc)
    wan = request.GET.get("kind") == "external"
    text = cluster.KubeconfigWan if wan else cluster.Kubeconfig
    if not text:
        return HttpResponse(
            _("This cluster has no external kubeconfig (attach an EIP)."),
            status=404,
            content_type="text/plain",
        )
    suffix = "-external" if wan else ""
    response = HttpResponse(text, content_type="application/yaml")
    response["Content-Disposition"] = f'attachment; filename="{cluster_id}{suffix}.kubeconfig"'
    return response
