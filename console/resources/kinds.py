"""The Kubernetes kinds the console shows, where they live in the API, and each list's
columns for a person (not kubectl's Table: the console wants links and actions)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from console.web.kubeapi import api_path


@dataclass(frozen=True)
class Kind:
    key: str  # the plural, also the URL key
    label: str
    prefix: tuple[str, ...]
    editable: bool = True
    scalable: bool = False

    def collection(self, namespace: str) -> str:
        return api_path(*self.prefix, "namespaces", namespace, self.key)

    def item(self, namespace: str, name: str) -> str:
        return api_path(*self.prefix, "namespaces", namespace, self.key, name)


APPS, CORE, BATCH = ("apis", "apps", "v1"), ("api", "v1"), ("apis", "batch", "v1")
KINDS = {
    k.key: k
    for k in [
        Kind("deployments", "Deployments", APPS, scalable=True),
        Kind("statefulsets", "StatefulSets", APPS, scalable=True),
        Kind("daemonsets", "DaemonSets", APPS),
        Kind("replicasets", "ReplicaSets", APPS),
        Kind("jobs", "Jobs", BATCH),
        Kind("pods", "Pods", CORE),
        Kind("services", "Services", CORE),
        Kind("configmaps", "ConfigMaps", CORE),
        Kind("secrets", "Secrets", CORE),
        Kind("events", "Events", CORE, editable=False),
    ]
}
TABS = {
    "workloads": (
        gettext_lazy("Workloads"),
        ["deployments", "statefulsets", "daemonsets", "jobs", "replicasets"],
    ),
    "pods": (gettext_lazy("Pods"), ["pods"]),
    "services": (gettext_lazy("Services"), ["services"]),
    "config": (gettext_lazy("Config"), ["configmaps", "secrets"]),
    "events": (gettext_lazy("Events"), ["events"]),
}


def _replicas(obj: dict) -> dict:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    wanted = spec.get("replicas", 1)
    return {"ready": f"{status.get('readyReplicas', 0)}/{wanted}", "replicas": wanted}


def _pod(obj: dict) -> dict:
    statuses = (obj.get("status") or {}).get("containerStatuses") or []
    return {
        "ready": f"{sum(1 for s in statuses if s.get('ready'))}/{len(statuses)}",
        "phase": (obj.get("status") or {}).get("phase", ""),
        "node": (obj.get("spec") or {}).get("nodeName", ""),
        "containers": [c["name"] for c in (obj.get("spec") or {}).get("containers", [])],
    }


def _service(obj: dict) -> dict:
    spec = obj.get("spec") or {}
    ports = ", ".join(
        f"{p.get('port')}/{p.get('protocol', 'TCP')}" for p in spec.get("ports") or []
    )
    return {
        "type": spec.get("type", "ClusterIP"),
        "cluster_ip": spec.get("clusterIP", ""),
        "ports": ports,
    }


def _keys(obj: dict) -> dict:
    return {"keys": sorted((obj.get("data") or {}).keys()), "type": obj.get("type", "")}


def _event(obj: dict) -> dict:
    target = obj.get("involvedObject") or {}
    return {
        "type": obj.get("type", ""),
        "reason": obj.get("reason", ""),
        "object": f"{target.get('kind', '')}/{target.get('name', '')}",
        "message": obj.get("message", ""),
        "when": obj.get("lastTimestamp") or obj["metadata"].get("creationTimestamp", ""),
    }


SUMMARIES = {
    "deployments": _replicas,
    "statefulsets": _replicas,
    "replicasets": _replicas,
    "pods": _pod,
    "services": _service,
    "configmaps": _keys,
    "secrets": _keys,
    "events": _event,
}


def summarize(kind: Kind, obj: dict) -> dict:
    meta = obj.get("metadata") or {}
    row = {"name": meta.get("name", ""), "created": meta.get("creationTimestamp", "")}
    row.update(SUMMARIES.get(kind.key, lambda o: {})(obj))
    return row
