"""Log search: the page, its histogram, the live tail and the download, all from one
GET query so that any search can be shared as a link."""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from console.cloud.client import CloudError, CloudUnavailable
from console.web import cloudcall
from console.web.timezones import browser_zone

from . import histogram
from .forms import MAX_LINES, LogSearchForm
from .instants import format_instant
from .render import lines_html, log_body_html

CLUSTER_PICKER_LIMIT = 1000
SEARCH_FIELDS = ("cluster", "namespace", "pod", "container")


def _form(request: HttpRequest) -> LogSearchForm:
    data = request.GET if any(k in request.GET for k in SEARCH_FIELDS) else None
    return LogSearchForm(data, local_zone=browser_zone(request))


def _query(request: HttpRequest, **changes) -> str:
    """The current search's query string with some parameters changed or dropped (None)."""
    query = QueryDict(mutable=True)
    for key, values in request.GET.lists():
        if key not in changes and key not in ("after", "skip"):
            query.setlist(key, [v for v in values if v != ""])
    for key, value in changes.items():
        if value is not None:
            query[key] = str(value)
    return query.urlencode()


def _lines(form: LogSearchForm, infos) -> SafeString:
    zone, words = form.zone, form.cleaned_data["kw"]
    return lines_html(
        [(i.Time, format_instant(i.Time, zone), log_body_html(i.Body, words)) for i in infos]
    )


def _cursor(infos, after_if_empty: int) -> tuple[int, int]:
    """Where the live tail goes on: the newest time shown, and how many lines of that
    time were shown (Start is inclusive, so they come again and are skipped)."""
    if not infos:
        return after_if_empty, 0
    newest = infos[-1].Time
    return newest, sum(1 for info in infos if info.Time == newest)


def _words(request: HttpRequest, name: str) -> list[str]:
    return [w for w in request.GET.getlist(name) if w.strip()]


@require_GET
async def log_search(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    context = {
        "form": form,
        "keywords": _words(request, "kw"),
        "ignored": _words(request, "ignore"),
        "zone_name": str(browser_zone(request)),
    }
    if form.is_bound and form.is_valid():
        context.update(await _results(request, form))
    if request.htmx:
        return render(request, "logs/_results.html", context)
    try:
        clusters = await cloudcall.call(request, "DescribeCluster", Limit=CLUSTER_PICKER_LIMIT)
        context["clusters"] = clusters.Infos
    except (CloudError, CloudUnavailable) as exc:
        context["clusters_error"] = cloudcall.error_text(exc)
    return render(request, "logs/search.html", context)


async def _results(request: HttpRequest, form: LogSearchForm) -> dict:
    data = form.cleaned_data
    context = {
        "searched": True,
        "wrap": data["wrap"],
        "tail": data["tail"] and not data.get("until"),
        "query": _query(request),
    }
    try:
        answer = await cloudcall.call(request, "GetContainerLogs", **form.params())
    except (CloudError, CloudUnavailable) as exc:
        context["error"] = cloudcall.error_text(exc)
        return context
    after, skip = _cursor(answer.Infos, form.window()[1])
    context.update(
        total=answer.TotalCount,
        shown=len(answer.Infos),
        lines=_lines(form, answer.Infos),
        tail_query=_query(request, after=after, skip=skip),
    )
    return context


@require_GET
async def log_histogram(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    if not (form.is_bound and form.is_valid()):
        return HttpResponse(status=204)
    start, end = form.window()
    params = {k: v for k, v in form.params().items() if k not in ("Start", "End", "LineLimit")}
    context = {"zone": form.zone}
    try:
        bars = await histogram.count_bars(request, params, start, end)
    except (CloudError, CloudUnavailable) as exc:
        context["error"] = cloudcall.error_text(exc)
    else:
        for bar in bars:
            bar.href = "?" + _query(
                request, range="custom", since=bar.start, until=bar.end, tail=None
            )
            bar.label = _("%(count)s lines from %(start)s to %(end)s") % {
                "count": bar.count,
                "start": format_instant(bar.start, form.zone),
                "end": format_instant(bar.end, form.zone),
            }
        context.update(
            bars=bars,
            width=histogram.WIDTH,
            height=histogram.HEIGHT,
            first=format_instant(start, form.zone),
            last=format_instant(end, form.zone),
        )
    return render(request, "logs/_histogram.html", context)


@require_GET
async def log_tail(request: HttpRequest) -> HttpResponse:
    """Lines written since the cursor (`after` ns, `skip` lines already shown at it)."""
    form = _form(request)
    try:
        after = int(request.GET.get("after", ""))
        skip = int(request.GET.get("skip", "0"))
    except ValueError:
        return HttpResponse(_("The tail's cursor is not a number."), status=400)
    if not (form.is_bound and form.is_valid()) or after < 0 or skip < 0:
        return HttpResponse(_("The search is not valid."), status=400)
    params = {**form.params(), "Start": after, "LineLimit": MAX_LINES}
    params.pop("End")
    context = {"tail": True}
    try:
        answer = await cloudcall.call(request, "GetContainerLogs", **params)
    except (CloudError, CloudUnavailable) as exc:
        context.update(
            error=cloudcall.error_text(exc), tail_query=_query(request, after=after, skip=skip)
        )
        return render(request, "logs/_tail.html", context)
    infos = list(answer.Infos)
    # More arrived than one answer holds: say so rather than leave a silent gap.
    missed = max(0, answer.TotalCount - len(infos))
    shown_before = 0
    if not missed:
        while shown_before < min(skip, len(infos)) and infos[shown_before].Time == after:
            shown_before += 1
    new = infos[shown_before:]
    if infos:
        after, skip = _cursor(infos, after)
    context.update(
        lines=_lines(form, new),
        missed=missed,
        tail_query=_query(request, after=after, skip=skip),
    )
    return render(request, "logs/_tail.html", context)


_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@require_GET
async def log_download(request: HttpRequest) -> HttpResponse:
    """The current result as text: one line per entry, RFC 3339 time in ns, then the body."""
    form = _form(request)
    if not (form.is_bound and form.is_valid()):
        return HttpResponse(_("Pick a container to download its logs."), status=400)
    try:
        answer = await cloudcall.call(request, "GetContainerLogs", **form.params())
    except (CloudError, CloudUnavailable) as exc:
        return HttpResponse(cloudcall.error_text(exc), status=502, content_type="text/plain")
    text = "".join(
        f"{format_instant(i.Time, form.zone, precise=True)} {i.Body}\n" for i in answer.Infos
    )
    data = form.cleaned_data
    name = _UNSAFE_NAME.sub("_", f"{data['pod']}-{data['container']}")
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="logs-{name}.txt"'
    return response
