"""GetClusterPrice and GetClusterPaymentOfPremium, both from catalog's one price table."""

from __future__ import annotations

from typing import Any

from console.cloud import actions as a

from .. import catalog, lifecycle
from ..auth import Call
from ..errors import ApiError
from ..models import Cluster
from .clusters import check_charge, check_class_types
from .common import check, get_cluster
from .supernodes import get_node, gpu_count

MAX_CPU = 4096
MAX_MEMORY = 16384


def cluster_gpu_hour(cluster: Cluster) -> float:
    return sum(catalog.gpu_hour(n.gpu_mdev, n.gpu_count) for n in cluster.super_nodes.all())


def get_cluster_price(call: Call, p: dict[str, Any]) -> dict:
    check_class_types(p["ComputeclassType"], p["StorageclassType"])
    quantity = check_charge(p["ChargeType"], p.get("Quantity", 1))
    cpu = p.get("CPU", catalog.DEFAULT_CPU)
    memory = p.get("Memory", catalog.DEFAULT_MEMORY)
    check(1 <= cpu <= MAX_CPU, f"CPU must be 1 to {MAX_CPU}")
    check(1 <= memory <= MAX_MEMORY, f"Memory must be 1 to {MAX_MEMORY}")
    ha = p.get("HighAvailability", "")
    check(ha in catalog.HIGH_AVAILABILITY, "HighAvailability must be true or false")
    gpu = 0.0
    if p.get("ClusterID"):
        # For an existing cluster the GPUs of its super nodes are part of the price.
        gpu = cluster_gpu_hour(get_cluster(call, p["ClusterID"]))
    hourly = catalog.hourly_price(
        p["ComputeclassType"], p["StorageclassType"], cpu, memory, ha == "true", gpu
    )
    price = catalog.charge(hourly, p["ChargeType"], quantity)
    return {"Infos": [{"Price": price, "ChargeType": p["ChargeType"]}]}


def get_premium(call: Call, p: dict[str, Any]) -> dict:
    """What a GPU change of one super node costs for the rest of the paid period.

    Dynamic clusters: the change in the hourly price. Month/Year: the change over the
    hours left until ExpireTime, with the same discount as the purchase. OrderType is the
    cluster's ChargeType; a negative Price is a refund.
    """
    if not p.get("ClusterID"):
        raise ApiError(a.CHECK_FAILED, "ClusterID is needed to price a change")
    cluster = get_cluster(call, p["ClusterID"])
    if not p.get("SuperNode"):
        raise ApiError(a.CHECK_FAILED, "SuperNode is needed to price a GPU change")
    node = get_node(cluster, p["SuperNode"])
    mdev = p.get("GPUMdevName") or node.gpu_mdev
    if mdev and mdev not in catalog.GPU_HOUR:
        raise ApiError(a.NOT_FOUND, f"GPUMdevName [{mdev}] does not exist")
    count = gpu_count(node, p)
    check(0 <= count <= catalog.MAX_GPU_PER_NODE, f"GPU must be 0 to {catalog.MAX_GPU_PER_NODE}")
    delta = catalog.gpu_hour(mdev, count) - catalog.gpu_hour(node.gpu_mdev, node.gpu_count)
    charge_type = cluster.charge_type
    if charge_type == "Dynamic":
        price = round(delta, 2)
    else:
        hours_left = max(0.0, (cluster.expire_time - lifecycle.now()) / 3600)
        price = round(delta * hours_left * catalog.DISCOUNT[charge_type], 2)
    return {"Price": price, "OrderType": charge_type}
