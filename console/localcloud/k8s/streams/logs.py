"""pods/log: a container's lines from the store GetContainerLogs reads (LogLine, written
lazily by logwriter), with tailLines, sinceSeconds/sinceTime, timestamps and limitBytes;
`follow` keeps the answer open and sends lines as they are written, catching the pod's
own lines up (write_logs) on each look, as a reader of its logs must."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

from asgiref.sync import sync_to_async
from django.http import HttpResponse, QueryDict, StreamingHttpResponse

from ...logstore import stream_lines
from ...logwriter import write_logs
from ...models import Cluster, Pod
from .base import slot, status, too_many

FOLLOW_EVERY = 1.0  # seconds between looks for new lines (demo pods write one per 2 s)
PAGE = 1000  # rows read at once: a long log is sent page by page, never held whole


@dataclass
class LogRequest:
    cluster_id: str
    namespace: str
    pod: str
    container: str
    since_ns: int | None = None
    tail: int | None = None
    timestamps: bool = False
    limit_bytes: int | None = None
    follow: bool = False


class BadRequest(Exception):
    pass


def response(cluster: Cluster, namespace: str, name: str, query: QueryDict) -> HttpResponse:
    pod = cluster.pods.filter(namespace=namespace, name=name).first()
    if pod is None:
        details = {"name": name, "kind": "pods"}
        return status(404, "NotFound", f'pods "{name}" not found', details)
    try:
        wanted = _read(cluster, pod, query)
    except BadRequest as exc:
        return status(400, "BadRequest", str(exc))
    if (refused := too_many(cluster)) is not None:
        return refused
    return StreamingHttpResponse(_stream(wanted), content_type="text/plain")


def _read(cluster: Cluster, pod: Pod, query: QueryDict) -> LogRequest:
    names = [c["name"] for c in pod.containers]
    container = query.get("container") or ""
    if not container:
        if len(names) != 1:
            raise BadRequest(
                f"a container name must be specified for pod {pod.name}, choose one of: "
                f"[{' '.join(names)}]"
            )
        container = names[0]
    if container not in names:
        raise BadRequest(f"container {container} is not valid for pod {pod.name}")
    if _flag(query, "previous"):
        # Containers here never restart, so there is never a previous one (as the API
        # server answers for a container that has not restarted).
        raise BadRequest(
            f'previous terminated container "{container}" in pod "{pod.name}" not found'
        )
    wanted = LogRequest(cluster.cluster_id, pod.namespace, pod.name, container)
    wanted.tail = _number(query, "tailLines", least=0)
    wanted.limit_bytes = _number(query, "limitBytes", least=1)
    seconds = _number(query, "sinceSeconds", least=1)
    since_time = query.get("sinceTime")
    if seconds is not None and since_time:
        raise BadRequest("at most one of sinceTime or sinceSeconds may be specified")
    if seconds is not None:
        wanted.since_ns = time.time_ns() - seconds * 1_000_000_000
    elif since_time:
        wanted.since_ns = _rfc3339_ns(since_time)
    wanted.timestamps = _flag(query, "timestamps")
    wanted.follow = _flag(query, "follow")
    return wanted


def _flag(query: QueryDict, name: str) -> bool:
    return query.get(name, "").lower() in ("1", "true")


def _number(query: QueryDict, name: str, least: int) -> int | None:
    text = query.get(name)
    if text is None or text == "":
        return None
    try:
        value = int(text)
    except ValueError:
        raise BadRequest(f"{name}: Invalid value: {text!r}: must be an integer") from None
    if value < least:
        raise BadRequest(f"{name}: Invalid value: {value}: must be at least {least}")
    return value


def _rfc3339_ns(text: str) -> int:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"sinceTime: Invalid value: {text!r}: not an RFC 3339 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000


def stamp(time_ns: int) -> str:
    """RFC 3339 with nanoseconds, as the kubelet prefixes lines with `timestamps`."""
    seconds, nanos = divmod(time_ns, 1_000_000_000)
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{nanos:09d}Z"


def render(rows: list[tuple[int, int, str]], timestamps: bool) -> list[str]:
    """Physical lines: a stored line may hold several (a traceback), each its own line."""
    out = []
    for _, time_ns, body in rows:
        prefix = stamp(time_ns) + " " if timestamps else ""
        out.extend(prefix + line + "\n" for line in body.split("\n"))
    return out


Cursor = tuple[int, int]  # (time_ns, id) of the last row sent


def _lines(wanted: LogRequest):
    return stream_lines(wanted.cluster_id, wanted.namespace, wanted.pod, wanted.container)


def _catch_up(wanted: LogRequest) -> bool:
    """Write the pod's lines due by now; False when the pod is gone."""
    pod = Pod.objects.filter(
        cluster__cluster_id=wanted.cluster_id, namespace=wanted.namespace, name=wanted.pod
    ).first()
    if pod is None:
        return False
    write_logs(pod)
    return True


def first_rows(wanted: LogRequest) -> tuple[list[tuple[int, int, str]], Cursor | None]:
    """The newest tailLines (all when none), since the start asked; and where they end."""
    _catch_up(wanted)
    rows = _lines(wanted)
    if wanted.since_ns is not None:
        rows = rows.filter(time_ns__gte=wanted.since_ns)
    if wanted.tail is None:
        found = list(rows.order_by("time_ns", "id").values_list("id", "time_ns", "body")[:PAGE])
    elif wanted.tail == 0:
        newest = rows.order_by("-time_ns", "-id").values_list("id", "time_ns").first()
        return [], (newest[1], newest[0]) if newest else None
    else:
        # tailLines counts lines as printed; a stored line is at least one of them.
        newest = rows.order_by("-time_ns", "-id").values_list("id", "time_ns", "body")
        found = list(newest[: wanted.tail])[::-1]
    return found, (found[-1][1], found[-1][0]) if found else None


def rows_after(wanted: LogRequest, cursor: Cursor | None) -> list[tuple[int, int, str]]:
    rows = _lines(wanted)
    if cursor is not None:
        at, last = cursor
        # (time, id) order: time first, the id among lines of the same nanosecond.
        rows = rows.filter(time_ns__gte=at).exclude(time_ns=at, id__lte=last)
    elif wanted.since_ns is not None:
        rows = rows.filter(time_ns__gte=wanted.since_ns)
    return list(rows.order_by("time_ns", "id").values_list("id", "time_ns", "body")[:PAGE])


def _follow_look(wanted: LogRequest, cursor: Cursor | None):
    if not _catch_up(wanted):
        return None
    return rows_after(wanted, cursor)


async def _stream(wanted: LogRequest) -> AsyncIterator[bytes]:
    with slot(wanted.cluster_id):
        yield b""  # the headers now, as the API server sends them, before anything happens
        budget = wanted.limit_bytes
        rows, cursor = await sync_to_async(first_rows)(wanted)
        lines = render(rows, wanted.timestamps)
        if wanted.tail is not None:
            lines = lines[len(lines) - wanted.tail :] if wanted.tail else []
        more = wanted.tail is None and len(rows) == PAGE
        while True:
            chunk = "".join(lines).encode()
            if budget is not None:
                chunk = chunk[:budget]
                budget -= len(chunk)
            if chunk:
                yield chunk
            if budget == 0:
                return
            if more:
                rows = await sync_to_async(rows_after)(wanted, cursor)  # the next page
            elif not wanted.follow:
                return
            else:
                await asyncio.sleep(FOLLOW_EVERY)
                rows = await sync_to_async(_follow_look)(wanted, cursor)
                if rows is None:
                    return  # the pod is gone: its container has ended
            more = len(rows) == PAGE
            if rows:
                cursor = (rows[-1][1], rows[-1][0])
            lines = render(rows, wanted.timestamps)
