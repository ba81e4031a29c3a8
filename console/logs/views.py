"""Log search: the page, its histogram, the live tail and the download, all from one
GET query so that any search can be shared as a link."""

from __future__ import annotations

import asyncio
import re
import time

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from console.cloud.client import CloudError, CloudUnavailable
from console.web import cloudcall
from console.web.timezones import browser_zone

from . import histogram, workload
from .forms import MAX_LINES, LogSearchForm
from .instants import format_instant
from .jsonfields import body_html
from .render import lines_html
from .workload import Line, WorkloadError

CLUSTER_PICKER_LIMIT = 1000
# Lines a result puts in the document at first: a few screens' worth. The older ones come
# as markup that the browser parses only when the reader scrolls up to them; loglist.js
# then keeps up to its WINDOW of lines in the document.
IN_DOCUMENT = 200
HISTOGRAM_GRACE_SECONDS = 0.05  # how long the page waits past its search for the histogram
SEARCH_FIELDS = ("cluster", "namespace", "pod", "container", "workload")


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


def _lines(form: LogSearchForm, lines: list[Line], all_lines: list[Line] = ()) -> SafeString:
    """A workload's lines carry their pod's tag (and container's, when pods have several,
    among `all_lines` when these are a part of them)."""
    zone, words = form.zone, form.cleaned_data["kw"]
    tagged = form.target_workload is not None
    several = tagged and len({line.stream.container for line in all_lines or lines}) > 1
    if not tagged:
        return lines_html(
            [(x.ns, format_instant(x.ns, zone), body_html(x.body, words)) for x in lines]
        )
    return lines_html(
        [
            (
                x.ns,
                format_instant(x.ns, zone),
                workload.tagged(body_html(x.body, words), x.stream, several),
            )
            for x in lines
        ]
    )


def _cursor(lines: list[Line], after_if_empty: int) -> tuple[int, int]:
    """Where the live tail goes on: the newest time shown, and how many lines of that
    time were shown (Start is inclusive, so they come again and are skipped)."""
    if not lines:
        return after_if_empty, 0
    newest = lines[-1].ns
    return newest, sum(1 for line in lines if line.ns == newest)


def _failure(exc: Exception) -> str:
    if isinstance(exc, WorkloadError | PermissionDenied):
        return str(exc)
    return cloudcall.error_text(exc)


def _words(request: HttpRequest, name: str) -> list[str]:
    return [w for w in request.GET.getlist(name) if w.strip()]


@require_GET
async def log_search(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    context = {
        "form": form,
        "keywords": _words(request, "kw"),
        "ignored": _words(request, "ignore"),
        "fields": _words(request, "field"),
        "levels": request.GET.getlist("level"),
        "zone_name": str(browser_zone(request)),
    }
    searching = form.is_bound and form.is_valid()
    started = time.perf_counter()
    if request.htmx:
        context.update(await _results(request, form) if searching else {})
        return _timed(render(request, "logs/_results.html", context), context, started)
    # The whole page: the search and the cluster picker's list at the same time.
    results, clusters = await asyncio.gather(
        _results(request, form) if searching else asyncio.sleep(0, {}), _clusters(request)
    )
    context.update(results, **clusters)
    return _timed(render(request, "logs/search.html", context), context, started)


def _timed(response: HttpResponse, context: dict, started: float) -> HttpResponse:
    """Server-Timing: the search's wait for the cloud apart from the page's own time (the
    browser's developer tools and bench/logs.py read it)."""
    total = (time.perf_counter() - started) * 1000
    cloud = context.get("cloud_ms", 0.0)
    response["Server-Timing"] = f"cloud;dur={cloud:.1f}, page;dur={total:.1f}"
    return response


async def _clusters(request: HttpRequest) -> dict:
    try:
        clusters = await cloudcall.call(request, "DescribeCluster", Limit=CLUSTER_PICKER_LIMIT)
    except (CloudError, CloudUnavailable) as exc:
        return {"clusters_error": cloudcall.error_text(exc)}
    return {"clusters": clusters.Infos}


async def _results(request: HttpRequest, form: LogSearchForm) -> dict:
    data = form.cleaned_data
    context = {
        "searched": True,
        "wrap": data["wrap"],
        "tail": data["tail"] and not data.get("until"),
        "query": _query(request),
    }
    # Counted beside the search: past slices are kept and the newest minutes are usually
    # among the search's lines, so it is mostly done with the search and then drawn in the
    # page instead of loading after it.
    newest = asyncio.get_running_loop().create_future()
    counting = None
    if _has_histogram(form):
        counting = asyncio.ensure_future(_histogram(request, form, newest))
    asked = time.perf_counter()
    try:
        streams, more, found = await workload.form_search(request, form)
        newest.set_result(None if found.failed else _newest(found))
    except (CloudError, CloudUnavailable, WorkloadError, PermissionDenied) as exc:
        context["error"] = _failure(exc)
        await _drop(counting)
        return context
    finally:
        if not newest.done():  # the histogram then counts without them
            newest.set_result(None)
    context["histogram"] = await _histogram_if_done(counting)
    context["cloud_ms"] = (time.perf_counter() - asked) * 1000
    after, skip = _cursor(found.lines, form.window()[1])
    context.update(
        total=found.total,
        shown=len(found.lines),
        older_lines=_lines(form, found.lines[:-IN_DOCUMENT], found.lines),
        older_count=max(0, len(found.lines) - IN_DOCUMENT),
        lines=_lines(form, found.lines[-IN_DOCUMENT:], found.lines),
        tail_query=_query(request, after=after, skip=skip),
        workload=form.cleaned_data["workload"],
        pods=sorted({s.pod for s in streams}),
        more_streams=more,
        filtered=form.line_filter().active,
        narrowed=found.narrowed,
        read_limit=MAX_LINES,
        failed=[f"{s.pod} {s.container}: {text}" for s, text in found.failed],
    )
    return context


def _newest(found: workload.Found) -> histogram.Newest:
    return histogram.Newest([line.ns for line in found.lines], found.total)


def _has_histogram(form: LogSearchForm) -> bool:
    """Counts are per container and keyword: none for a workload or a level/field filter."""
    return form.target_workload is None and not form.line_filter().active


async def _histogram_if_done(counting: asyncio.Future | None) -> dict | None:
    """The histogram's context when it is ready a moment after the search, else None (the
    page then loads it after itself, from log_histogram)."""
    if counting is None:
        return None
    await asyncio.wait({counting}, timeout=HISTOGRAM_GRACE_SECONDS)
    if counting.done() and not counting.cancelled():
        return counting.result()
    await _drop(counting)
    return None


async def _drop(counting: asyncio.Future | None) -> None:
    if counting is not None and not counting.done():
        counting.cancel()
        await asyncio.gather(counting, return_exceptions=True)


async def _histogram(
    request: HttpRequest, form: LogSearchForm, newest: asyncio.Future | None = None
) -> dict:
    """`newest`: the search's lines (histogram.Newest), when it runs beside the search."""
    start, end = form.window()
    params = {k: v for k, v in form.params().items() if k not in ("Start", "End", "LineLimit")}
    context = {"zone": form.zone}
    try:
        bars = await histogram.count_bars(request, params, start, end, newest=newest)
    except (CloudError, CloudUnavailable) as exc:
        context["error"] = cloudcall.error_text(exc)
        return context
    for bar in bars:
        bar.href = "?" + _query(request, range="custom", since=bar.start, until=bar.end, tail=None)
        bar.label = _("%(count)s lines from %(start)s to %(end)s") % {
            "count": bar.count,
            "start": format_instant(bar.start, form.zone),
            "end": format_instant(bar.end, form.zone),
        }
    context.update(
        bars=bars,
        width=histogram.WIDTH,
        height=histogram.HEIGHT,
        first=format_instant(bars[0].start if bars else start, form.zone),
        last=format_instant(end, form.zone),
    )
    return context


@require_GET
async def log_histogram(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    if not (form.is_bound and form.is_valid()) or not _has_histogram(form):
        return HttpResponse(status=204)
    return render(request, "logs/_histogram.html", await _histogram(request, form))


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
    params = form.params()
    params.pop("End")
    context = {"tail": True}
    try:
        streams, _more = await workload.form_streams(request, form)
        found, _cursors = await workload.since(
            workload.caller(request), streams, params, {}, (after, 0)
        )
    except (CloudError, CloudUnavailable, WorkloadError, PermissionDenied) as exc:
        context.update(error=_failure(exc), tail_query=_query(request, after=after, skip=skip))
        return render(request, "logs/_tail.html", context)
    lines = found.lines
    # More arrived than one answer holds: say so rather than leave a silent gap.
    shown_before = 0
    if not found.missed:
        while shown_before < min(skip, len(lines)) and lines[shown_before].ns == after:
            shown_before += 1
    keep = form.line_filter()
    new = [line for line in lines[shown_before:] if keep.keeps(line.body)]
    if lines:
        after, skip = _cursor(lines, after)
    context.update(
        lines=_lines(form, new),
        missed=found.missed,
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
        _streams_read, _more, found = await workload.form_search(request, form)
    except (CloudError, CloudUnavailable, WorkloadError, PermissionDenied) as exc:
        return HttpResponse(_failure(exc), status=502, content_type="text/plain")
    tags = form.target_workload is not None
    text = "".join(
        f"{format_instant(line.ns, form.zone, precise=True)} "
        + (f"{line.stream.pod} {line.stream.container} " if tags else "")
        + f"{line.body}\n"
        for line in found.lines
    )
    data = form.cleaned_data
    source = data["workload"] or f"{data['pod']}-{data['container']}"
    name = _UNSAFE_NAME.sub("_", source)
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="logs-{name}.txt"'
    return response
