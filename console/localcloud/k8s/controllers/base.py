"""What every controller shares: owner references, fresh metadata, conditions and the pods
a workload makes (real localcloud pods: they write logs and can be exec'd into), with the
events that tell of them (events.py)."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
import uuid

from ...models import Cluster
from ..resources import find
from ..store import next_revision, store_for, timestamp
from .events import pod_started, pod_stopping, record_event

DEPLOYMENTS = find("apps", "v1", "deployments")
REPLICASETS = find("apps", "v1", "replicasets")
STATEFULSETS = find("apps", "v1", "statefulsets")
DAEMONSETS = find("apps", "v1", "daemonsets")
JOBS = find("batch", "v1", "jobs")
PODS = find("", "v1", "pods")


def now() -> float:
    return time.time()


def owner_ref(obj: dict) -> dict:
    return {
        "apiVersion": obj["apiVersion"],
        "kind": obj["kind"],
        "name": obj["metadata"]["name"],
        "uid": obj["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def owned_by(obj: dict, owner: dict) -> bool:
    return any(
        r.get("uid") == owner["metadata"]["uid"]
        for r in obj["metadata"].get("ownerReferences") or []
    )


def owned_pods(cluster: Cluster, owner: dict) -> list[dict]:
    namespace = owner["metadata"]["namespace"]
    return [p for p in store_for(PODS).list(cluster, namespace) if owned_by(p, owner)]


def new_metadata(cluster: Cluster, name: str, namespace: str, **extra) -> dict:
    return {
        "name": name,
        "namespace": namespace,
        "uid": str(uuid.uuid4()),
        "resourceVersion": str(next_revision(cluster)),
        "creationTimestamp": timestamp(now()),
        **extra,
    }


def save(cluster: Cluster, resource, obj: dict) -> dict:
    """Store a controller's change under a new resourceVersion, so a watcher sees it."""
    obj["metadata"]["resourceVersion"] = str(next_revision(cluster))
    return store_for(resource).save(cluster, obj)


def template_hash(template: dict) -> str:
    digest = hashlib.sha1(json.dumps(template, sort_keys=True).encode(), usedforsecurity=False)
    return digest.hexdigest()[:10]


def random_suffix() -> str:
    return secrets.token_hex(3)[:5]


def new_pod(
    cluster: Cluster,
    owner: dict,
    name: str,
    *,
    labels: dict | None = None,
    node: str = "",
    message: str = "",
) -> dict:
    """A Running pod of `owner`'s template, owned by it; `labels` beside the template's."""
    template = owner["spec"].get("template") or {}
    spec = dict(template.get("spec") or {"containers": []})
    if node:
        spec["nodeName"] = node
    pod = {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": new_metadata(
            cluster,
            name,
            owner["metadata"]["namespace"],
            labels={**((template.get("metadata") or {}).get("labels") or {}), **(labels or {})},
            ownerReferences=[owner_ref(owner)],
        ),
        "spec": spec,
        "status": {"phase": "Running"},
    }
    annotations = (template.get("metadata") or {}).get("annotations")
    if annotations:
        pod["metadata"]["annotations"] = annotations
    saved = store_for(PODS).save(cluster, pod)
    record_event(cluster, owner, "SuccessfulCreate", message or f"Created pod: {name}")
    pod_started(cluster, saved)
    return saved


def delete_pod(cluster: Cluster, owner: dict, name: str, message: str = "") -> None:
    store, namespace = store_for(PODS), owner["metadata"]["namespace"]
    pod = store.get(cluster, namespace, name)
    if pod is not None:
        pod_stopping(cluster, pod)
    store.delete(cluster, namespace, name)
    record_event(cluster, owner, "SuccessfulDelete", message or f"Deleted pod: {name}")


def condition(previous: list[dict], kind: str, status: str, reason: str, message: str) -> dict:
    """A status condition that keeps its lastTransitionTime while its status holds."""
    stamp = timestamp(now())
    before = next((c for c in previous or [] if c.get("type") == kind), None)
    kept = before if before and before.get("status") == status else {}
    same = kept and kept.get("reason") == reason
    return {
        "type": kind,
        "status": status,
        "lastUpdateTime": kept.get("lastUpdateTime", stamp) if same else stamp,
        "lastTransitionTime": kept.get("lastTransitionTime", stamp),
        "reason": reason,
        "message": message,
    }


def counts(**fields: int) -> dict:
    """Status counters as the API server writes them: zeros are left out (omitempty)."""
    return {key: value for key, value in fields.items() if value}
