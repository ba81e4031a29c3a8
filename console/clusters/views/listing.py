"""The cluster list: search, project filter, sort, paging; transitional rows poll themselves."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from console.cloud.client import CloudError, CloudUnavailable
from console.web import cloudcall
from console.web.paging import Pager, last_page_redirect, page_number

from ..lookup import all_clusters, get_cluster

PAGE_SIZES = (10, 20, 50, 100)
SORTS = {"created": gettext_lazy("Newest first"), "name": gettext_lazy("Name")}


def _int(value: str | None, default: int, allowed=None) -> int:
    try:
        number = int(value or default)
    except ValueError:
        return default
    if allowed is not None and number not in allowed:
        return default
    return max(number, 1)


async def cluster_list(request: HttpRequest) -> HttpResponse:
    keyword = request.GET.get("q", "").strip()
    project = request.GET.get("project", "").strip()
    sort = request.GET.get("sort", "created")
    sort = sort if sort in SORTS else "created"
    size = _int(request.GET.get("size"), 20, PAGE_SIZES)
    page = page_number(request)
    filters = {}
    if keyword:
        filters["Keyword"] = keyword
    if project:
        filters["ProjectIDs"] = [project]
    context = {
        "q": keyword,
        "project": project,
        "sort": sort,
        "sorts": SORTS,
        "size": size,
        "page_sizes": PAGE_SIZES,
    }
    try:
        if sort == "name":
            everything, total = await all_clusters(request, **filters)
            everything.sort(key=lambda c: (c.Name.lower(), c.ClusterID))
            clusters = everything[(page - 1) * size : page * size]
        else:
            result = await cloudcall.call(
                request, "DescribeCluster", Limit=size, Offset=(page - 1) * size, **filters
            )
            clusters, total = result.Infos, result.TotalCount
    except (CloudError, CloudUnavailable) as exc:
        context["error"] = cloudcall.error_text(exc)
        return render(request, "clusters/list.html", context)
    pager = Pager(request.GET, page, size, total)
    if pager.past_the_end:
        return last_page_redirect(request, pager)
    context.update(clusters=clusters, total=total, pager=pager)
    return render(request, "clusters/list.html", context)


async def cluster_row(request: HttpRequest, cluster_id: str) -> HttpResponse:
    """One row, for a transitional row's polling; an empty answer removes a deleted row."""
    try:
        cluster = await get_cluster(request, cluster_id)
    except Http404:
        return HttpResponse("")
    except (CloudError, CloudUnavailable):
        # Keep the row as it is and try again at the next tick.
        return HttpResponse(status=204)
    # A settled row is rendered without its polling trigger, so polling stops by itself.
    return render(request, "clusters/_row.html", {"cluster": cluster})
