"""The Deployment controller: one ReplicaSet per pod template, the newest scaled to
`replicas` and the older kept at 0 (up to revisionHistoryLimit) so `kubectl rollout
history` and `rollout undo` find them by their revision annotation. A rollout happens
at once: the new pods replace the old ones within the request that changed the template."""

from __future__ import annotations

import copy
from collections.abc import Iterator

from ...models import Cluster
from ..store import store_for
from . import replicaset
from .base import (
    DEPLOYMENTS,
    REPLICASETS,
    condition,
    counts,
    new_metadata,
    owned_by,
    owner_ref,
    record_event,
    save,
    template_hash,
)

REVISION = "deployment.kubernetes.io/revision"
HASH_LABEL = "pod-template-hash"
# Annotations of a Deployment that are its own, not copied to its ReplicaSets (as in
# Kubernetes' deployment_util.skipCopyAnnotation); kubernetes.io/change-cause is copied,
# which is how `kubectl rollout history` shows it.
NOT_COPIED = {
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
}
ROLLING = {"maxUnavailable": "25%", "maxSurge": "25%"}
DEFAULTS = {
    "strategy": {"type": "RollingUpdate", "rollingUpdate": ROLLING},
    "revisionHistoryLimit": 10,
    "progressDeadlineSeconds": 600,
}


def revision(obj: dict) -> int:
    text = ((obj["metadata"].get("annotations")) or {}).get(REVISION, "0")
    return int(text) if str(text).isdigit() else 0


def without_hash(template: dict) -> dict:
    """The template as Kubernetes compares them (EqualIgnoreHash): the hash label aside,
    and empty values as absent, since a client that sends back a typed object writes
    `creationTimestamp: null` and `resources: {}` (kubectl rollout undo does)."""
    meta = dict(template.get("metadata") or {})
    labels = dict(meta.get("labels") or {})
    labels.pop(HASH_LABEL, None)
    meta["labels"] = labels
    return _pruned({**template, "metadata": meta})


def _pruned(value):
    if isinstance(value, dict):
        kept = {k: _pruned(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, {}, [], "")}
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value


def reconcile(
    cluster: Cluster, deployment: dict, pod_hash: str = "", suffixes: Iterator[str] | None = None
) -> None:
    meta, spec = deployment["metadata"], deployment.setdefault("spec", {})
    for key, value in DEFAULTS.items():
        spec.setdefault(key, copy.deepcopy(value))
    replicas = int(spec.get("replicas", 1))
    wanted = without_hash(spec.get("template") or {})
    owned = [
        rs
        for rs in store_for(REPLICASETS).list(cluster, meta["namespace"])
        if owned_by(rs, deployment)
    ]
    current = next(
        (rs for rs in owned if without_hash(rs["spec"].get("template") or {}) == wanted), None
    )
    newest = max((revision(rs) for rs in owned), default=0)
    if current is None:
        current = _new_replicaset(
            cluster, deployment, pod_hash or template_hash(wanted), newest + 1
        )
        record_event(
            cluster,
            deployment,
            "ScalingReplicaSet",
            f"Scaled up replica set {current['metadata']['name']} to {replicas}",
        )
    else:
        if revision(current) < newest:  # an older template again (an undo): newest revision
            current["metadata"].setdefault("annotations", {})[REVISION] = str(newest + 1)
        if current["spec"].get("replicas") != replicas:
            record_event(
                cluster,
                deployment,
                "ScalingReplicaSet",
                f"Scaled replica set {current['metadata']['name']} to {replicas}",
            )
    _copy_annotations(deployment, current)
    replicaset.scale(cluster, current, replicas, suffixes)
    old = [rs for rs in owned if rs["metadata"]["uid"] != current["metadata"]["uid"]]
    for rs in old:
        if rs["spec"].get("replicas"):
            record_event(
                cluster,
                deployment,
                "ScalingReplicaSet",
                f"Scaled down replica set {rs['metadata']['name']} to 0",
            )
            replicaset.scale(cluster, rs, 0)
    _forget_old(cluster, old, int(spec.get("revisionHistoryLimit", 10)))
    meta.setdefault("annotations", {})[REVISION] = str(revision(current))
    _set_status(deployment, current)
    save(cluster, DEPLOYMENTS, deployment)


def _new_replicaset(cluster: Cluster, deployment: dict, pod_hash: str, number: int) -> dict:
    meta, spec = deployment["metadata"], deployment["spec"]
    template = copy.deepcopy(spec.get("template") or {})
    labels = {**((template.get("metadata") or {}).get("labels") or {}), HASH_LABEL: pod_hash}
    template.setdefault("metadata", {})["labels"] = labels
    selector = copy.deepcopy(spec.get("selector") or {})
    selector["matchLabels"] = {**(selector.get("matchLabels") or {}), HASH_LABEL: pod_hash}
    return {
        "kind": "ReplicaSet",
        "apiVersion": "apps/v1",
        "metadata": new_metadata(
            cluster,
            f"{meta['name']}-{pod_hash}",
            meta["namespace"],
            labels=labels,
            annotations={REVISION: str(number)},
            ownerReferences=[owner_ref(deployment)],
            generation=1,
        ),
        "spec": {"replicas": 0, "selector": selector, "template": template},
    }


def _copy_annotations(deployment: dict, rs: dict) -> None:
    annotations = rs["metadata"].setdefault("annotations", {})
    for key, value in (deployment["metadata"].get("annotations") or {}).items():
        if key not in NOT_COPIED:
            annotations[key] = value


def _forget_old(cluster: Cluster, old: list[dict], limit: int) -> None:
    """Old ReplicaSets beyond revisionHistoryLimit go, the lowest revisions first."""
    idle = sorted((rs for rs in old if not rs["spec"].get("replicas")), key=revision)
    for rs in idle[: max(len(idle) - limit, 0)]:
        store_for(REPLICASETS).delete(cluster, rs["metadata"]["namespace"], rs["metadata"]["name"])


def _set_status(deployment: dict, current: dict) -> None:
    previous = (deployment.get("status") or {}).get("conditions") or []
    ready = (current.get("status") or {}).get("readyReplicas", 0)
    name = current["metadata"]["name"]
    deployment["status"] = {
        "observedGeneration": deployment["metadata"].get("generation", 1),
        **counts(
            replicas=ready, updatedReplicas=ready, readyReplicas=ready, availableReplicas=ready
        ),
        "conditions": [
            condition(
                previous,
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
            ),
            condition(
                previous,
                "Progressing",
                "True",
                "NewReplicaSetAvailable",
                f'ReplicaSet "{name}" has successfully progressed.',
            ),
        ],
    }
