"""Cluster views: async, each calling the cloud only through CloudClient."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from console.cloud.client import CloudError, CloudUnavailable
from console.web import cloudcall

PAGE_SIZES = (10, 20, 50, 100)


def _int(value: str | None, default: int, allowed=None) -> int:
    try:
        number = int(value or default)
    except ValueError:
        return default
    if allowed is not None and number not in allowed:
        return default
    return max(number, 0)


async def cluster_list(request: HttpRequest) -> HttpResponse:
    keyword = request.GET.get("q", "").strip()
    size = _int(request.GET.get("size"), 20, PAGE_SIZES)
    page = max(_int(request.GET.get("page"), 1), 1)
    params = {"Limit": size, "Offset": (page - 1) * size}
    if keyword:
        params["Keyword"] = keyword
    context = {"q": keyword, "size": size, "page": page, "page_sizes": PAGE_SIZES}
    try:
        result = await cloudcall.call(request, "DescribeCluster", **params)
    except (CloudError, CloudUnavailable) as exc:
        context["error"] = cloudcall.error_text(exc)
        return render(request, "clusters/list.html", context)
    pages = max(1, -(-result.TotalCount // size))
    context.update(
        clusters=result.Infos,
        total=result.TotalCount,
        pages=pages,
        prev_page=page - 1 if page > 1 else None,
        next_page=page + 1 if page < pages else None,
    )
    return render(request, "clusters/list.html", context)
