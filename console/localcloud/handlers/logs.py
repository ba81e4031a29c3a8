"""GetContainerLogs: keywords (all must match), ignore-keywords, [Start, End) in ns, limit."""

from __future__ import annotations

from typing import Any

from console.cloud import actions as a

from ..auth import Call
from ..errors import ApiError
from ..logsearch import LogQuery, search
from ..logwriter import write_logs
from ..models import Pod
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
    total, newest = search(
        LogQuery(
            cluster_id=cluster.cluster_id,
            namespace=p["Namespace"],
            pod=p["Pod"],
            container=p["Container"],
            keywords=p.get("Keywords", []),
            ignore=p.get("KeywordsIgnore", []),
            start=start,
            end=end,
            limit=limit,
        )
    )
    return {"TotalCount": total, "Infos": [{"Time": t, "Body": b} for t, b in newest]}
