"""The DaemonSet controller: one pod on each of the cluster's super nodes (the nodes of
its Kubernetes API), following them as they come and go (advance, at each request)."""

from __future__ import annotations

from ...models import Cluster
from ..store import store_for
from .base import (
    DAEMONSETS,
    counts,
    delete_pod,
    new_pod,
    owned_pods,
    random_suffix,
    save,
    template_hash,
)


def node_names(cluster: Cluster) -> list[str]:
    return list(cluster.super_nodes.order_by("node_name").values_list("node_name", flat=True))


def in_step(cluster: Cluster, daemonset: dict) -> bool:
    """Whether each super node runs exactly one pod of the DaemonSet."""
    placed = sorted(
        (p.get("spec") or {}).get("nodeName", "") for p in owned_pods(cluster, daemonset)
    )
    return placed == node_names(cluster)


def reconcile(cluster: Cluster, daemonset: dict) -> None:
    meta, spec = daemonset["metadata"], daemonset.setdefault("spec", {})
    spec.setdefault(
        "updateStrategy",
        {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
    )
    spec.setdefault("revisionHistoryLimit", 10)
    revision = template_hash(spec.get("template") or {})
    nodes = node_names(cluster)
    kept: set[str] = set()
    for pod in owned_pods(cluster, daemonset):
        node = (pod.get("spec") or {}).get("nodeName", "")
        labels = pod["metadata"].get("labels") or {}
        if node in kept or node not in nodes or labels.get("controller-revision-hash") != revision:
            delete_pod(cluster, daemonset, pod["metadata"]["name"])
        else:
            kept.add(node)
    for node in nodes:
        if node not in kept:
            name = f"{meta['name']}-{random_suffix()}"
            new_pod(
                cluster, daemonset, name, labels={"controller-revision-hash": revision}, node=node
            )
    count = len(nodes)
    daemonset["status"] = {
        "observedGeneration": meta.get("generation", 1),
        "desiredNumberScheduled": count,
        "currentNumberScheduled": count,
        "numberReady": count,
        "numberMisscheduled": 0,
        **counts(updatedNumberScheduled=count, numberAvailable=count),
    }
    save(cluster, DAEMONSETS, daemonset)


def advance(cluster: Cluster) -> None:
    for daemonset in store_for(DAEMONSETS).list(cluster, None):
        if not in_step(cluster, daemonset):
            reconcile(cluster, daemonset)
