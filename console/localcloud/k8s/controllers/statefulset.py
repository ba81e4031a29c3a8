"""The StatefulSet controller: pods named by ordinal (<name>-0 … <name>-(replicas-1)),
scaled up from the lowest missing ordinal and down from the highest; a changed template
replaces every pod of the old revision (under the same name, as Kubernetes does)."""

from __future__ import annotations

from ...models import Cluster
from .base import STATEFULSETS, counts, delete_pod, new_pod, owned_pods, save, template_hash

REVISION_LABEL = "controller-revision-hash"


def reconcile(cluster: Cluster, statefulset: dict) -> None:
    meta, spec = statefulset["metadata"], statefulset.setdefault("spec", {})
    spec.setdefault("podManagementPolicy", "OrderedReady")
    spec.setdefault("updateStrategy", {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})
    replicas = int(spec.get("replicas", 1))
    name = meta["name"]
    revision = f"{name}-{template_hash(spec.get('template') or {})}"
    pods = {p["metadata"]["name"]: p for p in owned_pods(cluster, statefulset)}
    wanted = [f"{name}-{i}" for i in range(replicas)]
    for pod_name in sorted(set(pods) - set(wanted), key=_ordinal, reverse=True):
        _delete(cluster, statefulset, pod_name)
    for index, pod_name in enumerate(wanted):
        pod = pods.get(pod_name)
        if (
            pod is not None
            and (pod["metadata"].get("labels") or {}).get(REVISION_LABEL) == revision
        ):
            continue
        if pod is not None:  # made from an older template: replaced under the same name
            _delete(cluster, statefulset, pod_name)
        labels = {
            REVISION_LABEL: revision,
            "statefulset.kubernetes.io/pod-name": pod_name,
            "apps.kubernetes.io/pod-index": str(index),
        }
        message = f"create Pod {pod_name} in StatefulSet {name} successful"
        new_pod(cluster, statefulset, pod_name, labels=labels, message=message)
    statefulset["status"] = {
        "observedGeneration": meta.get("generation", 1),
        "replicas": replicas,
        **counts(
            readyReplicas=replicas,
            currentReplicas=replicas,
            updatedReplicas=replicas,
            availableReplicas=replicas,
        ),
        "currentRevision": revision,
        "updateRevision": revision,
        "collisionCount": 0,
    }
    save(cluster, STATEFULSETS, statefulset)


def _ordinal(pod_name: str) -> int:
    tail = pod_name.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else -1


def _delete(cluster: Cluster, statefulset: dict, pod_name: str) -> None:
    message = f"delete Pod {pod_name} in StatefulSet {statefulset['metadata']['name']} successful"
    delete_pod(cluster, statefulset, pod_name, message)
