"""GetClusterPrice by the README's price table, and GetClusterPaymentOfPremium agreeing
with the change in GetClusterPrice that a GPU change makes."""

from __future__ import annotations

import itertools
import time

import pytest

from console.cloud import actions

from .conftest import DEFAULT_NODE, REGION, assert_error, assert_ok

pytestmark = pytest.mark.contract

# README "Price table", written out again here: the oracle is the document, not catalog.py.
CONTROL_PLANE = {"": 0.50, "false": 0.50, "true": 1.50}
COMPUTE = {
    "ComputeSetStandard": (0.12, 0.015),
    "ComputeSetHighPerf": (0.18, 0.022),
    "ComputeSetMemory": (0.10, 0.030),
}
STORAGE = {"StorageSetSSD": 0.05, "StorageSetHDD": 0.02}
GPU_CARD_HOUR = {"nvidia-t4": 1.2, "nvidia-2080ti": 1.8, "nvidia-a10": 3.5, "nvidia-a100": 9.0}
PERIOD = {"Dynamic": (1, 1.0), "Month": (720, 0.85), "Year": (8760, 0.70)}


def table_price(compute, storage, cpu, memory, ha, charge, quantity, gpu_hour=0.0) -> float:
    core, gib = COMPUTE[compute]
    hourly = CONTROL_PLANE[ha] + cpu * core + memory * gib + STORAGE[storage] + gpu_hour
    hours, discount = PERIOD[charge]
    periods = 1 if charge == "Dynamic" else quantity
    return round(hourly * hours * periods * discount, 2)


def price(call, **params) -> float:
    answer = call("GetClusterPrice", **{"Region": REGION, **params})
    assert_ok(answer, "GetClusterPrice")
    (info,) = answer["Infos"]
    assert info["ChargeType"] == params["ChargeType"]
    return info["Price"]


COMBOS = list(itertools.product(COMPUTE, STORAGE, ["", "true"]))


@pytest.mark.parametrize(("compute", "storage", "ha"), COMBOS)
def test_it_prices_every_class_by_the_readme_table(local, compute, storage, ha):
    shape = {"ComputeclassType": compute, "StorageclassType": storage, "CPU": 6, "Memory": 24}
    if ha:
        shape["HighAvailability"] = ha
    for charge, quantity in [("Dynamic", 1), ("Month", 1), ("Month", 7), ("Year", 3)]:
        got = price(local.call, ChargeType=charge, Quantity=quantity, **shape)
        assert got == table_price(compute, storage, 6, 24, ha, charge, quantity), (
            charge,
            quantity,
        )


def test_it_prices_month_and_year_as_discounted_hours_of_the_dynamic_price(local):
    call = local.call
    shape = {"ComputeclassType": "ComputeSetStandard", "StorageclassType": "StorageSetSSD"}
    hourly = price(call, ChargeType="Dynamic", CPU=4, Memory=8, **shape)
    month = price(call, ChargeType="Month", Quantity=1, CPU=4, Memory=8, **shape)
    three = price(call, ChargeType="Month", Quantity=3, CPU=4, Memory=8, **shape)
    year = price(call, ChargeType="Year", Quantity=2, CPU=4, Memory=8, **shape)
    assert hourly == pytest.approx(0.5 + 4 * 0.12 + 8 * 0.015 + 0.05)
    # Dynamic is rounded to cents, so the longer periods are compared within that error.
    assert month == pytest.approx(hourly * 720 * 0.85, abs=0.005 * 720)
    assert three == pytest.approx(3 * month, abs=0.02)
    assert year == pytest.approx(hourly * 8760 * 2 * 0.70, abs=0.005 * 8760 * 2)
    assert hourly < month < three < year


def test_it_prices_with_the_documented_defaults(call):
    shape = {"ComputeclassType": "ComputeSetMemory", "StorageclassType": "StorageSetHDD"}
    assert price(call, ChargeType="Dynamic", **shape) == price(
        call, ChargeType="Dynamic", CPU=2, Memory=4, **shape
    )
    assert price(call, ChargeType="Month", **shape) == price(
        call, ChargeType="Month", Quantity=1, **shape
    )
    # Dynamic is one hour, whatever Quantity says.
    assert price(call, ChargeType="Dynamic", Quantity=5, **shape) == price(
        call, ChargeType="Dynamic", **shape
    )


@pytest.mark.parametrize(
    "bad",
    [
        {"ChargeType": "Weekly"},
        {"ChargeType": "Month", "Quantity": 0},
        {"ChargeType": "Month", "Quantity": 12},
        {"ChargeType": "Year", "Quantity": 6},
        {"ChargeType": "Dynamic", "HighAvailability": "maybe"},
        {"ChargeType": "Dynamic", "CPU": 0},
        {"ChargeType": "Dynamic", "Memory": 0},
    ],
    ids=lambda bad: "-".join(f"{k}={v}" for k, v in bad.items()),
)
def test_it_refuses_a_price_it_cannot_quote(call, bad):
    answer = call(
        "GetClusterPrice",
        Region=REGION,
        ComputeclassType="ComputeSetStandard",
        StorageclassType="StorageSetSSD",
        **bad,
    )
    assert_error(answer, actions.CHECK_FAILED, "GetClusterPrice")


def test_it_charges_a_gpu_change_of_a_dynamic_cluster_as_the_price_changes(endpoint, clusters):
    call = endpoint.call
    cluster = {"Region": REGION, "ClusterID": clusters["gpu"]}
    shape = {
        "ChargeType": "Dynamic",
        "ComputeclassType": "ComputeSetStandard",
        "StorageclassType": "StorageSetSSD",
    }
    node = {**cluster, "NodeName": DEFAULT_NODE}
    for mdev, count in [("nvidia-a10", 2), ("nvidia-t4", 1), ("nvidia-a100", 0)]:
        before = price(call, **cluster, **shape)
        premium = call(
            "GetClusterPaymentOfPremium",
            **cluster,
            SuperNode=DEFAULT_NODE,
            GPUMdevName=mdev,
            GPU=count,
        )
        assert_ok(premium, "GetClusterPaymentOfPremium")
        assert premium["OrderType"] == "Dynamic"
        changed = call("UpdateSuperNodeGPU", **node, GPUMdevName=mdev, GPU=count)
        assert_ok(changed, "UpdateSuperNodeGPU")
        after = price(call, **cluster, **shape)
        assert premium["Price"] == pytest.approx(after - before, abs=1e-6), (mdev, count)
    # The last change removed every card: the node shows none.
    described = call("DescribeSuperNode", **cluster, NodeNames=[DEFAULT_NODE])
    assert described["Infos"][0]["GPUInfos"] == []


def test_it_prices_gpus_by_the_readme_table(local, clusters):
    cluster = {"Region": REGION, "ClusterID": clusters["gpu"], "SuperNode": DEFAULT_NODE}
    node = local.call("DescribeSuperNode", Region=REGION, ClusterID=clusters["gpu"])
    current = sum(
        GPU_CARD_HOUR[g["GPUMdevName"]] * g["GPU"]
        for n in node["Infos"]
        if n["NodeName"] == DEFAULT_NODE
        for g in n["GPUInfos"]
    )
    for mdev, card_hour in GPU_CARD_HOUR.items():
        premium = local.call("GetClusterPaymentOfPremium", **cluster, GPUMdevName=mdev, GPU=3)
        assert_ok(premium, "GetClusterPaymentOfPremium")
        assert premium["Price"] == pytest.approx(round(3 * card_hour - current, 2))


def test_it_charges_a_gpu_change_of_a_monthly_cluster_for_the_hours_left(local, clusters):
    info = local.describe(clusters["month"])
    assert info["ChargeType"] == "Month"
    assert info["ExpireTime"] == info["CreateTime"] + 720 * 3600
    cluster = {"Region": REGION, "ClusterID": clusters["month"], "SuperNode": DEFAULT_NODE}
    premium = local.call("GetClusterPaymentOfPremium", **cluster, GPUMdevName="nvidia-a10", GPU=2)
    assert_ok(premium, "GetClusterPaymentOfPremium")
    assert premium["OrderType"] == "Month"
    hours_left = (info["ExpireTime"] - time.time()) / 3600
    assert premium["Price"] == pytest.approx(2 * 3.5 * hours_left * 0.85, abs=0.1)
    none = local.call("GetClusterPaymentOfPremium", **cluster, GPUMdevName="nvidia-a10", GPU=0)
    assert none["RetCode"] == 0 and none["Price"] == 0


@pytest.mark.parametrize("drop", ["ClusterID", "SuperNode"])
def test_it_needs_a_cluster_and_a_node_to_price_a_change(call, clusters, drop):
    params = {
        "Region": REGION,
        "ClusterID": clusters["gpu"],
        "SuperNode": DEFAULT_NODE,
        "GPUMdevName": "nvidia-t4",
        "GPU": 1,
    }
    del params[drop]
    answer = call("GetClusterPaymentOfPremium", **params)
    assert_error(answer, actions.CHECK_FAILED, "GetClusterPaymentOfPremium")
