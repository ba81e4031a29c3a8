"""The audit log for admins: their tenant's rows, searchable, and as CSV."""

from __future__ import annotations

import csv
import json

from asgiref.sync import sync_to_async
from django.core.paginator import Paginator
from django.db.models import TextField
from django.db.models.functions import Cast
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from console.web.access import admin_required
from console.web.roles import ACTION_ROLES

from .forms import AuditSearchForm
from .models import AuditEntry

PAGE_SIZE = 100
EXPORT_LIMIT = 100_000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _form(request: HttpRequest) -> AuditSearchForm:
    return AuditSearchForm({k: v.strip() for k, v in request.GET.items()})


def _filtered(user, form: AuditSearchForm):
    """The admin's tenant's rows matching a valid search (days in the browser's zone)."""
    rows = AuditEntry.objects.filter(company_id=user.company_id)
    data = form.cleaned_data
    if data["user"]:
        rows = rows.filter(username__icontains=data["user"])
    if data["action"]:
        rows = rows.filter(action=data["action"])
    if data["text"]:
        rows = rows.annotate(params_text=Cast("params", TextField())).filter(
            params_text__icontains=data["text"]
        )
    if data["since"]:
        rows = rows.filter(time__date__gte=data["since"])
    if data["until"]:
        rows = rows.filter(time__date__lte=data["until"])
    return rows


@admin_required
async def audit_list(request: HttpRequest) -> HttpResponse:
    user = await request.auser()
    form = _form(request)

    def load():
        context = {"form": form, "filters": form.data, "actions": sorted(ACTION_ROLES)}
        if form.is_valid():
            rows = _filtered(user, form)
            page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
            page.object_list = list(page.object_list)  # read here, not while rendering (async)
            context["page"] = page
        return context

    context = await sync_to_async(load)()
    query = request.GET.copy()
    query.pop("page", None)
    context["query"] = query.urlencode()
    return render(request, "audit/list.html", context)


def _cell(value) -> str:
    """CSV cells that a spreadsheet would run as a formula are quoted as text."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


@admin_required
async def audit_export(request: HttpRequest) -> HttpResponse:
    user = await request.auser()

    form = _form(request)

    def build() -> HttpResponse:
        if not form.is_valid():
            errors = [f"{form[name].label}: {e}" for name, es in form.errors.items() for e in es]
            return HttpResponse("\n".join(errors), status=400, content_type="text/plain")
        rows = _filtered(user, form)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit.csv"'
        writer = csv.writer(response)
        writer.writerow(
            [
                "time",
                "user",
                "tenant",
                "action",
                "parameters",
                "retcode",
                "message",
                "source",
                "http_status",
            ]
        )
        for row in rows[:EXPORT_LIMIT].iterator():
            writer.writerow(
                [
                    _cell(v)
                    for v in (
                        row.time.isoformat(),
                        row.username,
                        row.company_id,
                        row.action,
                        json.dumps(row.params, ensure_ascii=False),
                        "" if row.ret_code is None else row.ret_code,
                        row.message,
                        row.source,
                        "" if row.http_status is None else row.http_status,
                    )
                ]
            )
        return response

    return await sync_to_async(build)()
