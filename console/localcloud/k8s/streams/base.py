"""What every stream shares: Status answers, and a bound on streams open per cluster."""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Iterator

from django.http import HttpResponse

from ...models import Cluster
from .. import server

# Followers and watchers of one cluster at once, in one process (kubectl rollout status
# or an informer holds one or two; a loop of `kubectl get -w` in the background, more).
MAX_STREAMS_PER_CLUSTER = 32
_open: Counter[str] = Counter()  # streams open, by cluster (and "<cluster>/exec")


def status(code: int, reason: str, message: str, details: dict | None = None) -> HttpResponse:
    body = server.status_object(code, reason, message, details)
    return HttpResponse(json.dumps(body), status=code, content_type="application/json")


def full(key: str, limit: int) -> bool:
    """Whether `limit` streams of `key` are open in this process already."""
    return _open[key] >= limit


def too_many(cluster: Cluster) -> HttpResponse | None:
    """429 when this cluster already has its share of streams open in this process."""
    if not full(cluster.cluster_id, MAX_STREAMS_PER_CLUSTER):
        return None
    return status(
        429,
        "TooManyRequests",
        f"too many watches and log followers open on this cluster (at most "
        f"{MAX_STREAMS_PER_CLUSTER}); end some and retry",
    )


@contextlib.contextmanager
def slot(key: str) -> Iterator[None]:
    """Held by a stream while it runs (entered when it starts, left however it ends)."""
    _open[key] += 1
    try:
        yield
    finally:
        _open[key] -= 1
        if not _open[key]:
            del _open[key]
