"""AllocateK8SSession / AllocateK8STerminal: single-use SessionIDs that expire unused."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import transaction

from console.cloud import actions as a

from .. import lifecycle
from ..auth import Call
from ..errors import ApiError
from ..models import ConsoleSession, Pod
from .common import get_cluster, require_status


def allocate_session(call: Call, p: dict[str, Any]) -> dict:
    cluster = get_cluster(call, p["ClusterID"])
    require_status(cluster, "Running", "Abnormal")
    namespace = p.get("NameSpace") or "default"
    pod = Pod.objects.filter(cluster=cluster, namespace=namespace, name=p["PodName"]).first()
    if pod is None:
        raise ApiError(a.NOT_FOUND, f"Pod [{namespace}/{p['PodName']}] does not exist")
    names = [c["name"] for c in pod.containers]
    container = p.get("ContainerName") or (names[0] if names else "")
    if container not in names:
        raise ApiError(a.NOT_FOUND, f"Container [{container}] does not exist in pod {pod.name}")
    return _new_session(
        call,
        cluster,
        "exec",
        namespace=namespace,
        pod=pod.name,
        container=container,
        command=p.get("CmdName", ""),
    )


def allocate_terminal(call: Call, p: dict[str, Any]) -> dict:
    cluster = get_cluster(call, p["ClusterID"])
    require_status(cluster, "Running", "Abnormal")
    return _new_session(call, cluster, "terminal")


def _new_session(call: Call, cluster, kind: str, **fields) -> dict:
    session = ConsoleSession.objects.create(
        session_id=secrets.token_urlsafe(24),
        tenant=call.tenant,
        cluster=cluster,
        kind=kind,
        created=lifecycle.now(),
        **fields,
    )
    return {"SessionID": session.session_id}


def consume(session_id: str) -> ConsoleSession:
    """Take a SessionID for the gateway: 1009 if unknown, 1010 if expired or used before."""
    with transaction.atomic():
        session = (
            ConsoleSession.objects.select_for_update()
            .select_related("cluster", "tenant")
            .filter(session_id=session_id)
            .first()
        )
        if session is None:
            raise ApiError(a.SESSION_NOT_FOUND, "Session does not exist")
        if session.used or lifecycle.now() - session.created > settings.LOCALCLOUD_SESSION_TTL:
            raise ApiError(a.SESSION_EXPIRED, "Session has expired")
        session.used = True
        session.save(update_fields=["used"])
    return session
