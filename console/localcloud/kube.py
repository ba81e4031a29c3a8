"""Each cluster's small Kubernetes API, as JSON a real API server would give (read-only so far)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from .models import Cluster, Namespace, Pod


def _timestamp(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def status_object(code: int, reason: str, message: str) -> dict:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


def namespace_json(ns: Namespace) -> dict:
    return {
        "kind": "Namespace",
        "apiVersion": "v1",
        "metadata": {
            "name": ns.name,
            "uid": ns.uid,
            "resourceVersion": str(ns.pk),
            "creationTimestamp": _timestamp(ns.create_time),
            "labels": {"kubernetes.io/metadata.name": ns.name},
        },
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


def pod_json(pod: Pod) -> dict:
    started = _timestamp(pod.create_time)
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "name": pod.name,
            "namespace": pod.namespace,
            "uid": pod.uid,
            "resourceVersion": str(pod.pk),
            "creationTimestamp": started,
            "labels": pod.labels,
        },
        "spec": {
            "nodeName": pod.node_name,
            "containers": [
                {
                    "name": c["name"],
                    "image": c.get("image", ""),
                    "resources": {
                        "requests": {
                            "cpu": f"{pod.cpu / len(pod.containers):g}",
                            "memory": f"{pod.memory / len(pod.containers):g}Gi",
                        }
                    },
                }
                for c in pod.containers
            ],
        },
        "status": {
            "phase": pod.phase,
            "startTime": started,
            "containerStatuses": [
                {
                    "name": c["name"],
                    "image": c.get("image", ""),
                    "ready": pod.phase == "Running",
                    "restartCount": 0,
                    "state": {"running": {"startedAt": started}},
                }
                for c in pod.containers
            ],
        },
    }


def _list(kind: str, items: list[dict]) -> dict:
    return {
        "kind": f"{kind}List",
        "apiVersion": "v1",
        "metadata": {"resourceVersion": ""},
        "items": items,
    }


_ROUTES = [
    (re.compile(r"^/version/?$"), "version"),
    (re.compile(r"^/api/v1/namespaces/?$"), "namespaces"),
    (re.compile(r"^/api/v1/namespaces/(?P<ns>[^/]+)/?$"), "namespace"),
    (re.compile(r"^/api/v1/pods/?$"), "all_pods"),
    (re.compile(r"^/api/v1/namespaces/(?P<ns>[^/]+)/pods/?$"), "pods"),
    (re.compile(r"^/api/v1/namespaces/(?P<ns>[^/]+)/pods/(?P<name>[^/]+)/?$"), "pod"),
]


def _route(path: str) -> tuple[str, dict[str, str]] | None:
    for pattern, route in _ROUTES:
        match = pattern.match(path)
        if match:
            return route, match.groupdict()
    return None


def handle(cluster: Cluster, method: str, path: str) -> tuple[int, dict]:
    """Answer one request to the cluster's API server: (HTTP status, JSON body)."""
    path = path.split("?", 1)[0]
    found = _route(path)
    if found is None:
        return 404, status_object(
            404, "NotFound", "the server could not find the requested resource"
        )
    route, args = found
    if method != "GET":
        return 405, status_object(405, "MethodNotAllowed", f"{method} is not supported on {path}")
    if route == "version":
        major, minor, _ = cluster.k8s_version.split(".")
        return 200, {
            "major": major,
            "minor": minor,
            "gitVersion": f"v{cluster.k8s_version}",
            "platform": "linux/amd64",
        }
    if route == "namespaces":
        return 200, _list(
            "Namespace", [namespace_json(n) for n in cluster.namespaces.order_by("name")]
        )
    if route == "namespace":
        ns = cluster.namespaces.filter(name=args["ns"]).first()
        if ns is None:
            return 404, status_object(404, "NotFound", f'namespaces "{args["ns"]}" not found')
        return 200, namespace_json(ns)
    pods = cluster.pods.order_by("namespace", "name")
    if route == "all_pods":
        return 200, _list("Pod", [pod_json(p) for p in pods])
    if not cluster.namespaces.filter(name=args["ns"]).exists():
        return 404, status_object(404, "NotFound", f'namespaces "{args["ns"]}" not found')
    if route == "pods":
        return 200, _list("Pod", [pod_json(p) for p in pods.filter(namespace=args["ns"])])
    pod = pods.filter(namespace=args["ns"], name=args["name"]).first()
    if pod is None:
        return 404, status_object(404, "NotFound", f'pods "{args["name"]}" not found')
    return 200, pod_json(pod)
