"""GetContainerLogs: keywords (all must match), ignore-keywords, [Start, End) in ns, limit."""

from __future__ import annotations

from typing import Any

from django.db.models import Value
from django.db.models.functions import StrIndex

from console.cloud import actions as a

from ..auth import Call
from ..errors import ApiError
from ..logwriter import write_logs
from ..models import LogLine, Pod
from .common import check, get_cluster

DEFAULT_LINES = 100
MAX_LINES = 5000


def get_container_logs(call: Call, p: dict[str, Any]) -> dict:
    cluster = get_cluster(call, p["ClusterID"])
    limit = p.get("LineLimit", DEFAULT_LINES)
    check(1 <= limit <= MAX_LINES, f"LineLimit must be 1 to {MAX_LINES}")
    start, end = p.get("Start"), p.get("End")
    check(start is None or start >= 0, "Start must not be negative")
    check(start is None or end is None or start < end, "Start must be before End")
    pod = Pod.objects.filter(cluster=cluster, namespace=p["Namespace"], name=p["Pod"]).first()
    if pod is not None:
        if p["Container"] not in {c["name"] for c in pod.containers}:
            raise ApiError(a.NOT_FOUND, f"Container [{p['Container']}] does not exist")
        write_logs(pod)
    elif not p.get("NotInCluster"):
        # NotInCluster searches what pods that are gone wrote; otherwise the pod must exist.
        raise ApiError(a.NOT_FOUND, f"Pod [{p['Namespace']}/{p['Pod']}] does not exist")
    query = LogLine.objects.filter(
        cluster_id=cluster.cluster_id,
        namespace=p["Namespace"],
        pod=p["Pod"],
        container=p["Container"],
    )
    if start is not None:
        query = query.filter(time_ns__gte=start)
    if end is not None:
        query = query.filter(time_ns__lt=end)
    # StrIndex is a case-sensitive substring test on every database (like grep -F).
    for i, word in enumerate(p.get("Keywords", [])):
        query = query.annotate(**{f"kw{i}": StrIndex("body", Value(word))}).filter(
            **{f"kw{i}__gt": 0}
        )
    for i, word in enumerate(p.get("KeywordsIgnore", [])):
        query = query.annotate(**{f"ig{i}": StrIndex("body", Value(word))}).filter(**{f"ig{i}": 0})
    total = query.count()
    # The newest LineLimit lines, oldest first, like `tail`.
    newest = list(query.order_by("-time_ns", "-id").values_list("time_ns", "body")[:limit])
    newest.reverse()
    return {"TotalCount": total, "Infos": [{"Time": t, "Body": b} for t, b in newest]}
