"""metrics.k8s.io/v1beta1 as metrics-server serves it: PodMetrics (per container) and
NodeMetrics (per super node), list and get, label and field selectors; the values come
from the usage model in metrics.py. Read-only, no watch, as metrics-server."""

from __future__ import annotations

import re
import time

from ..models import Cluster
from . import metrics, server, shell_cpu
from .selectors import SelectorError, field_matcher, label_matcher
from .store import NodeStore, timestamp
from .table import as_table

GROUP, VERSION = "metrics.k8s.io", "v1beta1"
PREFIX = f"/apis/{GROUP}/{VERSION}"
_PATH = re.compile(
    r"^/apis/metrics\.k8s\.io/v1beta1(?:/namespaces/(?P<ns>[^/]+))?"
    r"/(?P<plural>pods|nodes)(?:/(?P<name>[^/]+))?$"
)
WINDOW = f"{metrics.WINDOW}s"


def resource_list() -> dict:
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{GROUP}/{VERSION}",
        "resources": [
            {"name": "nodes", "singularName": "", "namespaced": False, "kind": "NodeMetrics",
             "verbs": ["get", "list"]},
            {"name": "pods", "singularName": "", "namespaced": True, "kind": "PodMetrics",
             "verbs": ["get", "list"]},
        ],
    }  # fmt: skip


def handles(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def answer(cluster: Cluster, request: server.Request, path: str) -> server.Response:
    if request.method != "GET":
        raise server.ApiError(405, "MethodNotAllowed", "the metrics API is read-only")
    if path == PREFIX:
        return server.Response(200, resource_list())
    match = _PATH.match(path)
    if not match or (match["ns"] and match["plural"] == "nodes"):
        raise server.ApiError(404, "NotFound", "the server could not find the requested resource")
    if request.arg("watch") in ("1", "true"):
        raise server.ApiError(405, "MethodNotAllowed", "the metrics API cannot be watched")
    try:
        labels = label_matcher(request.arg("labelSelector"))
        fields = field_matcher(request.arg("fieldSelector"))
    except SelectorError as exc:
        raise server.ApiError(400, "BadRequest", str(exc)) from None
    at = metrics.window_end(time.time())
    if match["plural"] == "pods":
        kind = "PodMetrics"
        items = pod_metrics(cluster, match["ns"], match["name"], at)
    else:
        kind = "NodeMetrics"
        items = node_metrics(cluster, match["name"], at)
    if match["name"]:
        if not items:
            what = f"{match['ns']}/{match['name']}" if match["ns"] else match["name"]
            raise server.ApiError(
                404,
                "NotFound",
                f'{kind.lower()}.{GROUP} "{what}" not found',
                {"name": match["name"], "group": GROUP, "kind": match["plural"]},
            )
        return server.Response(200, items[0])
    items = [o for o in items if labels(o["metadata"].get("labels")) and fields(o)]
    if "as=Table" in request.accept:
        return server.Response(200, as_table(kind, items, ""))
    return server.Response(
        200, {"kind": f"{kind}List", "apiVersion": f"{GROUP}/{VERSION}", "metadata": {},
              "items": items},
    )  # fmt: skip


def _metadata(name: str, labels: dict, namespace: str = "") -> dict:
    meta = {"name": name, "creationTimestamp": timestamp(time.time()), "labels": labels}
    if namespace:
        meta["namespace"] = namespace
    return meta


def pod_metrics(cluster: Cluster, namespace: str | None, name: str | None, at: int) -> list:
    """PodMetrics of the running pods (a finished or pending pod has none, as with
    metrics-server)."""
    pods = cluster.pods.filter(phase="Running").order_by("namespace", "name")
    if namespace:
        pods = pods.filter(namespace=namespace)
    if name:
        pods = pods.filter(name=name)
    pods = list(pods)
    shells = _shell_cores(cluster, pods)
    return [
        {
            "kind": "PodMetrics",
            "apiVersion": f"{GROUP}/{VERSION}",
            "metadata": _metadata(pod.name, pod.labels, pod.namespace),
            "timestamp": timestamp(at),
            "window": WINDOW,
            "containers": [
                {"name": container, "usage": _quantities(usage)}
                for container, usage in metrics.pod_usage(pod, at, shells.get(pod.pk, 0.0))
            ],
        }
        for pod in pods
    ]


def node_metrics(cluster: Cluster, name: str | None, at: int) -> list:
    """NodeMetrics of each super node: the sum of its running pods' usage."""
    nodes = cluster.super_nodes.order_by("node_name")
    if name:
        nodes = nodes.filter(node_name=name)
    sums: dict[str, list[float]] = {}
    pods = list(cluster.pods.filter(phase="Running"))
    shells = _shell_cores(cluster, pods)
    for pod in pods:
        total = sums.setdefault(pod.node_name, [0.0, 0.0])
        for _, usage in metrics.pod_usage(pod, at, shells.get(pod.pk, 0.0)):
            total[0] += usage.cpu_cores
            total[1] += usage.memory_gib
    store = NodeStore(None)
    items = []
    for node in nodes:
        cpu, memory = sums.get(node.node_name, (0.0, 0.0))
        labels = store.to_json(node)["metadata"]["labels"]
        items.append(
            {
                "kind": "NodeMetrics",
                "apiVersion": f"{GROUP}/{VERSION}",
                "metadata": _metadata(node.node_name, labels),
                "timestamp": timestamp(at),
                "window": WINDOW,
                "usage": _quantities(metrics.Usage(cpu, memory)),
            }
        )
    return items


def _shell_cores(cluster: Cluster, pods: list) -> dict[int, float]:
    """Pod pk -> cores its own shells use now (a busy loop in `kubectl exec` shows)."""
    users = {shell_cpu.pod_user(cluster.cluster_id, p.namespace, p.name): p.pk for p in pods}
    return {users[uid]: cores for uid, cores in shell_cpu.cores_by_user(set(users)).items()}


def _quantities(usage: metrics.Usage) -> dict:
    """As metrics-server writes them: nanocores and KiB."""
    return {"cpu": f"{usage.nanocores}n", "memory": f"{usage.kib}Ki"}
