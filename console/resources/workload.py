"""What a workload's page shows beside its YAML: its pods (logs and terminal one click
away), its events, and for a Deployment the revisions it can be rolled back to."""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

from django.http import HttpRequest

from console.web.kubeapi import api_path, forward

from .errors import FORWARD_ERRORS, failure
from .events import events_of
from .kinds import Kind

WORKLOADS = {"deployments", "statefulsets", "daemonsets", "replicasets", "jobs"}
RESTARTABLE = {"deployments", "statefulsets", "daemonsets"}
REVISION = "deployment.kubernetes.io/revision"
HASH_LABEL = "pod-template-hash"
MAX_PODS = 100  # rows on the page: a selector may match thousands (the logs page reads 20)


async def details(request: HttpRequest, cluster_id: str, kind: Kind, obj: dict) -> dict:
    """The extra context of an object's page; every part reports its own failure."""
    parts = [events_of(request, cluster_id, obj)]
    if kind.key in WORKLOADS:
        parts.append(_pods(request, cluster_id, obj))
    if kind.key == "deployments":
        parts.append(_revisions_part(request, cluster_id, obj))
    context = {
        "is_workload": kind.key in WORKLOADS,
        "restartable": kind.key in RESTARTABLE,
    }
    for part in await asyncio.gather(*parts):
        context.update(part)
    return context


def _selector(obj: dict) -> str:
    labels = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    return ",".join(f"{key}={value}" for key, value in sorted(labels.items()))


async def _pods(request: HttpRequest, cluster_id: str, obj: dict) -> dict:
    selector = _selector(obj)
    if not selector:
        return {"pods": []}
    namespace = obj["metadata"].get("namespace") or "default"
    path = api_path("api", "v1", "namespaces", namespace, "pods")
    try:
        answer = await forward(
            request, cluster_id, "GET", f"{path}?{urlencode({'labelSelector': selector})}"
        )
    except FORWARD_ERRORS as exc:
        return {"pods": [], "pods_error": failure(exc)}
    pods = []
    for pod in answer.get("items") or []:
        statuses = (pod.get("status") or {}).get("containerStatuses") or []
        pods.append(
            {
                "name": pod["metadata"]["name"],
                "phase": (pod.get("status") or {}).get("phase", ""),
                "ready": sum(1 for s in statuses if s.get("ready")),
                "created": pod["metadata"].get("creationTimestamp", ""),
                "containers": [c["name"] for c in (pod.get("spec") or {}).get("containers", [])],
            }
        )
    pods.sort(key=lambda p: p["name"])
    return {"pods": pods[:MAX_PODS], "pods_total": len(pods)}


async def replicasets_of(request: HttpRequest, cluster_id: str, deployment: dict) -> list[dict]:
    """The ReplicaSets the Deployment owns (by uid), as the cluster lists them."""
    meta = deployment["metadata"]
    path = api_path("apis", "apps", "v1", "namespaces", meta.get("namespace") or "default")
    answer = await forward(request, cluster_id, "GET", f"{path}/replicasets")
    return [
        rs
        for rs in answer.get("items") or []
        if any(
            ref.get("uid") == meta.get("uid") for ref in rs["metadata"].get("ownerReferences") or []
        )
    ]


def revision_of(obj: dict) -> int:
    text = str((obj["metadata"].get("annotations") or {}).get(REVISION, ""))
    return int(text) if text.isascii() and text.isdigit() else 0


def revisions(deployment: dict, replicasets: list[dict]) -> list[dict]:
    """One row per revision, newest first: its ReplicaSet, images and creation time."""
    current = revision_of(deployment)
    rows = []
    for rs in replicasets:
        number = revision_of(rs)
        if not number:
            continue
        spec = ((rs.get("spec") or {}).get("template") or {}).get("spec") or {}
        rows.append(
            {
                "revision": number,
                "replicaset": rs["metadata"]["name"],
                "images": [c.get("image", "") for c in spec.get("containers") or []],
                "created": rs["metadata"].get("creationTimestamp", ""),
                "cause": (rs["metadata"].get("annotations") or {}).get(
                    "kubernetes.io/change-cause", ""
                ),
                "current": number == current,
            }
        )
    return sorted(rows, key=lambda row: row["revision"], reverse=True)


async def _revisions_part(request: HttpRequest, cluster_id: str, deployment: dict) -> dict:
    try:
        owned = await replicasets_of(request, cluster_id, deployment)
    except FORWARD_ERRORS as exc:
        return {"revisions": [], "revisions_error": failure(exc)}
    return {"revisions": revisions(deployment, owned)}
