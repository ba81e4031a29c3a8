"""The pricing page: every GetClusterPrice parameter, all charge types side by side, and a
premium calculator for a GPU change of an existing super node. Nothing here changes state,
so every role may use it; the state lives in the query string so it can be shared."""

from __future__ import annotations

import asyncio

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from console.cloud.client import CloudError, CloudUnavailable
from console.web import cloudcall

from .forms import PremiumForm, PriceForm

HOURS_PER_MONTH = 720
DEFAULTS = {
    "cpu": 2,
    "memory": 4,
    "quantity": 1,
    "charge_type": "Dynamic",
    "high_availability": "false",
    "compute_class": "ComputeSetStandard",
    "storage_class": "StorageSetSSD",
}


def _monthly(charge_type: str, price: float, quantity: int) -> float:
    """The effective monthly cost of a price, to compare charge types."""
    if charge_type == "Dynamic":
        return price * HOURS_PER_MONTH
    if charge_type == "Month":
        return price / quantity
    return price / (12 * quantity)


async def _compare(request: HttpRequest, form: PriceForm) -> list[dict]:
    """One GetClusterPrice per charge type, concurrently."""
    quantity = form.cleaned_data.get("quantity") or 1
    choices = [("Dynamic", None), ("Month", min(quantity, 11)), ("Year", min(quantity, 5))]
    calls = []
    for charge, periods in choices:
        params = {**form.base(), "ChargeType": charge}
        if periods:
            params["Quantity"] = periods
        calls.append(cloudcall.call(request, "GetClusterPrice", **params))
    answers = await asyncio.gather(*calls, return_exceptions=True)
    rows = []
    for (charge, periods), answer in zip(choices, answers, strict=True):
        if isinstance(answer, CloudError | CloudUnavailable):
            rows.append({"charge_type": charge, "error": cloudcall.error_text(answer)})
        elif isinstance(answer, BaseException):
            raise answer
        else:
            price = answer.Infos[0].Price if answer.Infos else 0.0
            rows.append(
                {
                    "charge_type": charge,
                    "price": price,
                    "periods": periods or 1,
                    "monthly": _monthly(charge, price, periods or 1),
                    "chosen": charge == form.cleaned_data.get("charge_type"),
                }
            )
    return rows


async def calculator(request: HttpRequest) -> HttpResponse:
    # Unasked, the page prices a small default cluster, so there is always a figure.
    form = PriceForm(request.GET if "cpu" in request.GET else DEFAULTS)
    context = {"form": form}
    if form.is_valid():
        context["rows"] = await _compare(request, form)
    if request.htmx and request.htmx.target == "price-result":
        return render(request, "pricing/_result.html", context)
    context.update(await _premium_context(request))
    return render(request, "pricing/calculator.html", context)


async def _premium_context(request: HttpRequest) -> dict:
    data = request.GET if "cluster_id" in request.GET else None
    try:
        clusters = (await cloudcall.call(request, "DescribeCluster", Limit=1000)).Infos
    except (CloudError, CloudUnavailable) as exc:
        return {"premium_error": cloudcall.error_text(exc)}
    clusters = [c for c in clusters if c.Status in ("Running", "Abnormal")]
    cluster_id = (data or {}).get("cluster_id") or (clusters[0].ClusterID if clusters else "")
    nodes = []
    if cluster_id:
        try:
            nodes = (
                await cloudcall.call(request, "DescribeSuperNode", ClusterID=cluster_id, Limit=1000)
            ).Infos
        except (CloudError, CloudUnavailable) as exc:
            return {"premium_error": cloudcall.error_text(exc)}
    if data is not None and data.get("super_node") not in {n.NodeName for n in nodes}:
        # Another cluster was picked: start from its first node rather than refuse.
        data = data.copy()
        data["super_node"] = nodes[0].NodeName if nodes else ""
    form = PremiumForm(data, clusters=clusters, nodes=nodes, initial={"cluster_id": cluster_id})
    context = {"premium_form": form, "nodes": nodes}
    if data is not None and form.is_valid():
        try:
            context["premium"] = await cloudcall.call(
                request, "GetClusterPaymentOfPremium", **form.params()
            )
        except (CloudError, CloudUnavailable) as exc:
            form.add_cloud_error(exc)
    return context


async def premium(request: HttpRequest) -> HttpResponse:
    """The premium calculator alone (htmx swaps it when the cluster or values change)."""
    return render(request, "pricing/_premium.html", await _premium_context(request))
