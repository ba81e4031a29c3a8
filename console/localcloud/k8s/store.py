"""Where each resource's objects live: pods and namespaces in their own models (logs,
exec and the dashboard read those), nodes are the cluster's super nodes (read-only),
everything else is a KubeObject holding the JSON. All speak whole JSON objects."""

from __future__ import annotations

import copy
import time
from datetime import UTC, datetime

from django.db.models import F

from ..models import Cluster, KubeObject, Namespace, Pod, SuperNode
from .resources import Resource
from .tombstones import bury


def timestamp(epoch: float) -> str:
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch_of(stamp: str) -> int:
    try:
        return int(datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())
    except (TypeError, ValueError):
        return int(time.time())


def next_revision(cluster: Cluster, count: int = 1) -> int:
    """The cluster's next resourceVersion; with `count`, the last of that many in a row."""
    Cluster.objects.filter(pk=cluster.pk).update(kube_revision=F("kube_revision") + count)
    cluster.refresh_from_db(fields=["kube_revision"])
    return cluster.kube_revision


class GenericStore:
    def __init__(self, resource: Resource):
        self.resource = resource

    def _rows(self, cluster: Cluster, namespace: str | None):
        rows = KubeObject.objects.filter(cluster=cluster, resource=self.resource.key)
        return rows if namespace is None else rows.filter(namespace=namespace)

    def list(self, cluster: Cluster, namespace: str | None) -> list[dict]:
        return [row.body for row in self._rows(cluster, namespace).order_by("namespace", "name")]

    def get(self, cluster: Cluster, namespace: str, name: str) -> dict | None:
        row = self._rows(cluster, namespace).filter(name=name).first()
        return row.body if row else None

    def save(self, cluster: Cluster, obj: dict) -> dict:
        meta = obj["metadata"]
        KubeObject.objects.update_or_create(
            cluster=cluster,
            resource=self.resource.key,
            namespace=meta.get("namespace", ""),
            name=meta["name"],
            defaults={"body": obj},
        )
        return obj

    def add_all(self, cluster: Cluster, objects: list[dict]) -> None:
        """New objects (names not taken) stored in one INSERT."""
        KubeObject.objects.bulk_create(
            KubeObject(
                cluster=cluster,
                resource=self.resource.key,
                namespace=obj["metadata"].get("namespace", ""),
                name=obj["metadata"]["name"],
                body=obj,
            )
            for obj in objects
        )

    def delete(self, cluster: Cluster, namespace: str, name: str) -> None:
        # Every deletion leaves a tombstone: a watch resumed from before it must see it.
        obj = self.get(cluster, namespace, name)
        if obj is not None:
            bury(cluster, self.resource.key, [obj], next_revision(cluster))
        self._remove(cluster, namespace, name)

    def _remove(self, cluster: Cluster, namespace: str, name: str) -> None:
        self._rows(cluster, namespace).filter(name=name).delete()


class NamespaceStore(GenericStore):
    def list(self, cluster, namespace):
        return [self.to_json(ns) for ns in cluster.namespaces.order_by("name")]

    def get(self, cluster, namespace, name):
        ns = cluster.namespaces.filter(name=name).first()
        return self.to_json(ns) if ns else None

    def save(self, cluster, obj):
        meta = obj["metadata"]
        Namespace.objects.update_or_create(
            cluster=cluster,
            name=meta["name"],
            defaults={
                "uid": meta["uid"],
                "create_time": epoch_of(meta["creationTimestamp"]),
                "labels": meta.get("labels") or {},
                "resource_version": int(meta["resourceVersion"]),
            },
        )
        return self.get(cluster, "", meta["name"])

    def _remove(self, cluster, namespace, name):
        # A namespace takes everything in it along (and their tombstones stay).
        revision = cluster.kube_revision  # the namespace's own deletion raised it
        inside: dict[str, list[dict]] = {"pods": []}
        for pod in cluster.pods.filter(namespace=name):
            inside["pods"].append(PodStore.to_json(pod))
        for row in cluster.kube_objects.filter(namespace=name):
            inside.setdefault(row.resource, []).append(row.body)
        for key, objects in inside.items():
            bury(cluster, key, objects, revision)
        cluster.pods.filter(namespace=name).delete()
        cluster.kube_objects.filter(namespace=name).delete()
        cluster.namespaces.filter(name=name).delete()

    @staticmethod
    def to_json(ns: Namespace) -> dict:
        return {
            "kind": "Namespace",
            "apiVersion": "v1",
            "metadata": {
                "name": ns.name,
                "uid": ns.uid,
                "resourceVersion": str(ns.resource_version),
                "creationTimestamp": timestamp(ns.create_time),
                "labels": {"kubernetes.io/metadata.name": ns.name, **ns.labels},
            },
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"},
        }


DEFAULT_CPU, DEFAULT_MEMORY = 0.25, 0.5  # a container without requests, in cores / GiB


def _quantity(value, default: float, memory: bool = False) -> float:
    """'500m' -> 0.5, '2' -> 2, '512Mi' -> 0.5 (GiB), '1Gi' -> 1."""
    text = str(value or "").strip()
    try:
        if not text:
            return default
        if text.endswith("m") and not memory:
            return float(text[:-1]) / 1000
        for suffix, scale in (("Ki", 1 / 1024**2), ("Mi", 1 / 1024), ("Gi", 1), ("Ti", 1024)):
            if text.endswith(suffix):
                return float(text[: -len(suffix)]) * scale
        return float(text) / (1024**3 if memory else 1)
    except ValueError:
        return default


class PodStore(GenericStore):
    def _pods(self, cluster, namespace):
        pods = cluster.pods.order_by("namespace", "name")
        return pods if namespace is None else pods.filter(namespace=namespace)

    def list(self, cluster, namespace):
        return [self.to_json(p) for p in self._pods(cluster, namespace)]

    def get(self, cluster, namespace, name):
        pod = self._pods(cluster, namespace).filter(name=name).first()
        return self.to_json(pod) if pod else None

    def save(self, cluster, obj):
        meta, spec = obj["metadata"], obj.get("spec") or {}
        containers = spec.get("containers") or []
        requests = [(c.get("resources") or {}).get("requests") or {} for c in containers]
        node = spec.get("nodeName") or _default_node(cluster)
        existing = cluster.pods.filter(namespace=meta["namespace"], name=meta["name"]).first()
        now_ns = time.time_ns()
        Pod.objects.update_or_create(
            cluster=cluster,
            namespace=meta["namespace"],
            name=meta["name"],
            defaults={
                "uid": meta["uid"],
                "node_name": node,
                "containers": [
                    {"name": c["name"], "image": c.get("image", "")} for c in containers
                ],
                "labels": meta.get("labels") or {},
                "annotations": meta.get("annotations") or {},
                "owner_references": meta.get("ownerReferences") or [],
                "phase": (obj.get("status") or {}).get("phase") or "Running",
                "cpu": sum(_quantity(r.get("cpu"), DEFAULT_CPU) for r in requests),
                "memory": sum(_quantity(r.get("memory"), DEFAULT_MEMORY, True) for r in requests),
                "create_time": epoch_of(meta["creationTimestamp"]),
                "resource_version": int(meta["resourceVersion"]),
                # A new pod starts writing logs now, not since the epoch.
                "logs_written_ns": existing.logs_written_ns if existing else now_ns,
            },
        )
        return self.get(cluster, meta["namespace"], meta["name"])

    def _remove(self, cluster, namespace, name):
        self._pods(cluster, namespace).filter(name=name).delete()

    @staticmethod
    def to_json(pod: Pod) -> dict:
        started = timestamp(pod.create_time)
        share = max(len(pod.containers), 1)
        meta = {
            "name": pod.name,
            "namespace": pod.namespace,
            "uid": pod.uid,
            "resourceVersion": str(pod.resource_version),
            "creationTimestamp": started,
            "labels": pod.labels,
        }
        if pod.annotations:
            meta["annotations"] = pod.annotations
        if pod.owner_references:
            meta["ownerReferences"] = pod.owner_references
        return {
            "kind": "Pod",
            "apiVersion": "v1",
            "metadata": meta,
            "spec": {
                "nodeName": pod.node_name,
                "containers": [
                    {
                        "name": c["name"],
                        "image": c.get("image", ""),
                        "resources": {
                            "requests": {
                                "cpu": f"{round(pod.cpu / share * 1000)}m",
                                "memory": f"{round(pod.memory / share * 1024)}Mi",
                            }
                        },
                    }
                    for c in pod.containers
                ],
            },
            "status": {
                "phase": pod.phase,
                "startTime": started,
                "podIP": f"172.16.{pod.pk % 250}.{(pod.pk // 250) % 250 + 2}",
                "containerStatuses": [
                    {
                        "name": c["name"],
                        "image": c.get("image", ""),
                        "ready": pod.phase == "Running",
                        "restartCount": 0,
                        "state": _container_state(pod.phase, started),
                    }
                    for c in pod.containers
                ],
            },
        }


def _container_state(phase: str, started: str) -> dict:
    """A pod of a Job that has run its time ends Completed, as kubectl shows it."""
    if phase == "Succeeded":
        return {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": started}}
    return {"running": {"startedAt": started}}


def _default_node(cluster: Cluster) -> str:
    node = cluster.super_nodes.filter(is_default=True).first()
    return node.node_name if node else ""


class NodeStore(GenericStore):
    def list(self, cluster, namespace):
        return [self.to_json(n) for n in cluster.super_nodes.order_by("node_name")]

    def get(self, cluster, namespace, name):
        node = cluster.super_nodes.filter(node_name=name).first()
        return self.to_json(node) if node else None

    def to_json(self, node: SuperNode) -> dict:
        capacity = {
            "cpu": str(node.max_cpu),
            "memory": f"{node.max_memory}Gi",
            "pods": str(node.max_pods),
        }
        if node.gpu_count:
            capacity["nvidia.com/gpu"] = str(node.gpu_count)
        ready = node.status in ("Running", "Ready")
        return {
            "kind": "Node",
            "apiVersion": "v1",
            "metadata": {
                "name": node.node_name,
                "uid": f"node-{node.pk}",
                "resourceVersion": str(node.cluster.kube_revision),
                "creationTimestamp": timestamp(node.create_time),
                "labels": {
                    "kubernetes.io/hostname": node.node_name,
                    "type": "virtual-kubelet",
                    "node.kubernetes.io/instance-type": node.compute_class,
                },
            },
            "spec": {"unschedulable": node.unschedulable},
            "status": {
                "capacity": capacity,
                "allocatable": copy.deepcopy(capacity),
                "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
                "nodeInfo": {"kubeletVersion": f"v{node.cluster.k8s_version}"},
            },
        }


def store_for(resource: Resource) -> GenericStore:
    special = {"pods": PodStore, "namespaces": NamespaceStore, "nodes": NodeStore}
    return special.get(resource.plural, GenericStore)(resource)
