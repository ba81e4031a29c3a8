"""Super node views: list, create, one node (resize, GPU with premium, YAML, delete)."""

from __future__ import annotations

import asyncio
import re

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from console.cloud import actions
from console.cloud.client import CloudError, CloudUnavailable
from console.cloud.models import SuperNodeInfo
from console.clusters.lookup import get_cluster, unavailable_page
from console.web import cloudcall, unanswered
from console.web.access import operator_required
from console.web.paging import Pager, last_page_redirect, page_number

from .forms import CreateSuperNodeForm, DeleteSuperNodeForm, GPUForm, UpdateSuperNodeForm

PAGE_SIZE = 20


async def _both(cluster_call, other_call):
    """Run both calls at once; the cluster's failure wins, so an unknown cluster is a 404
    whichever answer arrives first."""
    results = await asyncio.gather(cluster_call, other_call, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def bounds_of(node: SuperNodeInfo) -> dict[str, int]:
    return {
        "MaxCPU": node.AdjustableMaxCPU,
        "MaxMemory": node.AdjustableMaxMemory,
        "MaxPods": node.AdjustableMaxPods,
    }


async def get_node(request: HttpRequest, cluster_id: str, node_name: str) -> SuperNodeInfo:
    try:
        result = await cloudcall.call(
            request, "DescribeSuperNode", ClusterID=cluster_id, NodeNames=[node_name]
        )
    except CloudError as exc:
        if exc.ret_code == actions.NOT_FOUND:
            raise Http404(exc.message) from None
        raise
    if not result.Infos:
        raise Http404(f"Super node {node_name} does not exist")
    return result.Infos[0]


async def node_list(request: HttpRequest, cluster_id: str) -> HttpResponse:
    names = [n for n in re.split(r"[\s,]+", request.GET.get("names", "")) if n]
    page = page_number(request)
    params = {"ClusterID": cluster_id, "Limit": PAGE_SIZE, "Offset": (page - 1) * PAGE_SIZE}
    if names:
        params["NodeNames"] = names
    context = {"names": " ".join(names)}
    try:
        cluster, nodes = await _both(
            get_cluster(request, cluster_id),
            cloudcall.call(request, "DescribeSuperNode", **params),
        )
    except CloudError as exc:
        if exc.ret_code != actions.NOT_FOUND or not names:
            return unavailable_page(request, cluster_id, exc)
        # A name that matches no node: say so, keep the filter.
        cluster = await get_cluster(request, cluster_id)
        context.update(cluster=cluster, nodes=[], node_total=0, nodes_error=exc.message)
        return render(request, "supernodes/list.html", context)
    except CloudUnavailable as exc:
        return unavailable_page(request, cluster_id, exc)
    pager = Pager(request.GET, page, PAGE_SIZE, nodes.TotalCount)
    if pager.past_the_end:
        return last_page_redirect(request, pager)
    context.update(cluster=cluster, nodes=nodes.Infos, node_total=nodes.TotalCount, pager=pager)
    return render(request, "supernodes/list.html", context)


@operator_required
async def node_create(request: HttpRequest, cluster_id: str) -> HttpResponse:
    try:
        cluster = await get_cluster(request, cluster_id)
    except (CloudError, CloudUnavailable) as exc:
        return unavailable_page(request, cluster_id, exc)
    bounds = {"MaxCPU": cluster.MaxCPU, "MaxMemory": cluster.MaxMemory, "MaxPods": cluster.MaxPods}
    if request.method != "POST":
        form = CreateSuperNodeForm(
            bounds=bounds, initial={"compute_class": cluster.ComputeclassType}
        )
        return render(request, "supernodes/create.html", {"cluster": cluster, "form": form})
    form = CreateSuperNodeForm(request.POST, bounds=bounds)
    if form.is_valid():
        try:
            created = await cloudcall.call(
                request, "CreateSuperNode", ClusterID=cluster_id, **form.params()
            )
        except (CloudError, CloudUnavailable) as exc:
            if reread := unanswered.reread(request, exc, "supernodes:list", cluster_id=cluster_id):
                return reread
            form.add_cloud_error(exc)
        else:
            messages.success(
                request, _("Super node %(name)s created.") % {"name": created.NodeName}
            )
            return redirect("supernodes:detail", cluster_id=cluster_id, node_name=created.NodeName)
    return render(request, "supernodes/create.html", {"cluster": cluster, "form": form}, status=400)


def _node_forms(node: SuperNodeInfo) -> dict:
    used = {"max_cpu": node.UsedCPU, "max_memory": node.UsedMemory, "max_pods": node.UsedPods}
    current = node.GPUInfos[0] if node.GPUInfos else None
    return {
        "resize_form": UpdateSuperNodeForm(
            bounds=bounds_of(node),
            used=used,
            initial={
                "max_cpu": node.MaxCPU,
                "max_memory": node.MaxMemory,
                "max_pods": node.MaxPods,
            },
        ),
        "gpu_form": GPUForm(
            initial={
                "gpu_type": current.GPUMdevName if current else None,
                "gpu_count": current.GPU if current else 1,
            }
        ),
        "delete_form": DeleteSuperNodeForm(node_name=node.NodeName),
    }


async def _node_page(
    request, cluster_id: str, node_name: str, status: int = 200, **overrides
) -> HttpResponse:
    try:
        cluster, node = await asyncio.gather(
            get_cluster(request, cluster_id), get_node(request, cluster_id, node_name)
        )
    except (CloudError, CloudUnavailable) as exc:
        return unavailable_page(request, cluster_id, exc)
    context = {"cluster": cluster, "node": node, **_node_forms(node), **overrides}
    return render(request, "supernodes/detail.html", context, status=status)


async def node_detail(request: HttpRequest, cluster_id: str, node_name: str) -> HttpResponse:
    return await _node_page(request, cluster_id, node_name)


async def node_yaml(request: HttpRequest, cluster_id: str, node_name: str) -> HttpResponse:
    try:
        node = await get_node(request, cluster_id, node_name)
    except (CloudError, CloudUnavailable) as exc:
        return unavailable_page(request, cluster_id, exc)
    response = HttpResponse(node.YamlData, content_type="application/yaml")
    response["Content-Disposition"] = f'attachment; filename="{node_name}.yaml"'
    return response


def _node_reread(request, exc, cluster_id: str, node_name: str) -> HttpResponse | None:
    return unanswered.reread(
        request, exc, "supernodes:detail", cluster_id=cluster_id, node_name=node_name
    )


@require_POST
@operator_required
async def node_resize(request: HttpRequest, cluster_id: str, node_name: str) -> HttpResponse:
    try:
        node = await get_node(request, cluster_id, node_name)
    except (CloudError, CloudUnavailable) as exc:
        return unavailable_page(request, cluster_id, exc)
    used = {"max_cpu": node.UsedCPU, "max_memory": node.UsedMemory, "max_pods": node.UsedPods}
    form = UpdateSuperNodeForm(request.POST, bounds=bounds_of(node), used=used)
    if form.is_valid():
        try:
            await cloudcall.call(
                request,
                "UpdateSuperNode",
                ClusterID=cluster_id,
                NodeName=node_name,
                **form.params(),
            )
        except (CloudError, CloudUnavailable) as exc:
            if reread := _node_reread(request, exc, cluster_id, node_name):
                return reread
            form.add_cloud_error(exc)
        else:
            messages.success(request, _("Limits of %(name)s updated.") % {"name": node_name})
            return redirect("supernodes:detail", cluster_id=cluster_id, node_name=node_name)
    return await _node_page(
        request, cluster_id, node_name, status=400, resize_form=form, open_panel="resize"
    )


@require_POST
@operator_required
async def node_gpu(request: HttpRequest, cluster_id: str, node_name: str) -> HttpResponse:
    """Two steps: without `confirm`, price the change (premium); with it, make the change."""
    form = GPUForm(request.POST)
    if not form.is_valid():
        return await _node_page(
            request, cluster_id, node_name, status=400, gpu_form=form, open_panel="gpu"
        )
    params = form.params()
    if request.POST.get("confirm") != "yes":
        try:
            premium = await cloudcall.call(
                request,
                "GetClusterPaymentOfPremium",
                ClusterID=cluster_id,
                SuperNode=node_name,
                GPUMdevName=params["GPUMdevName"],
                GPU=params["GPU"],
            )
        except (CloudError, CloudUnavailable) as exc:
            form.add_cloud_error(exc)
            return await _node_page(
                request, cluster_id, node_name, status=400, gpu_form=form, open_panel="gpu"
            )
        return await _node_page(
            request, cluster_id, node_name, gpu_form=form, premium=premium, open_panel="gpu"
        )
    try:
        await cloudcall.call(
            request, "UpdateSuperNodeGPU", ClusterID=cluster_id, NodeName=node_name, **params
        )
    except (CloudError, CloudUnavailable) as exc:
        if reread := _node_reread(request, exc, cluster_id, node_name):
            return reread
        form.add_cloud_error(exc)
        return await _node_page(
            request, cluster_id, node_name, status=400, gpu_form=form, open_panel="gpu"
        )
    messages.success(
        request,
        _("GPUs of %(name)s: %(count)s x %(gpu_type)s.")
        % {"name": node_name, "count": params["GPU"], "gpu_type": params["GPUMdevName"]},
    )
    return redirect("supernodes:detail", cluster_id=cluster_id, node_name=node_name)


@require_POST
@operator_required
async def node_delete(request: HttpRequest, cluster_id: str, node_name: str) -> HttpResponse:
    form = DeleteSuperNodeForm(request.POST, node_name=node_name)
    if form.is_valid():
        try:
            await cloudcall.call(
                request, "DeleteSuperNode", ClusterID=cluster_id, NodeName=node_name
            )
        except (CloudError, CloudUnavailable) as exc:
            if reread := unanswered.reread(request, exc, "supernodes:list", cluster_id=cluster_id):
                return reread
            form.add_error(None, cloudcall.error_text(exc))
        else:
            messages.success(request, _("Super node %(name)s deleted.") % {"name": node_name})
            return redirect("clusters:detail", cluster_id=cluster_id)
    return await _node_page(
        request, cluster_id, node_name, status=400, delete_form=form, open_panel="delete"
    )
