"""ForwardCluster: a request to the cluster's Kubernetes API server, answered by kube.py."""

from __future__ import annotations

import json
from typing import Any

from .. import kube
from ..auth import Call
from .common import check, get_cluster, require_status

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def forward_cluster(call: Call, p: dict[str, Any]) -> dict:
    cluster = get_cluster(call, p["ClusterID"])
    require_status(cluster, "Running", "Abnormal")
    method = (p.get("Method") or "GET").upper()
    check(method in METHODS, f"Method must be one of {METHODS}")
    path = p.get("Path") or "/"
    check(path.startswith("/") and "://" not in path, "Path must be a path of the Kubernetes API")
    code, body = kube.handle(cluster, method, path)
    return {"Info": {"ResponseBody": json.dumps(body), "ResponseCode": code}}
