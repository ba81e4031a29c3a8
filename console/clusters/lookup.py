"""Fetching one cluster for a page: the typed ClusterInfo, or 404 when it is gone."""

from __future__ import annotations

import asyncio

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from console.cloud import actions
from console.cloud.client import CloudError, CloudUnavailable
from console.cloud.models import ClusterInfo
from console.web import cloudcall

TRANSITIONAL = {"Creating", "Deleting"}


async def get_cluster(request: HttpRequest, cluster_id: str) -> ClusterInfo:
    """Raises Http404 for an unknown (or another tenant's) cluster; other errors propagate."""
    try:
        result = await cloudcall.call(request, "DescribeCluster", ClusterIDs=[cluster_id])
    except CloudError as exc:
        if exc.ret_code == actions.NOT_FOUND:
            raise Http404(f"Cluster {cluster_id} does not exist") from None
        raise
    if not result.Infos:
        raise Http404(f"Cluster {cluster_id} does not exist")
    return result.Infos[0]


def is_transitional(cluster: ClusterInfo) -> bool:
    return cluster.Status in TRANSITIONAL


MAX_PAGE = 1000  # DescribeCluster's largest Limit


async def all_clusters(request: HttpRequest, **filters) -> tuple[list[ClusterInfo], int]:
    """Every cluster of the region that matches: the first page, then the rest at once."""
    first = await cloudcall.call(request, "DescribeCluster", Limit=MAX_PAGE, Offset=0, **filters)
    rest = await asyncio.gather(
        *(
            cloudcall.call(request, "DescribeCluster", Limit=MAX_PAGE, Offset=offset, **filters)
            for offset in range(MAX_PAGE, first.TotalCount, MAX_PAGE)
        )
    )
    clusters = list(first.Infos)
    for page in rest:
        clusters.extend(page.Infos)
    return clusters, first.TotalCount


def unavailable_page(
    request: HttpRequest, cluster_id: str, exc: CloudError | CloudUnavailable
) -> HttpResponse:
    """The page shown when the cloud fails while showing a cluster: readable, status 502."""
    context = {"error": cloudcall.error_text(exc), "cluster_id": cluster_id}
    return render(request, "clusters/unavailable.html", context, status=502)
