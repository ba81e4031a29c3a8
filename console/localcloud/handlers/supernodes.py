"""Super node actions: Create, Describe, Update, Delete, UpdateSuperNodeGPU."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Sum

from console.cloud import actions as a

from .. import catalog, lifecycle
from ..auth import Call
from ..errors import ApiError
from ..models import Cluster, Pod, SuperNode
from .clusters import check_class_types
from .common import DNS_LABEL, check, get_cluster, require_status

MAX_LIMIT = 1000


def gpu_count(node: SuperNode, p: dict[str, Any]) -> int:
    """GPU left out means: keep the node's count of cards (one when it has none).

    The same default for pricing a change and for making it, so the quote is the bill.
    """
    return p.get("GPU", node.gpu_count or 1)


def get_node(cluster: Cluster, node_name: str) -> SuperNode:
    node = cluster.super_nodes.filter(node_name=node_name).first()
    if node is None:
        raise ApiError(a.NOT_FOUND, f"SuperNode [{node_name}] does not exist")
    return node


def adjustable(cluster: Cluster) -> dict[str, int]:
    """A node may grow up to its cluster's quota."""
    return {"MaxCPU": cluster.max_cpu, "MaxMemory": cluster.max_memory, "MaxPods": cluster.max_pods}


def _usage(nodes: list[SuperNode]) -> dict[tuple[int, str], dict]:
    rows = (
        Pod.objects.filter(cluster_id__in={n.cluster_id for n in nodes})
        .values("cluster_id", "node_name")
        .annotate(cpu=Sum("cpu"), memory=Sum("memory"), pods=Count("id"))
    )
    return {(r["cluster_id"], r["node_name"]): r for r in rows}


def _check_limits(cluster: Cluster, p: dict[str, Any], used: dict | None = None) -> dict:
    bounds = adjustable(cluster)
    used = used or {}
    used_of = {"MaxCPU": "cpu", "MaxMemory": "memory", "MaxPods": "pods"}
    values = {}
    for name, bound in bounds.items():
        if name not in p:
            continue
        value = p[name]
        check(1 <= value <= bound, f"{name} must be 1 to {bound} (the cluster's quota)")
        in_use = used.get(used_of[name]) or 0
        check(value >= in_use, f"{name} {value} is below what is in use ({in_use:g})")
        values[name] = value
    return values


def create_super_node(call: Call, p: dict[str, Any]) -> dict:
    cluster = get_cluster(call, p["ClusterID"])
    require_status(cluster, "Running")
    name = p["NodeName"]
    check(bool(DNS_LABEL.match(name)), f"NodeName [{name}] must be a DNS label (a-z, 0-9, -)")
    check_class_types(p["ComputeclassType"], p.get("StorageclassType"))
    if cluster.super_nodes.filter(node_name=name).exists():
        raise ApiError(a.CHECK_FAILED, f"SuperNode [{name}] already exists")
    limits = _check_limits(cluster, p)
    SuperNode.objects.create(
        cluster=cluster,
        node_name=name,
        compute_class=p["ComputeclassType"],
        storage_class=p.get("StorageclassType") or cluster.storage_class,
        status="Ready",
        max_cpu=limits.get("MaxCPU", min(16, cluster.max_cpu)),
        max_memory=limits.get("MaxMemory", min(64, cluster.max_memory)),
        max_pods=limits.get("MaxPods", min(110, cluster.max_pods)),
        create_time=int(lifecycle.now()),
    )
    return {"NodeName": name}


def node_yaml(node: SuperNode, cluster: Cluster) -> str:
    gpu = f'    nvidia.com/gpu: "{node.gpu_count}"\n' if node.gpu_count else ""
    return (
        "apiVersion: v1\n"
        "kind: Node\n"
        "metadata:\n"
        f"  name: {node.node_name}\n"
        "  labels:\n"
        "    type: virtual-kubelet\n"
        f"    topology.kubernetes.io/region: {cluster.region}\n"
        f"    node.k8s.localcloud/compute-class: {node.compute_class}\n"
        "spec:\n"
        f"  unschedulable: {'true' if node.unschedulable else 'false'}\n"
        "status:\n"
        "  capacity:\n"
        f'    cpu: "{node.max_cpu}"\n'
        f"    memory: {node.max_memory}Gi\n"
        f'    pods: "{node.max_pods}"\n'
        f"{gpu}"
        "  nodeInfo:\n"
        f"    kubeletVersion: v{cluster.k8s_version}-vk\n"
        "    operatingSystem: linux\n"
        "    architecture: amd64\n"
    )


def node_info(node: SuperNode, cluster: Cluster, usage: dict | None) -> dict:
    usage = usage or {}
    bounds = adjustable(cluster)
    return {
        "ClusterID": cluster.cluster_id,
        "NodeName": node.node_name,
        "VpcID": cluster.vpc_id,
        "VpcName": f"vpc-{cluster.vpc_id.removeprefix('vpc-')}-net",
        "SubnetIDs": cluster.subnet_ids,
        "SubnetNames": [f"{s.removeprefix('subnet-')}-net" for s in cluster.subnet_ids],
        "StorageclassType": node.storage_class,
        "ComputeclassType": node.compute_class,
        "OSType": "Linux",
        "ArchType": "x86_64",
        "Status": node.status,
        "Unschedulable": node.unschedulable,
        "IsDefault": node.is_default,
        "YamlData": node_yaml(node, cluster),
        "MaxCPU": node.max_cpu,
        "MaxMemory": node.max_memory,
        "MaxPods": node.max_pods,
        "UsedCPU": round(float(usage.get("cpu") or 0), 2),
        "UsedMemory": round(float(usage.get("memory") or 0), 2),
        "UsedPods": float(usage.get("pods") or 0),
        "AdjustableMaxCPU": bounds["MaxCPU"],
        "AdjustableMaxMemory": bounds["MaxMemory"],
        "AdjustableMaxPods": bounds["MaxPods"],
        "GPUInfos": (
            [{"GPUMdevName": node.gpu_mdev, "GPU": node.gpu_count}] if node.gpu_count else []
        ),
    }


def describe_super_node(call: Call, p: dict[str, Any]) -> dict:
    cluster = get_cluster(call, p["ClusterID"])
    limit = p.get("Limit", 20)
    offset = p.get("Offset", 0)
    check(1 <= limit <= MAX_LIMIT, f"Limit must be 1 to {MAX_LIMIT}")
    check(0 <= offset <= 10**9, "Offset must be 0 to 1000000000")
    query = cluster.super_nodes.all()
    if p.get("NodeNames"):
        wanted = set(p["NodeNames"])
        missing = sorted(
            wanted - set(query.filter(node_name__in=wanted).values_list("node_name", flat=True))
        )
        if missing:
            raise ApiError(a.NOT_FOUND, f"SuperNode [{missing[0]}] does not exist")
        query = query.filter(node_name__in=wanted)
    total = query.count()
    page = list(query.order_by("-is_default", "node_name")[offset : offset + limit])
    usage = _usage(page)
    return {
        "TotalCount": total,
        "Infos": [node_info(n, cluster, usage.get((cluster.pk, n.node_name))) for n in page],
    }


def update_super_node(call: Call, p: dict[str, Any]) -> dict:
    cluster = get_cluster(call, p["ClusterID"])
    require_status(cluster, "Running")
    node = get_node(cluster, p["NodeName"])
    used = _usage([node]).get((cluster.pk, node.node_name))
    limits = _check_limits(cluster, p, used)
    node.max_cpu = limits.get("MaxCPU", node.max_cpu)
    node.max_memory = limits.get("MaxMemory", node.max_memory)
    node.max_pods = limits.get("MaxPods", node.max_pods)
    node.save(update_fields=["max_cpu", "max_memory", "max_pods"])
    return {}


def delete_super_node(call: Call, p: dict[str, Any]) -> dict:
    cluster = get_cluster(call, p["ClusterID"])
    require_status(cluster, "Running")
    node = get_node(cluster, p["NodeName"])
    if node.is_default:
        raise ApiError(
            a.WRONG_STATE_OTHER,
            "The default super node runs the cluster's system pods and cannot be deleted",
        )
    default = cluster.super_nodes.filter(is_default=True).first()
    # Pods on the deleted node are rescheduled to the default node, as a VK eviction would.
    Pod.objects.filter(cluster=cluster, node_name=node.node_name).update(
        node_name=default.node_name if default else ""
    )
    node.delete()
    return {}


def update_gpu(call: Call, p: dict[str, Any]) -> dict:
    cluster = get_cluster(call, p["ClusterID"])
    require_status(cluster, "Running")
    node = get_node(cluster, p["NodeName"])
    mdev = p["GPUMdevName"]
    if mdev not in catalog.GPU_HOUR:
        raise ApiError(a.NOT_FOUND, f"GPUMdevName [{mdev}] does not exist")
    count = gpu_count(node, p)
    check(0 <= count <= catalog.MAX_GPU_PER_NODE, f"GPU must be 0 to {catalog.MAX_GPU_PER_NODE}")
    node.gpu_mdev = mdev if count else ""
    node.gpu_count = count
    node.save(update_fields=["gpu_mdev", "gpu_count"])
    return {}
