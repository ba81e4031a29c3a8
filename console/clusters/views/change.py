"""Changing a cluster: subnets, capacity, EIP, and delete (after typing its name)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from console.cloud.client import CloudError, CloudUnavailable
from console.web import cloudcall, unanswered
from console.web.access import operator_required

from ..forms import AttachEIPForm, CapacityForm, DeleteClusterForm, SubnetsForm
from ..lookup import unavailable_page
from .detail import change_forms, detail_context


async def _page_with(
    request: HttpRequest, cluster_id: str, open_panel: str = "", **forms_
) -> HttpResponse:
    """The detail page again, with the failed form kept as typed (status 400)."""
    try:
        context = await detail_context(request, cluster_id)
    except (CloudError, CloudUnavailable) as exc:
        return unavailable_page(request, cluster_id, exc)
    context.update(change_forms(context["cluster"]))
    context.update(forms_)
    context["open_panel"] = open_panel or next(iter(forms_))
    return render(request, "clusters/detail.html", context, status=400)


async def _submit(request, cluster_id, form, form_name: str, action: str, done: str, note=None):
    if form.is_valid():
        try:
            await cloudcall.call(request, action, ClusterID=cluster_id, **form.params())
        except (CloudError, CloudUnavailable) as exc:
            if reread := unanswered.reread(request, exc, "clusters:detail", cluster_id=cluster_id):
                return reread
            form.add_cloud_error(exc)
        else:
            messages.success(request, done)
            if note and (text := note(form)):
                messages.warning(request, text)
            return redirect("clusters:detail", cluster_id=cluster_id)
    return await _page_with(request, cluster_id, **{form_name: form})


@require_POST
@operator_required
async def update_subnets(request: HttpRequest, cluster_id: str) -> HttpResponse:
    form = SubnetsForm(request.POST)
    return await _submit(
        request, cluster_id, form, "subnets_form", "UpdateCluster", _("Subnets updated.")
    )


@require_POST
@operator_required
async def update_capacity(request: HttpRequest, cluster_id: str) -> HttpResponse:
    form = CapacityForm(request.POST)
    return await _submit(
        request,
        cluster_id,
        form,
        "capacity_form",
        "UpdateClusterCapacity",
        _("Capacity updated."),
        note=_left_unchanged,
    )


def _left_unchanged(form: CapacityForm) -> str:
    # An emptied box is left out of the call, so the cloud keeps that limit: say so.
    labels = form.left_unchanged()
    if not labels:
        return ""
    return ngettext(
        "Left unchanged (its box was empty): %(fields)s.",
        "Left unchanged (their boxes were empty): %(fields)s.",
        len(labels),
    ) % {"fields": get_text_list(labels, _("and"))}


@require_POST
@operator_required
async def attach_eip(request: HttpRequest, cluster_id: str) -> HttpResponse:
    form = AttachEIPForm(request.POST)
    return await _submit(
        request, cluster_id, form, "eip_form", "AttachClusterEIP", _("EIP attached.")
    )


@require_POST
@operator_required
async def detach_eip(request: HttpRequest, cluster_id: str) -> HttpResponse:
    if request.POST.get("confirm") != "yes":
        # Unconfirmed (a one-click post): the page again, with what detaching means.
        return await _page_with(request, cluster_id, open_panel="detach_eip")
    try:
        await cloudcall.call(request, "DetachClusterEIP", ClusterID=cluster_id)
    except (CloudError, CloudUnavailable) as exc:
        if reread := unanswered.reread(request, exc, "clusters:detail", cluster_id=cluster_id):
            return reread
        messages.error(request, cloudcall.error_text(exc))
    else:
        messages.success(request, _("EIP detached."))
    return redirect("clusters:detail", cluster_id=cluster_id)


@require_POST
@operator_required
async def delete_cluster(request: HttpRequest, cluster_id: str) -> HttpResponse:
    try:
        context = await detail_context(request, cluster_id)
    except (CloudError, CloudUnavailable) as exc:
        messages.error(request, cloudcall.error_text(exc))
        return redirect("clusters:detail", cluster_id=cluster_id)
    form = DeleteClusterForm(request.POST, cluster_name=context["cluster"].Name)
    if form.is_valid():
        try:
            await cloudcall.call(request, "DeleteCluster", ClusterID=cluster_id)
        except (CloudError, CloudUnavailable) as exc:
            if reread := unanswered.reread(request, exc, "clusters:list"):
                return reread
            form.add_error(None, cloudcall.error_text(exc))
        else:
            messages.success(
                request, _("Cluster %(name)s is being deleted.") % {"name": form.cluster_name}
            )
            return redirect("clusters:list")
    return await _page_with(request, cluster_id, delete_form=form)
