"""Logs of several containers at once: a workload's pods found through the Kubernetes API
(its label selector), one GetContainerLogs per pod and container (a few at a time, the
same LineLimit each), merged by time, each line knowing its pod (the way stern shows them).
A single container's search is the same read with one stream."""

from __future__ import annotations

import asyncio
import json
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import quote

from django.core.exceptions import PermissionDenied
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from console.cloud.client import CloudError, CloudUnavailable
from console.resources.kinds import KINDS
from console.web import cloudcall
from console.web.kubeapi import api_path, check_path

from .forms import MAX_LINES
from .linefilter import LineFilter

Call = Callable[..., Awaitable]  # (action, **params) -> the answer, as some user or key
KIND_PLURALS = {
    "deployment": "deployments",
    "statefulset": "statefulsets",
    "daemonset": "daemonsets",
    "job": "jobs",
}
MAX_STREAMS = 20  # pods x containers read per search or tail
FAN_OUT = 4  # GetContainerLogs calls in flight per search
COLOURS = 10  # pod tag colours (pc0 .. pc9 in console.css)


class WorkloadError(Exception):
    """The workload cannot be read (missing, no selector, the cluster refused)."""


@dataclass(frozen=True, order=True)
class Stream:
    pod: str
    container: str

    def label(self, with_container: bool) -> str:
        return f"{self.pod} {self.container}" if with_container else self.pod

    @property
    def colour(self) -> int:
        return zlib.crc32(self.pod.encode()) % COLOURS


class Line(NamedTuple):  # a tuple: a 5,000-line page makes 5,000 of them
    ns: int
    stream: Stream
    nth: int  # the nth line at this ns in its stream (Start is inclusive: see tail.py)
    body: str


@dataclass
class Found:
    lines: list[Line]  # oldest first
    total: int = 0
    narrowed: bool = False  # a console-side filter ran over answers cut at LineLimit
    missed: int = 0  # lines past what the answers held (the tail's gap)
    failed: list[tuple[Stream, str]] = field(default_factory=list)


def numbered(stream: Stream, infos) -> list[Line]:
    out, previous, nth = [], None, 0
    for info in infos:
        nth = nth + 1 if info.Time == previous else 0
        previous = info.Time
        out.append(Line(info.Time, stream, nth, info.Body))
    return out


async def _kube_get(call: Call, cluster_id: str, path: str) -> dict:
    check_path(path)
    result = await call("ForwardCluster", ClusterID=cluster_id, Method="GET", Path=path)
    try:
        answer = json.loads(result.Info.ResponseBody or "{}")
    except ValueError:
        raise CloudUnavailable(_("malformed Kubernetes answer"), action="ForwardCluster") from None
    code = result.Info.ResponseCode
    if not 200 <= code < 300:
        message = answer.get("message", "") if isinstance(answer, dict) else ""
        raise WorkloadError(
            _("Kubernetes answered %(code)s: %(message)s") % {"code": code, "message": message}
        )
    return answer


def label_selector(obj: dict) -> str:
    """The workload's selector as a labelSelector query (matchLabels and the set forms)."""
    spec = obj.get("spec") or {}
    selector = spec.get("selector") or {}
    terms = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key", ""), expr.get("operator", ""), expr.get("values") or []
        if op in ("In", "NotIn"):
            terms.append(f"{key} {op.lower()} ({','.join(values)})")
        elif op == "Exists":
            terms.append(key)
        elif op == "DoesNotExist":
            terms.append(f"!{key}")
    if not terms:  # a Job made without one: its pods carry job-name
        labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        terms = [f"{k}={v}" for k, v in sorted(labels.items())]
    return ",".join(terms)


async def workload_streams(
    call: Call, cluster_id: str, namespace: str, kind: str, name: str, container: str = ""
) -> tuple[list[Stream], int]:
    """The workload's (pod, container) streams, at most MAX_STREAMS, and how many more."""
    plural = KIND_PLURALS[kind]
    obj = await _kube_get(call, cluster_id, KINDS[plural].item(namespace, name))
    selector = label_selector(obj)
    if not selector:
        raise WorkloadError(_("%(name)s has no label selector to find its pods.") % {"name": name})
    path = api_path("api", "v1", "namespaces", namespace, "pods")
    pods = await _kube_get(call, cluster_id, f"{path}?labelSelector={quote(selector, safe='')}")
    streams = []
    for pod in pods.get("items") or []:
        pod_name = (pod.get("metadata") or {}).get("name", "")
        for c in (pod.get("spec") or {}).get("containers") or []:
            if not container or c.get("name") == container:
                streams.append(Stream(pod_name, c.get("name", "")))
    streams.sort()
    return streams[:MAX_STREAMS], max(0, len(streams) - MAX_STREAMS)


async def _answers(call: Call, streams: list[Stream], params_of: Callable[[Stream], dict]):
    """One GetContainerLogs per stream, FAN_OUT at a time; an exception in place of a
    stream's answer when that one failed."""
    gate = asyncio.Semaphore(FAN_OUT)

    async def one(stream: Stream):
        async with gate:
            params = {**params_of(stream), "Pod": stream.pod, "Container": stream.container}
            return await call("GetContainerLogs", **params)

    return await asyncio.gather(*(one(s) for s in streams), return_exceptions=True)


def _split(streams, answers, found: Found) -> list:
    """The answers that came, the failures noted; all failed: the first failure raised."""
    good = []
    for stream, answer in zip(streams, answers, strict=True):
        if isinstance(answer, CloudError | CloudUnavailable | PermissionDenied):
            found.failed.append((stream, str(getattr(answer, "message", answer))))
        elif isinstance(answer, BaseException):
            raise answer
        else:
            good.append((stream, answer))
    if streams and not good:
        raise next(a for a in answers if isinstance(a, BaseException))
    return good


async def search(
    call: Call, streams: list[Stream], params: dict, limit: int, keep: LineFilter
) -> Found:
    """The newest `limit` lines of all streams together. With a console-side filter each
    stream is read up to MAX_LINES, so that the filter has more than `limit` lines to keep."""
    found = Found(lines=[])
    per_stream = MAX_LINES if keep.active else limit
    answers = await _answers(call, streams, lambda _s: {**params, "LineLimit": per_stream})
    lines: list[Line] = []
    for stream, answer in _split(streams, answers, found):
        infos = list(answer.Infos)
        found.narrowed |= keep.active and answer.TotalCount > len(infos)
        found.total += answer.TotalCount
        lines += numbered(stream, infos)
    if keep.active:
        lines = [line for line in lines if keep.keeps(line.body)]
        found.total = len(lines)
    if len(streams) > 1:
        lines.sort()
    found.lines = lines[-limit:]
    return found


async def since(
    call: Call, streams: list[Stream], params: dict, cursors: dict, default: tuple[int, int]
) -> tuple[Found, dict]:
    """Every line past each stream's cursor (after ns, lines seen at it), oldest first,
    and the cursors moved past them (filters are the caller's: cursors move over all)."""
    found = Found(lines=[])
    results = await _answers(  # one Start per stream: each goes on from its own cursor
        call,
        streams,
        lambda s: {**params, "Start": cursors.get(s, default)[0], "LineLimit": MAX_LINES},
    )
    moved = dict(cursors)
    for stream, answer in _split(streams, results, found):
        infos = list(answer.Infos)
        found.missed += max(0, answer.TotalCount - len(infos))
        after, skip = cursors.get(stream, default)
        new = [x for x in numbered(stream, infos) if past(x, after, skip)]
        if new:
            moved[stream] = (new[-1].ns, new[-1].nth + 1)
        found.lines += new
    found.lines.sort()
    return found, moved


def past(line: Line, after: int, skip: int) -> bool:
    """Is the line past the cursor (after ns, `skip` lines already seen at it)?"""
    return line.ns > after or (line.ns == after and line.nth >= skip)


def tag_html(stream: Stream, with_container: bool) -> str:
    label = escape(stream.label(with_container))
    return f'<span class="pod-tag pc{stream.colour}" title="{label}">{label}</span> '


def tagged(html: SafeString, stream: Stream, with_container: bool) -> SafeString:
    """A body's HTML behind its pod's tag, as stern prints them."""
    return mark_safe(tag_html(stream, with_container) + html)  # noqa: S308 - both escaped


# The pages' side: streams and search of a validated LogSearchForm, as the request's user.


def caller(request) -> Call:
    return lambda action, **params: cloudcall.call(request, action, **params)


async def form_streams(request, form) -> tuple[list[Stream], int]:
    """The (pod, container) streams the search reads, and how many more were left out."""
    data = form.cleaned_data
    if not form.target_workload:
        return [Stream(data["pod"], data["container"])], 0
    kind, name = form.target_workload
    return await workload_streams(
        caller(request), data["cluster"], data["namespace"], kind, name, data["container"]
    )


async def form_search(request, form) -> tuple[list[Stream], int, Found]:
    streams, more = await form_streams(request, form)
    limit = form.cleaned_data["limit"]
    found = await search(caller(request), streams, form.params(), limit, form.line_filter())
    return streams, more, found
