"""Creating a cluster: the form, inline validation, the live price, and the submit."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from console.cloud.client import CloudError, CloudUnavailable
from console.web import cloudcall
from console.web.access import operator_required
from console.web.forms import validate_one_field

from ..forms import CreateClusterForm, price_params


@operator_required
async def cluster_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        form = CreateClusterForm(
            initial={"charge_type": "Dynamic", "quantity": 1, "high_availability": "false"}
        )
        return render(request, "clusters/create.html", {"form": form})
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
            form.add_cloud_error(exc)
        else:
            messages.success(
                request,
                _("Cluster %(name)s is being created.") % {"name": form.cleaned_data["name"]},
            )
            return redirect("clusters:detail", cluster_id=created.ClusterID)
    return render(request, "clusters/create.html", {"form": form}, status=400)


@operator_required
async def create_price(request: HttpRequest) -> HttpResponse:
    """The price of what the create form says now (htmx swaps it in as the user types)."""
    params = price_params(request.POST)
    context = {"charge_type": params["ChargeType"]}
    if not params["ComputeclassType"] or not params["StorageclassType"]:
        context["error"] = _("Choose the compute and storage classes to see a price.")
    else:
        try:
            result = await cloudcall.call(request, "GetClusterPrice", **params)
        except (CloudError, CloudUnavailable) as exc:
            context["error"] = cloudcall.error_text(exc)
        else:
            context["price"] = result.Infos[0].Price if result.Infos else None
            context["quantity"] = params.get("Quantity", 1)
    return render(request, "clusters/_price.html", context)
