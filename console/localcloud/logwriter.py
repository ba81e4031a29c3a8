"""Demo pods write container logs over time: realistic lines, written lazily up to now."""

from __future__ import annotations

import json
import random
import time

from django.db import transaction

from . import logstore
from .models import LogLine, Pod

LINE_EVERY_NS = 2_000_000_000  # one line per container every two seconds
MAX_BACKFILL = 5_000  # lines per container per catch-up, so one call stays fast

_PATHS = ["/api/orders", "/api/users/42", "/healthz", "/api/cart", "/metrics", "/login"]
_METHODS = ["GET", "GET", "GET", "POST", "PUT", "DELETE"]
# Containers that write JSON lines (the demo's "web" pods run one beside nginx).
_JSON_CONTAINERS = {"log-shipper"}
_SHIPPER_MESSAGES = {
    "info": "flushed chunk",
    "warn": "retrying chunk",
    "error": "upstream refused chunk",
    "debug": "chunk buffered",
}
_COLOURS = {"INFO": "\x1b[32m", "WARN": "\x1b[33m", "ERROR": "\x1b[31m", "DEBUG": "\x1b[36m"}


def demo_line(pod_uid: str, container: str, seq: int) -> str:
    """The seq-th line of one container: the same inputs always give the same line."""
    rng = random.Random(f"{pod_uid}/{container}/{seq}")
    if container in _JSON_CONTAINERS:
        return _json_line(rng)
    roll = rng.random()
    if roll < 0.55:
        method = rng.choice(_METHODS)
        status = rng.choice([200, 200, 200, 201, 204, 304, 400, 404, 500])
        return (
            f'10.9.{rng.randint(0, 255)}.{rng.randint(1, 254)} - - "{method} '
            f'{rng.choice(_PATHS)} HTTP/1.1" {status} {rng.randint(80, 9000)} '
            f"{rng.randint(1, 900)}ms"
        )
    level = rng.choice(["INFO", "INFO", "WARN", "ERROR", "DEBUG"])
    if roll < 0.75:
        return f"{level} worker-{rng.randint(1, 8)} processed job id={rng.randint(1000, 99999)}"
    if roll < 0.9:
        colour = _COLOURS[level]
        return f"{colour}{level}\x1b[0m cache hit ratio {rng.randint(40, 99)}% ({container})"
    return (
        "ERROR unhandled exception in request handler\n"
        "Traceback (most recent call last):\n"
        '  File "/app/server.py", line 88, in handle\n'
        "    result = process(payload)\n"
        f"KeyError: 'item_{rng.randint(1, 500)}'"
    )


def _json_line(rng: random.Random) -> str:
    """A log shipper's structured line (one JSON object), as fluent-bit writes its own."""
    level = rng.choice(["info", "info", "info", "warn", "error", "debug"])
    line = {
        "level": level,
        "msg": _SHIPPER_MESSAGES[level],
        "component": rng.choice(["input:tail", "filter:kubernetes", "output:http"]),
        "records": rng.randint(1, 500),
    }
    if level in ("warn", "error"):
        line["upstream"] = {"host": "logs.internal", "port": 8080, "status": 503}
    return json.dumps(line)


def write_logs(pod: Pod, until_ns: int | None = None) -> None:
    """Append the lines each container would have written since the last call."""
    until_ns = until_ns or time.time_ns()
    start = pod.logs_written_ns or pod.create_time * 1_000_000_000
    count = min((until_ns - start) // LINE_EVERY_NS, MAX_BACKFILL)
    if count <= 0:
        return
    first = max(start, until_ns - count * LINE_EVERY_NS)
    stamps = [first + (i + 1) * LINE_EVERY_NS for i in range(count)]
    by_container = {
        c["name"]: [
            (stamp, demo_line(pod.uid, c["name"], pod.log_seq + i))
            for i, stamp in enumerate(stamps)
        ]
        for c in pod.containers
    }
    written_ns, seq = first + count * LINE_EVERY_NS, pod.log_seq + count
    with transaction.atomic():
        # Readers in several processes (the logs page, each `kubectl logs -f`) catch the
        # same pod up: only the one that moves logs_written_ns on writes these lines.
        claimed = Pod.objects.filter(pk=pod.pk, logs_written_ns=pod.logs_written_ns).update(
            logs_written_ns=written_ns, log_seq=seq
        )
        if claimed:
            key = (pod.cluster.cluster_id, pod.namespace, pod.name)
            for container, lines in by_container.items():
                logstore.append(*key, container, lines)
    if claimed:
        pod.logs_written_ns, pod.log_seq = written_ns, seq
    else:
        pod.refresh_from_db(fields=["logs_written_ns", "log_seq"])


def append_line(pod: Pod, container: str, body: str) -> LogLine:
    """Write one given line now, after the demo lines due so far (so times stay in order)."""
    write_logs(pod)
    at = max(time.time_ns(), pod.logs_written_ns + 1)
    key = (pod.cluster.cluster_id, pod.namespace, pod.name, container)
    return logstore.append(*key, [(at, body)])[0]
