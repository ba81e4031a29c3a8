"""What the control plane would do after a write, one controller per kind (deployment,
replicaset, statefulset, job, daemonset), dispatched from here; and time moving on for
the kinds that change by themselves (advance: jobs finishing, daemonsets following nodes,
old events forgotten). Pods made or deleted tell of it in events (events.py).

Used by the API server (server.py) after each write and by the demo data (seed.py):
`reconcile`, `after_delete`, `delete_owned`, `advance` and `new_metadata` are the stable
entry points."""

from __future__ import annotations

from collections.abc import Iterable

from ...models import Cluster
from ..store import next_revision, store_for
from . import daemonset, deployment, events, job, replicaset, statefulset
from .base import (
    DAEMONSETS,
    DEPLOYMENTS,
    JOBS,
    PODS,
    REPLICASETS,
    STATEFULSETS,
    new_metadata,
    owned_by,
)
from .events import record_event

__all__ = [
    "advance",
    "after_delete",
    "delete_owned",
    "new_metadata",
    "next_revision",
    "reconcile",
    "record_event",
]


def reconcile(
    cluster: Cluster,
    obj: dict,
    *,
    pod_hash: str = "",
    pod_suffixes: Iterable[str] = (),
    created: bool = False,
) -> None:
    """Run the controller of `obj`'s kind, if it has one (a pod just `created` is
    scheduled and started). A new ReplicaSet is named with `pod_hash` and new pods with
    `pod_suffixes` first, when given (the demo data's names); otherwise as Kubernetes
    would, from the template's hash and at random."""
    suffixes = iter(pod_suffixes)
    kind = obj["kind"]
    if kind == "Pod" and created:
        events.pod_started(cluster, obj)
    elif kind == "Deployment":
        deployment.reconcile(cluster, obj, pod_hash, suffixes)
    elif kind == "ReplicaSet" and not _owner_of_kind(obj, "Deployment"):
        replicaset.reconcile(cluster, obj, suffixes)
    elif kind == "StatefulSet":
        statefulset.reconcile(cluster, obj)
    elif kind == "Job":
        job.reconcile(cluster, obj, suffixes)
    elif kind == "DaemonSet":
        daemonset.reconcile(cluster, obj)


def advance(cluster: Cluster) -> None:
    """What time has changed since the last request: jobs' pods that have run their time,
    daemonsets whose super nodes came or went, events past their time."""
    for each in store_for(JOBS).list(cluster, None):
        job.advance(cluster, each)
    daemonset.advance(cluster)
    events.prune(cluster)


def _owner_of_kind(obj: dict, kind: str) -> dict | None:
    refs = obj["metadata"].get("ownerReferences") or []
    return next((r for r in refs if r.get("kind") == kind), None)


_OWNERS = {
    "StatefulSet": STATEFULSETS,
    "DaemonSet": DAEMONSETS,
    "Job": JOBS,
    "ReplicaSet": REPLICASETS,
    "Deployment": DEPLOYMENTS,
}


def after_delete(cluster: Cluster, obj: dict) -> None:
    """A pod deleted by hand is replaced by its owner's controller, as on a real cluster
    (a ReplicaSet of a Deployment through the Deployment)."""
    if obj["kind"] == "Pod":
        events.pod_stopping(cluster, obj)
    namespace = obj["metadata"].get("namespace") or ""
    for ref in obj["metadata"].get("ownerReferences") or []:
        resource = _OWNERS.get(ref.get("kind"))
        owner = store_for(resource).get(cluster, namespace, ref["name"]) if resource else None
        if owner is None or owner["metadata"]["uid"] != ref.get("uid"):
            continue
        up = _owner_of_kind(owner, "Deployment") if owner["kind"] == "ReplicaSet" else None
        if up is not None:
            top = store_for(DEPLOYMENTS).get(cluster, namespace, up["name"])
            if top is not None:
                reconcile(cluster, top)
        elif owner["kind"] == "Job":
            job.advance(cluster, owner)
        else:
            reconcile(cluster, owner)


def delete_owned(cluster: Cluster, owner: dict) -> None:
    """Background propagation: what `owner` owned goes with it (recursively)."""
    for resource in (REPLICASETS, PODS):
        store = store_for(resource)
        for obj in store.list(cluster, owner["metadata"].get("namespace")):
            if owned_by(obj, owner):
                delete_owned(cluster, obj)
                if resource is PODS:
                    events.pod_stopping(cluster, obj)
                store.delete(cluster, obj["metadata"]["namespace"], obj["metadata"]["name"])
