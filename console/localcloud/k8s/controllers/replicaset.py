"""The ReplicaSet controller: exactly `replicas` pods of the template, the newest removed
first; its status counts them. A Deployment drives its ReplicaSets through `scale`."""

from __future__ import annotations

from collections.abc import Iterator

from ...models import Cluster
from .base import REPLICASETS, counts, delete_pod, new_pod, owned_pods, random_suffix, save


def scale(cluster: Cluster, rs: dict, replicas: int, suffixes: Iterator[str] | None = None) -> None:
    """Set the ReplicaSet's replicas, add or remove its pods to match, and store it."""
    spec, meta = rs.setdefault("spec", {}), rs["metadata"]
    if spec.get("replicas") != replicas:
        spec["replicas"] = replicas
        meta["generation"] = meta.get("generation", 0) + 1
    pods = owned_pods(cluster, rs)
    while len(pods) > replicas:  # the newest go first
        victim = max(
            pods, key=lambda p: (p["metadata"]["creationTimestamp"], p["metadata"]["name"])
        )
        pods.remove(victim)
        delete_pod(cluster, rs, victim["metadata"]["name"])
    while len(pods) < replicas:
        suffix = next(suffixes, None) if suffixes else None
        pods.append(new_pod(cluster, rs, f"{meta['name']}-{suffix or random_suffix()}"))
    ready = len(pods)
    rs["status"] = {
        "replicas": ready,
        **counts(fullyLabeledReplicas=ready, readyReplicas=ready, availableReplicas=ready),
        "observedGeneration": meta.get("generation", 1),
    }
    save(cluster, REPLICASETS, rs)


def reconcile(cluster: Cluster, rs: dict, suffixes: Iterator[str] | None = None) -> None:
    """A ReplicaSet written through the API (on its own, or scaled by hand)."""
    scale(cluster, rs, int((rs.get("spec") or {}).get("replicas", 1)), suffixes)
