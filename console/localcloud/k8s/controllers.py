"""What the control plane would do after a write: a deployment owns one ReplicaSet per
pod template, and the ReplicaSet keeps exactly `replicas` pods (which write logs and can
be exec'd into like any pod); a StatefulSet keeps pods named by ordinal; a Job runs its
pods once, to completion. Everything happens at once; pods start Running."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
import uuid
from collections.abc import Iterable, Iterator

from ..models import Cluster
from .resources import find
from .store import next_revision, store_for, timestamp

DEPLOYMENTS = find("apps", "v1", "deployments")
REPLICASETS = find("apps", "v1", "replicasets")
STATEFULSETS = find("apps", "v1", "statefulsets")
JOBS = find("batch", "v1", "jobs")
PODS = find("", "v1", "pods")
EVENTS = find("", "v1", "events")


def _owner(obj: dict) -> dict:
    return {
        "apiVersion": obj["apiVersion"],
        "kind": obj["kind"],
        "name": obj["metadata"]["name"],
        "uid": obj["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def _owned_by(obj: dict, owner: dict) -> bool:
    return any(
        r.get("uid") == owner["metadata"]["uid"]
        for r in obj["metadata"].get("ownerReferences") or []
    )


def new_metadata(cluster: Cluster, name: str, namespace: str, **extra) -> dict:
    return {
        "name": name,
        "namespace": namespace,
        "uid": str(uuid.uuid4()),
        "resourceVersion": str(next_revision(cluster)),
        "creationTimestamp": timestamp(time.time()),
        **extra,
    }


def record_event(cluster: Cluster, obj: dict, reason: str, message: str) -> None:
    namespace = obj["metadata"].get("namespace") or "default"
    name = f"{obj['metadata']['name']}.{secrets.token_hex(8)}"
    event = {
        "kind": "Event",
        "apiVersion": "v1",
        "metadata": new_metadata(cluster, name, namespace),
        "involvedObject": {
            "kind": obj["kind"],
            "name": obj["metadata"]["name"],
            "namespace": namespace,
            "uid": obj["metadata"]["uid"],
        },
        "reason": reason,
        "message": message,
        "type": "Normal",
        "count": 1,
        "firstTimestamp": timestamp(time.time()),
        "lastTimestamp": timestamp(time.time()),
        "source": {"component": "localcloud-controller"},
    }
    store_for(EVENTS).save(cluster, event)


def reconcile(
    cluster: Cluster, obj: dict, *, pod_hash: str = "", pod_suffixes: Iterable[str] = ()
) -> None:
    """Run the controller of `obj`'s kind, if it has one. A new ReplicaSet is named with
    `pod_hash` and new pods with `pod_suffixes` first, when given (the demo data's names);
    otherwise as Kubernetes would, from the template's hash and at random."""
    suffixes = iter(pod_suffixes)
    if obj["kind"] == "Deployment":
        _deployment(cluster, obj, pod_hash, suffixes)
    elif obj["kind"] == "StatefulSet":
        _statefulset(cluster, obj)
    elif obj["kind"] == "Job":
        _job(cluster, obj, suffixes)


def _template_hash(template: dict) -> str:
    digest = hashlib.sha1(json.dumps(template, sort_keys=True).encode(), usedforsecurity=False)
    return digest.hexdigest()[:10]


def _without_hash(template: dict) -> dict:
    labels = dict((template.get("metadata") or {}).get("labels") or {})
    labels.pop("pod-template-hash", None)
    return {**template, "metadata": {**(template.get("metadata") or {}), "labels": labels}}


def _deployment(cluster: Cluster, deployment: dict, pod_hash: str, suffixes: Iterator) -> None:
    meta, spec = deployment["metadata"], deployment.get("spec") or {}
    namespace, template = meta["namespace"], spec.get("template") or {}
    replicas = int(spec.get("replicas", 1))
    pod_hash = pod_hash or _template_hash(template)
    rs_store = store_for(REPLICASETS)
    owned = [rs for rs in rs_store.list(cluster, namespace) if _owned_by(rs, deployment)]
    # The ReplicaSet of this template is the one whose template matches but for the hash
    # label, as Kubernetes compares them (EqualIgnoreHash), whatever its name.
    wanted = _without_hash(template)
    current = next(
        (rs for rs in owned if _without_hash(rs["spec"].get("template") or {}) == wanted), None
    )
    for old in owned:  # a new template replaces the old pods (a Recreate rollout)
        if old is not current:
            _scale_replicaset(cluster, old, 0)
            rs_store.delete(cluster, namespace, old["metadata"]["name"])
    if current is None:
        labels = {
            **((template.get("metadata") or {}).get("labels") or {}),
            "pod-template-hash": pod_hash,
        }
        current = {
            "kind": "ReplicaSet",
            "apiVersion": "apps/v1",
            "metadata": new_metadata(
                cluster,
                f"{meta['name']}-{pod_hash}",
                namespace,
                labels=labels,
                ownerReferences=[_owner(deployment)],
            ),
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": labels},
                "template": {
                    **template,
                    "metadata": {**(template.get("metadata") or {}), "labels": labels},
                },
            },
        }
        record_event(
            cluster,
            deployment,
            "ScalingReplicaSet",
            f"Scaled up replica set {current['metadata']['name']} to {replicas}",
        )
    elif current["spec"].get("replicas") != replicas:
        record_event(
            cluster,
            deployment,
            "ScalingReplicaSet",
            f"Scaled replica set {current['metadata']['name']} to {replicas}",
        )
    current["spec"]["replicas"] = replicas
    ready = _scale_replicaset(cluster, current, replicas, suffixes)
    current["status"] = {
        "replicas": ready,
        "readyReplicas": ready,
        "availableReplicas": ready,
        "fullyLabeledReplicas": ready,
        "observedGeneration": 1,
    }
    current["metadata"]["resourceVersion"] = str(next_revision(cluster))
    rs_store.save(cluster, current)
    deployment["status"] = {
        "observedGeneration": meta.get("generation", 1),
        "replicas": ready,
        "updatedReplicas": ready,
        "readyReplicas": ready,
        "availableReplicas": ready,
        "conditions": [
            {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
            {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"},
        ],
    }
    store_for(DEPLOYMENTS).save(cluster, deployment)


def _scale_replicaset(
    cluster: Cluster, rs: dict, replicas: int, suffixes: Iterator | None = None
) -> int:
    """Add or remove the ReplicaSet's pods until it has `replicas`; returns the count."""
    pod_store = store_for(PODS)
    namespace = rs["metadata"]["namespace"]
    pods = [p for p in pod_store.list(cluster, namespace) if _owned_by(p, rs)]
    while len(pods) > replicas:  # the newest go first
        victim = max(
            pods, key=lambda p: (p["metadata"]["creationTimestamp"], p["metadata"]["name"])
        )
        pods.remove(victim)
        pod_store.delete(cluster, namespace, victim["metadata"]["name"])
        record_event(cluster, rs, "SuccessfulDelete", f"Deleted pod: {victim['metadata']['name']}")
    while len(pods) < replicas:
        suffix = next(suffixes, None) if suffixes else None
        name = f"{rs['metadata']['name']}-{suffix or secrets.token_hex(3)[:5]}"
        pods.append(_new_pod(cluster, rs, name))
    return len(pods)


def _new_pod(cluster: Cluster, owner: dict, name: str, phase: str = "Running") -> dict:
    """A pod of `owner`'s template, owned by it."""
    template = owner["spec"].get("template") or {}
    pod = {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": new_metadata(
            cluster,
            name,
            owner["metadata"]["namespace"],
            labels=(template.get("metadata") or {}).get("labels") or {},
            ownerReferences=[_owner(owner)],
        ),
        "spec": template.get("spec") or {"containers": []},
        "status": {"phase": phase},
    }
    saved = store_for(PODS).save(cluster, pod)
    record_event(cluster, owner, "SuccessfulCreate", f"Created pod: {name}")
    return saved


def _statefulset(cluster: Cluster, statefulset: dict) -> None:
    """Pods <name>-0 … <name>-(replicas-1); scaling down removes the highest first."""
    meta, spec = statefulset["metadata"], statefulset.get("spec") or {}
    replicas = int(spec.get("replicas", 1))
    pod_store = store_for(PODS)
    pods = {
        p["metadata"]["name"]: p
        for p in pod_store.list(cluster, meta["namespace"])
        if _owned_by(p, statefulset)
    }
    wanted = [f"{meta['name']}-{i}" for i in range(replicas)]
    for name in sorted(set(pods) - set(wanted), reverse=True):
        pod_store.delete(cluster, meta["namespace"], name)
        record_event(cluster, statefulset, "SuccessfulDelete", f"delete Pod {name}")
    for name in wanted:
        if name not in pods:
            _new_pod(cluster, statefulset, name)
    statefulset["status"] = {
        "observedGeneration": meta.get("generation", 1),
        "replicas": replicas,
        "readyReplicas": replicas,
        "currentReplicas": replicas,
        "updatedReplicas": replicas,
        "availableReplicas": replicas,
    }
    store_for(STATEFULSETS).save(cluster, statefulset)


def _job(cluster: Cluster, job: dict, suffixes: Iterator) -> None:
    """A job runs once: its pods are made the first time and complete at once."""
    status = job.get("status") or {}
    if status.get("succeeded") is not None:
        return
    completions = int((job.get("spec") or {}).get("completions", 1))
    for _ in range(completions):
        suffix = next(suffixes, None) or secrets.token_hex(3)[:5]
        _new_pod(cluster, job, f"{job['metadata']['name']}-{suffix}", phase="Succeeded")
    job["status"] = {
        "succeeded": completions,
        "startTime": job["metadata"]["creationTimestamp"],
        "completionTime": job["metadata"]["creationTimestamp"],
        "conditions": [{"type": "Complete", "status": "True"}],
    }
    store_for(JOBS).save(cluster, job)


def after_delete(cluster: Cluster, obj: dict) -> None:
    """A pod of a ReplicaSet or StatefulSet that is deleted by hand is replaced, as the
    controller would."""
    for ref in obj["metadata"].get("ownerReferences") or []:
        namespace = obj["metadata"].get("namespace") or ""
        if ref.get("kind") == "StatefulSet":
            statefulset = store_for(STATEFULSETS).get(cluster, namespace, ref["name"])
            if statefulset is not None:
                reconcile(cluster, statefulset)
        if ref.get("kind") != "ReplicaSet":
            continue
        rs = store_for(REPLICASETS).get(cluster, namespace, ref["name"])
        for owner in (rs or {}).get("metadata", {}).get("ownerReferences") or []:
            deployment = store_for(DEPLOYMENTS).get(cluster, namespace, owner["name"])
            if deployment is not None:
                reconcile(cluster, deployment)


def delete_owned(cluster: Cluster, owner: dict) -> None:
    """Background propagation: what `owner` owned goes with it (recursively)."""
    for resource in (REPLICASETS, PODS):
        store = store_for(resource)
        for obj in store.list(cluster, owner["metadata"].get("namespace")):
            if _owned_by(obj, owner):
                delete_owned(cluster, obj)
                store.delete(cluster, obj["metadata"]["namespace"], obj["metadata"]["name"])
