"""The pricing page: every GetClusterPrice parameter, all charge types side by side, and a
premium calculator for a GPU change of an existing super node. Nothing here changes state,
so every role may use it; the state lives in the query string so it can be shared."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from console.cloud.client import CloudError, CloudUnavailable
from console.clusters.lookup import all_clusters
from console.web import catalogue, cloudcall
from console.web.forms import validate_one_field

from .forms import PremiumForm, PriceForm

CLOUD_ERRORS = (CloudError, CloudUnavailable)
HOURS_PER_MONTH = 720
# Unasked, the page prices a small default cluster, so there is always a figure.
DEFAULTS = {
    "charge_type": "Dynamic",
    "quantity": 1,
    "compute_class": "ComputeSetStandard",
    "storage_class": "StorageSetSSD",
    "cpu": 2,
    "memory": 4,
    "high_availability": "false",
}
# The fields that re-validate themselves on focusout (the selects cannot be wrong).
INLINE_FIELDS = ("quantity", "cpu", "memory")


def monthly(charge_type: str, price: float, periods: int) -> float:
    """The effective monthly cost of a price, to compare charge types."""
    if charge_type == "Dynamic":
        return price * HOURS_PER_MONTH
    if charge_type == "Month":
        return price / periods
    return price / (12 * periods)


@vary_on_headers("HX-Request", "HX-Target")
@require_http_methods(["GET", "POST"])
async def calculator(request: HttpRequest) -> HttpResponse:
    """The page; with htmx, only the part it targets; a POST re-validates one field."""
    if request.method == "POST":
        return _validate_row(request)
    target = request.htmx.target if request.htmx else None
    if target == "price-result":
        return render(request, "pricing/_result.html", await _price_context(request))
    if target == "premium-result":
        context = await _premium_context(request, fragment=True)
        return render(request, "pricing/_premium_result.html", context)
    if target == "premium":
        return render(request, "pricing/_premium.html", await _premium_context(request))
    try:
        clusters, clusters_error = await _clusters(request), ""
    except CLOUD_ERRORS as exc:
        clusters, clusters_error = None, cloudcall.error_text(exc)
    price, premium = await asyncio.gather(
        _price_context(request, clusters or ()),
        _premium_context(request, clusters, clusters_error),
    )
    return render(request, "pricing/calculator.html", {**price, **premium})


def _validate_row(request: HttpRequest) -> HttpResponse:
    name = request.POST.get("_validate_field")
    if name not in INLINE_FIELDS:
        return HttpResponseBadRequest(_("Only a price field can be checked here."))
    field = validate_one_field(PriceForm(request.POST), name)
    context = {"field": field, "validate_url": request.path}
    return HttpResponse(render_to_string("web/_field.html", context, request))


async def _clusters(request: HttpRequest) -> list:
    clusters, _ = await all_clusters(request)
    # A cluster being deleted has no future to price.
    return [c for c in clusters if c.Status != "Deleting"]


async def _price_context(request: HttpRequest, clusters=()) -> dict:
    # What the URL leaves out takes its default, so a partial (shared, hand-made) URL prices.
    asked = {name: request.GET[name] for name in PriceForm.base_fields if name in request.GET}
    form = PriceForm({**DEFAULTS, **asked}, clusters=clusters)
    context = {"form": form, "inline_fields": INLINE_FIELDS}
    if form.is_valid():
        context["rows"] = await _compare(request, form)
    return context


async def _compare(request: HttpRequest, form: PriceForm) -> list[dict] | None:
    """One GetClusterPrice per charge type, concurrently; None (and a form error) if any
    of them fails, since a comparison with a hole in it would mislead."""
    charge_types = [value for value, _ in catalogue.CHARGE_TYPES]
    params = [form.params_for(charge) for charge in charge_types]
    answers = await asyncio.gather(
        *(cloudcall.call(request, "GetClusterPrice", **p) for p in params),
        return_exceptions=True,
    )
    for answer in answers:
        if isinstance(answer, BaseException) and not isinstance(answer, CLOUD_ERRORS):
            raise answer
    failed = next((a for a in answers if isinstance(a, CLOUD_ERRORS)), None)
    if failed is not None:
        form.add_cloud_error(failed)
        return None
    rows = []
    for (charge, label), p, answer in zip(catalogue.CHARGE_TYPES, params, answers, strict=True):
        price = answer.Infos[0].Price if answer.Infos else None
        periods = p.get("Quantity", 1)
        rows.append(
            {
                "charge_type": charge,
                "label": label,
                "price": price,
                "periods": periods,
                "monthly": None if price is None else monthly(charge, price, periods),
                "chosen": charge == form.cleaned_data["charge_type"],
            }
        )
    costs = [row["monthly"] for row in rows if row["monthly"] is not None]
    for row in rows:
        row["lowest"] = len(costs) > 1 and row["monthly"] == min(costs)
    return rows


async def _premium_context(
    request: HttpRequest, clusters=None, clusters_error="", fragment=False
) -> dict:
    if clusters is None and not clusters_error:
        try:
            clusters = await _clusters(request)
        except CLOUD_ERRORS as exc:
            clusters_error = cloudcall.error_text(exc)
    if clusters_error:
        return {"premium_error": clusters_error}
    asked = "premium-cluster" in request.GET
    data = request.GET.copy() if asked else None
    by_id = {c.ClusterID: c for c in clusters}
    running = [c.ClusterID for c in clusters if c.Status == "Running"]
    cluster_id = data.get("premium-cluster") if asked else next(iter(running or by_id), "")
    nodes = []
    if cluster_id in by_id:
        try:
            nodes = (
                await cloudcall.call(request, "DescribeSuperNode", ClusterID=cluster_id, Limit=1000)
            ).Infos
        except CLOUD_ERRORS as exc:
            return {"premium_error": cloudcall.error_text(exc)}
    by_name = {n.NodeName: n for n in nodes}
    if asked and nodes and data.get("premium-super_node") not in by_name:
        # The node list is of the cluster picked before: start from this one's first node.
        data["premium-super_node"] = nodes[0].NodeName
    node = by_name.get(data.get("premium-super_node")) if asked else next(iter(nodes), None)
    initial = {"cluster": cluster_id, **_gpus_now(node)}
    if asked:
        # A partial URL: what it leaves out is what the node has now.
        for name, value in initial.items():
            data.setdefault(f"premium-{name}", value)
    form = PremiumForm(data, clusters=clusters, nodes=nodes, initial=initial)
    # The page's node list is of another cluster: the answer brings this one's along.
    nodes_changed = fragment and asked and data.get("premium-nodes_of") != cluster_id
    if nodes_changed:
        form.fields["super_node"].widget.attrs["hx-swap-oob"] = "true"
    context = {
        "premium_form": form,
        "has_clusters": bool(clusters),
        "fragment": fragment,
        "nodes_changed": nodes_changed,
    }
    if asked and form.is_valid():
        try:
            answer = await cloudcall.call(request, "GetClusterPaymentOfPremium", **form.params())
        except CLOUD_ERRORS as exc:
            form.add_cloud_error(exc)
        else:
            context["premium"] = _premium(answer, form, by_id[cluster_id])
    return context


def _gpus_now(node) -> dict:
    """Where a GPU change starts: the node's GPUs now, or one GPU of the first type."""
    if node is None:
        return {}
    gpus = [g for g in node.GPUInfos if g.GPU]
    if gpus:
        return {"gpu_type": gpus[0].GPUMdevName, "gpu_count": gpus[0].GPU}
    return {"gpu_type": next(iter(catalogue.gpu_types()), ("", ""))[0], "gpu_count": 1}


def _premium(answer, form: PremiumForm, cluster) -> dict:
    """The answer with what a reader needs to understand it."""
    expires = None
    if answer.OrderType != "Dynamic" and cluster.ExpireTime:
        expires = datetime.fromtimestamp(cluster.ExpireTime, UTC)
    return {
        "price": answer.Price,
        "order_type": answer.OrderType,
        "amount": abs(answer.Price),
        "per_hour": answer.OrderType == "Dynamic",
        "expires": expires,
        "expired": expires is not None and expires <= datetime.now(UTC),
        "cluster": cluster.Name,
        "node": form.cleaned_data["super_node"],
        "gpu_type": form.cleaned_data["gpu_type"],
        "gpu_count": form.cleaned_data["gpu_count"],
    }
