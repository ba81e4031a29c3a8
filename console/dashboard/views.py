"""The landing page: an overview of the tenant's region with links to what needs attention."""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.vary import vary_on_headers

from console.cloud.client import CloudError, CloudUnavailable
from console.cloud.models import ClusterInfo, SuperNodeInfo
from console.clusters.lookup import all_clusters, is_transitional
from console.web import cloudcall

MAX_PAGE = 1000  # the largest Limit of DescribeCluster and DescribeSuperNode
STATES = ("Running", "Creating", "Abnormal", "Deleting")
DAY = 86400
EXPIRY_DAYS = 30
NEAR_LIMIT = 0.8
NODE_CALLS = 10  # DescribeSuperNode calls in flight at once


@dataclass
class NodeNearLimit:
    cluster: ClusterInfo
    node: SuperNodeInfo
    limits: list[str]  # "CPU", "memory", "pods": the ones at or above NEAR_LIMIT


async def _super_nodes(
    request: HttpRequest, cluster: ClusterInfo, slots: asyncio.Semaphore
) -> list[SuperNodeInfo]:
    async with slots:
        params = {"ClusterID": cluster.ClusterID, "Limit": MAX_PAGE}
        first = await cloudcall.call(request, "DescribeSuperNode", Offset=0, **params)
        nodes = list(first.Infos)
        # More than a thousand nodes in one cluster is rare: the rest page by page.
        for offset in range(MAX_PAGE, first.TotalCount, MAX_PAGE):
            page = await cloudcall.call(request, "DescribeSuperNode", Offset=offset, **params)
            nodes.extend(page.Infos)
    return nodes


def _near_limits(node: SuperNodeInfo) -> list[str]:
    pairs = (
        ("CPU", node.UsedCPU, node.MaxCPU),
        (_("memory"), node.UsedMemory, node.MaxMemory),
        (_("pods"), node.UsedPods, node.MaxPods),
    )
    return [name for name, used, limit in pairs if limit and used / limit >= NEAR_LIMIT]


async def _nodes_near_limits(request: HttpRequest, clusters: list[ClusterInfo]) -> tuple:
    """Nodes at or above 80% of a limit, and (cluster, error) for clusters that failed."""
    # Creating and Deleting clusters have no nodes worth checking yet (or any more).
    # A node's use is the sum of its pods, so a cluster with nothing allocated has no node
    # near a limit: skipping those keeps the overview to a few calls in a big region.
    settled = [
        c
        for c in clusters
        if c.Status in ("Running", "Abnormal")
        and (c.AllocatedPods or c.AllocatedCPU or c.AllocatedMemory)
    ]
    slots = asyncio.Semaphore(NODE_CALLS)
    answers = await asyncio.gather(
        *(_super_nodes(request, c, slots) for c in settled), return_exceptions=True
    )
    near, failed = [], []
    for cluster, answer in zip(settled, answers, strict=True):
        if isinstance(answer, CloudError | CloudUnavailable):
            failed.append((cluster, cloudcall.error_text(answer)))
        elif isinstance(answer, BaseException):
            raise answer
        else:
            for node in answer:
                if limits := _near_limits(node):
                    near.append(NodeNearLimit(cluster, node, limits))
    return near, failed


def _summary(clusters: list[ClusterInfo]) -> dict:
    counts = dict.fromkeys(STATES, 0)
    for cluster in clusters:
        counts[cluster.Status] = counts.get(cluster.Status, 0) + 1
    totals = {
        name: sum(getattr(c, name) for c in clusters)
        for name in (
            "AllocatedCPU",
            "MaxCPU",
            "AllocatedMemory",
            "MaxMemory",
            "AllocatedPods",
            "MaxPods",
        )
    }
    now = time.time()
    # ExpireTime 0 is an hourly cluster, which never expires. One already past its time is
    # listed too: it needs renewing even more.
    expiring = [
        (c, math.floor((c.ExpireTime - now) / DAY))
        for c in sorted(clusters, key=lambda c: c.ExpireTime)
        if 0 < c.ExpireTime <= now + EXPIRY_DAYS * DAY
    ]
    # A cluster being created turns its components ready one by one: that is not a fault.
    unready = [
        (c, c.ControllerPlaneStatus.unready())
        for c in clusters
        if c.ControllerPlaneStatus and not is_transitional(c) and c.ControllerPlaneStatus.unready()
    ]
    return {
        "total": len(clusters),
        "counts": counts,
        "totals": totals,
        "expiring": expiring,
        "unready": unready,
        "transitional": any(is_transitional(c) for c in clusters),
    }


@vary_on_headers("HX-Request")
async def overview(request: HttpRequest) -> HttpResponse:
    template = "dashboard/_overview.html" if request.htmx else "dashboard/overview.html"
    try:
        clusters, _ = await all_clusters(request)
        near, failed = await _nodes_near_limits(request, clusters)
    except (CloudError, CloudUnavailable) as exc:
        if request.htmx:
            return HttpResponse(status=204)  # keep what is shown; try again at the next tick
        return render(request, template, {"error": cloudcall.error_text(exc)})
    context = _summary(clusters)
    context.update(near_limits=near, node_failures=failed)
    return render(request, template, context)
