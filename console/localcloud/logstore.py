"""Where a container's log lines are kept: one LogStream per container, its lines keyed by
(stream id << 32) + their place in the stream.

The key makes the primary key the only index the lines need: a stream is one range of it,
and the order inside that range is the order of time, because appending never lets a
line's time go back (a later line is clamped to its predecessor's time, as a log file's
lines are in the order written). The trigram index (logsearch.py) is asked for a rowid
range, so it answers for one container without reading a row; a time bound becomes an id
bound by a binary search on that range.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction

from .models import LogLine, LogStream

STREAM_BITS = 32  # a stream holds up to 2**32 lines; there may be 2**31 streams
ATTEMPTS = 5  # a writer that lost the race for the next ids reads the end again
LAST_ID = "SELECT max(id) FROM localcloud_logline WHERE id >= %s AND id <= %s"
FIRST_FROM = (
    "SELECT id, time_ns FROM localcloud_logline WHERE id >= %s AND id <= %s ORDER BY id LIMIT 1"
)


def stream_range(stream_id: int) -> tuple[int, int]:
    """The first and last id a stream's lines can have."""
    return stream_id << STREAM_BITS, ((stream_id + 1) << STREAM_BITS) - 1


def find_stream(
    cluster_id: str, namespace: str, pod: str, container: str, using: str = DEFAULT_DB_ALIAS
) -> int | None:
    found = LogStream.objects.using(using).filter(
        cluster_id=cluster_id, namespace=namespace, pod=pod, container=container
    )
    return found.values_list("id", flat=True).first()


def stream_lines(cluster_id: str, namespace: str, pod: str, container: str):
    """A container's lines as a queryset (empty when it never wrote); order by "id" for
    time order."""
    stream_id = find_stream(cluster_id, namespace, pod, container)
    if stream_id is None:
        return LogLine.objects.none()
    return LogLine.objects.filter(id__range=stream_range(stream_id))


def end_id(stream_id: int, using: str = DEFAULT_DB_ALIAS) -> int:
    """One past the stream's last line (its first id when it has none)."""
    low, high = stream_range(stream_id)
    with connections[using].cursor() as cursor:
        cursor.execute(LAST_ID, [low, high])
        last = cursor.fetchone()[0]
    return low if last is None else last + 1


def first_id_at(stream_id: int, time_ns: int, using: str = DEFAULT_DB_ALIAS) -> int:
    """The id of the stream's first line at or after time_ns (one past its last line if
    none): a binary search over the id range, each step one primary-key lookup."""
    low, high = stream_range(stream_id)
    with connections[using].cursor() as cursor:
        cursor.execute(LAST_ID, [low, high])
        high = cursor.fetchone()[0]
        if high is None:
            return low
        answer = high + 1
        while low <= high:
            middle = (low + high) // 2
            cursor.execute(FIRST_FROM, [middle, high])
            row = cursor.fetchone()
            if row is None:  # no line from middle to high (deleted lines leave gaps)
                high = middle - 1
            elif row[1] >= time_ns:
                answer, high = row[0], middle - 1
            else:
                low = row[0] + 1
    return answer


def append(
    cluster_id: str,
    namespace: str,
    pod: str,
    container: str,
    lines: Iterable[tuple[int, str]],
    using: str = DEFAULT_DB_ALIAS,
) -> list[LogLine]:
    """Store (time_ns, body) lines at the end of the container's stream, in order."""
    lines = list(lines)
    if not lines:
        return []
    for attempt in range(ATTEMPTS):
        try:
            with transaction.atomic(using=using):
                return _append(cluster_id, namespace, pod, container, lines, using)
        except IntegrityError:  # another writer took these ids first
            if attempt == ATTEMPTS - 1:
                raise
    return []  # not reached


def _append(cluster_id, namespace, pod, container, lines, using) -> list[LogLine]:
    stream, _ = LogStream.objects.using(using).get_or_create(
        cluster_id=cluster_id, namespace=namespace, pod=pod, container=container
    )
    first, last = stream_range(stream.id)
    end = (
        LogLine.objects.using(using)
        .filter(id__range=(first, last))
        .order_by("-id")
        .values_list("id", "time_ns")
        .first()
    )
    next_id, floor = (end[0] + 1, end[1]) if end else (first, 0)
    if next_id + len(lines) - 1 > last:
        raise ValueError(f"log stream {stream.id} is full")
    rows = []
    for i, (time_ns, body) in enumerate(lines):
        floor = max(floor, time_ns)  # a stream's time never goes back
        rows.append(LogLine(id=next_id + i, stream_id=stream.id, time_ns=floor, body=body))
    LogLine.objects.using(using).bulk_create(rows, batch_size=1000)
    return rows
