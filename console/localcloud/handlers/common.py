"""Checks every handler shares: parameter rules, finding a tenant's cluster, wrong states."""

from __future__ import annotations

import re

from console.cloud import actions as a

from ..auth import Call
from ..errors import ApiError
from ..models import Cluster

# A Kubernetes object name (RFC 1123 label).
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def check(condition: bool, message: str) -> None:
    if not condition:
        raise ApiError(a.CHECK_FAILED, message)


def get_cluster(call: Call, cluster_id: str) -> Cluster:
    """The tenant's cluster in the call's region, or RetCode 200: never another tenant's."""
    cluster = (
        Cluster.objects.select_related("tenant", "project")
        .filter(tenant=call.tenant, region=call.region, cluster_id=cluster_id)
        .first()
    )
    if cluster is None:
        raise ApiError(a.NOT_FOUND, f"Cluster [{cluster_id}] does not exist")
    return cluster


def require_status(cluster: Cluster, *allowed: str) -> None:
    if cluster.status not in allowed:
        raise ApiError(
            a.WRONG_STATE,
            f"Cluster [{cluster.cluster_id}] is {cluster.status}; needs {' or '.join(allowed)}",
        )
