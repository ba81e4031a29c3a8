"""The resource types each cluster's Kubernetes API serves, as discovery describes them."""

from __future__ import annotations

from dataclasses import dataclass

ALL_VERBS = ("create", "delete", "get", "list", "patch", "update")
READ_VERBS = ("get", "list")


@dataclass(frozen=True)
class Resource:
    group: str  # "" is the core group
    version: str
    plural: str
    kind: str
    namespaced: bool = True
    short_names: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self) -> str:
        """How KubeObject rows name the type: plural.group, like kubectl's fully qualified."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


RESOURCES = [
    Resource("", "v1", "namespaces", "Namespace", namespaced=False, short_names=("ns",)),
    Resource("", "v1", "pods", "Pod", short_names=("po",)),
    Resource("", "v1", "services", "Service", short_names=("svc",)),
    Resource("", "v1", "configmaps", "ConfigMap", short_names=("cm",)),
    Resource("", "v1", "secrets", "Secret"),
    Resource("", "v1", "events", "Event", short_names=("ev",)),
    Resource("", "v1", "nodes", "Node", namespaced=False, short_names=("no",), verbs=READ_VERBS),
    Resource("apps", "v1", "deployments", "Deployment", short_names=("deploy",)),
    Resource("apps", "v1", "replicasets", "ReplicaSet", short_names=("rs",)),
    Resource("apps", "v1", "statefulsets", "StatefulSet", short_names=("sts",)),
    Resource("apps", "v1", "daemonsets", "DaemonSet", short_names=("ds",)),
    Resource("batch", "v1", "jobs", "Job"),
]
GROUPS = {"apps": "v1", "batch": "v1"}
# Groups answered by their own module, as an aggregated API (metrics-server) would be.
SERVED_APART = {"metrics.k8s.io": "v1beta1"}
# Subresources with their own verbs: the scale of a deployment (kubectl scale).
SCALABLE = {"deployments", "replicasets", "statefulsets"}


def find(group: str, version: str, plural: str) -> Resource | None:
    for resource in RESOURCES:
        if (resource.group, resource.version, resource.plural) == (group, version, plural):
            return resource
    return None


def by_kind(kind: str) -> Resource | None:
    return next((r for r in RESOURCES if r.kind == kind), None)


def api_resource_list(group: str, version: str) -> dict:
    items = []
    for r in RESOURCES:
        if (r.group, r.version) != (group, version):
            continue
        items.append(
            {
                "name": r.plural,
                "singularName": r.kind.lower(),
                "namespaced": r.namespaced,
                "kind": r.kind,
                "verbs": list(r.verbs),
                **({"shortNames": list(r.short_names)} if r.short_names else {}),
            }
        )
        if r.plural in SCALABLE:
            items.append(
                {
                    "name": f"{r.plural}/scale",
                    "singularName": "",
                    "namespaced": True,
                    "group": "autoscaling",
                    "version": "v1",
                    "kind": "Scale",
                    "verbs": ["get", "patch", "update"],
                }
            )
        if r.plural == "pods":
            items.append(
                {
                    "name": "pods/log",
                    "singularName": "",
                    "namespaced": True,
                    "kind": "Pod",
                    "verbs": ["get"],
                }
            )
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": items,
    }


def api_group_list() -> dict:
    groups = []
    for name, version in {**GROUPS, **SERVED_APART}.items():
        entry = {"groupVersion": f"{name}/{version}", "version": version}
        groups.append({"name": name, "versions": [entry], "preferredVersion": entry})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}
