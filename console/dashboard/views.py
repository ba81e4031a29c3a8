"""The landing page: an overview of the tenant's region with links to what needs attention."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.vary import vary_on_headers

from console.accounts import tenancy
from console.cloud.client import CloudError, CloudUnavailable
from console.clusters.lookup import all_clusters
from console.web import cloudcall
from console.web.roles import ACTION_ROLES

from . import summary

# What the overview shows comes from these two reads, whether made now or by the watcher.
READS = ("DescribeCluster", "DescribeSuperNode")


@dataclass
class NodeNearLimit:
    cluster: dict
    node: dict
    limits: list[str]  # "CPU", "memory", "pods": the ones at or above summary.NEAR_LIMIT


def _limit_names() -> dict[str, str]:
    return {"cpu": "CPU", "memory": _("memory"), "pods": _("pods")}


async def _aggregate(request: HttpRequest) -> dict:
    """The kept aggregate of the user's tenant and region, or one read now (and kept)."""
    user = await request.auser()
    # The kept aggregate skips call_as, so its role check comes first, here.
    if not all(user.has_role(ACTION_ROLES[action]) for action in READS):
        raise PermissionDenied
    company = await tenancy.acting_company(request, user)
    region = await cloudcall.region_of(request)
    if (kept := await summary.fresh(company, region)) is not None:
        return kept
    read_at = time.time()
    clusters, _total = await all_clusters(request)

    def node_page(cluster_id: str, offset: int):
        return cloudcall.call(
            request,
            "DescribeSuperNode",
            ClusterID=cluster_id,
            Limit=summary.MAX_PAGE,
            Offset=offset,
        )

    return await summary.refresh(company, region, clusters, read_at, node_page)


def _context(aggregate: dict) -> dict:
    """The aggregate as the template reads it, in the reader's language and time."""
    now = time.time()
    names = _limit_names()
    return {
        "total": aggregate["total"],
        "counts": aggregate["counts"],
        "totals": aggregate["totals"],
        "transitional": aggregate["transitional"],
        "unready": aggregate["unready"],
        "expiring": [
            (cluster, math.floor((cluster["ExpireTime"] - now) / summary.DAY))
            for cluster in aggregate["expiring"]
        ],
        "near_limits": [
            NodeNearLimit(cluster, node, [names[limit] for limit in limits])
            for entry in aggregate["nodes"].values()
            for cluster, node, limits in entry["near"]
        ],
        "node_failures": [
            (cluster, cloudcall.error_text(summary.error_of(failure)))
            for cluster, failure in aggregate["failures"]
        ],
    }


@vary_on_headers("HX-Request")
async def overview(request: HttpRequest) -> HttpResponse:
    template = "dashboard/_overview.html" if request.htmx else "dashboard/overview.html"
    try:
        aggregate = await _aggregate(request)
    except (CloudError, CloudUnavailable) as exc:
        if request.htmx:
            return HttpResponse(status=204)  # keep what is shown; try again at the next tick
        return render(request, template, {"error": cloudcall.error_text(exc)})
    return render(request, template, _context(aggregate))
