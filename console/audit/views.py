"""The audit log for admins: their tenant's rows, searchable, and as CSV."""

from __future__ import annotations

import csv
import datetime

from asgiref.sync import sync_to_async
from django.core.paginator import Paginator
from django.db.models import TextField
from django.db.models.functions import Cast
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from console.web.access import admin_required
from console.web.roles import ACTION_ROLES

from .models import AuditEntry

PAGE_SIZE = 100
EXPORT_LIMIT = 100_000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _day(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def _filtered(user, query) -> tuple:
    """The admin's tenant's rows matching the query, and the cleaned filters."""
    rows = AuditEntry.objects.filter(company_id=user.company_id)
    filters = {
        k: query.get(k, "").strip()[:200] for k in ("user", "action", "text", "since", "until")
    }
    if filters["user"]:
        rows = rows.filter(username__icontains=filters["user"])
    if filters["action"] in ACTION_ROLES:
        rows = rows.filter(action=filters["action"])
    if filters["text"]:
        rows = rows.annotate(params_text=Cast("params", TextField())).filter(
            params_text__icontains=filters["text"]
        )
    since, until = _day(filters["since"]), _day(filters["until"])
    if since:
        rows = rows.filter(time__date__gte=since)
    if until:
        rows = rows.filter(time__date__lte=until)
    return rows, filters


@admin_required
async def audit_list(request: HttpRequest) -> HttpResponse:
    user = await request.auser()

    def load():
        rows, filters = _filtered(user, request.GET)
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        page.object_list = list(page.object_list)  # read here, not while rendering (async)
        return {"page": page, "filters": filters, "actions": sorted(ACTION_ROLES)}

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

    def build() -> HttpResponse:
        rows, _ = _filtered(user, request.GET)
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
                        row.params,
                        "" if row.ret_code is None else row.ret_code,
                        row.message,
                        row.source,
                        "" if row.http_status is None else row.http_status,
                    )
                ]
            )
        return response

    return await sync_to_async(build)()
