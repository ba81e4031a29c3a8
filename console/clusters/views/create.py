"""Creating a cluster: the form, inline validation, the live price, and the submit."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from console.cloud.client import CloudError, CloudUnavailable
from console.web import cloudcall, unanswered
from console.web.access import operator_required
from console.web.forms import validate_one_field

from ..forms import CreateClusterForm, price_params
from ..lookup import all_clusters


async def _network_choices(request: HttpRequest) -> dict:
    """The VPCs and subnets the tenant's clusters in this region use, as typing hints."""
    try:
        clusters, _total = await all_clusters(request)
    except (CloudError, CloudUnavailable):
        return {}  # only hints: the form works without them
    vpcs = {c.VpcID: c.VpcName for c in clusters if c.VpcID}
    subnets = {s: c.VpcID for c in clusters for s in c.SubnetIDs}
    return {"vpc_choices": sorted(vpcs.items()), "subnet_choices": sorted(subnets.items())}


@operator_required
async def cluster_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        form = CreateClusterForm(
            initial={"charge_type": "Dynamic", "quantity": 1, "high_availability": "false"}
        )
        context = {"form": form, **await _network_choices(request)}
        return render(request, "clusters/create.html", context)
    form = CreateClusterForm(request.POST)
    field = request.POST.get("_validate_field")
    if field:
        bound = validate_one_field(form, field)
        if bound is None:
            return HttpResponse(status=400)
        return HttpResponse(
            render_to_string(
                "web/_field.html", {"field": bound, "validate_url": request.path}, request
            )
        )
    if form.is_valid():
        try:
            created = await cloudcall.call(request, "CreateCluster", **form.params())
        except (CloudError, CloudUnavailable) as exc:
            # Its ID never came: the list, read again, shows whether it was made.
            if reread := unanswered.reread(request, exc, "clusters:list"):
                return reread
            form.add_cloud_error(exc)
        else:
            messages.success(
                request,
                _("Cluster %(name)s is being created.") % {"name": form.cleaned_data["name"]},
            )
            return redirect("clusters:detail", cluster_id=created.ClusterID)
    context = {"form": form, **await _network_choices(request)}
    return render(request, "clusters/create.html", context, status=400)


# The create form's fields that make its price.
PRICE_FIELDS = ("charge_type", "quantity", "compute_class", "storage_class", "high_availability")


@operator_required
async def create_price(request: HttpRequest) -> HttpResponse:
    """The price of what the create form says now (htmx swaps it in as the user types).

    The same form as the submit checks the fields the price depends on: an invalid one is
    explained in the page's language and nothing is priced, rather than pricing a guess."""
    form = CreateClusterForm(request.POST)
    form.is_valid()
    problems = [
        (form[name].label, error) for name in PRICE_FIELDS for error in form.errors.get(name, [])
    ]
    if problems:
        return render(request, "clusters/_price.html", {"problems": problems})
    params = price_params(form.cleaned_data)
    context = {"charge_type": params["ChargeType"]}
    try:
        result = await cloudcall.call(request, "GetClusterPrice", **params)
    except (CloudError, CloudUnavailable) as exc:
        context["error"] = cloudcall.error_text(exc)
    else:
        context["price"] = result.Infos[0].Price if result.Infos else None
        context["quantity"] = params.get("Quantity", 1)
    return render(request, "clusters/_price.html", context)
