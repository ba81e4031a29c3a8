"""ForwardCluster: one request to the cluster's Kubernetes API server (k8s/server.py)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from ..auth import Call
from ..k8s import server
from .common import check, get_cluster, require_status

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def forward_cluster(call: Call, p: dict[str, Any]) -> dict:
    cluster = get_cluster(call, p["ClusterID"])
    require_status(cluster, "Running", "Abnormal")
    method = (p.get("Method") or "GET").upper()
    check(method in METHODS, f"Method must be one of {METHODS}")
    full_path = p.get("Path") or "/"
    check(
        full_path.startswith("/") and "://" not in full_path,
        "Path must be a path of the Kubernetes API",
    )
    body = (p.get("RequestBody") or "").encode()
    if p.get("EncodedBody"):
        try:
            body = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            check(False, "RequestBody is not base64 although EncodedBody is true")
    path, query = server.parse_path(full_path)
    answer = server.handle(
        cluster,
        server.Request(
            method=method,
            path=path,
            query=query,
            accept=p.get("Accept") or "application/json",
            content_type=p.get("ContentType") or "application/json",
            body=body,
        ),
    )
    return {"Info": {"ResponseBody": answer.json, "ResponseCode": answer.code}}
