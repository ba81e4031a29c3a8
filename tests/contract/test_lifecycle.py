"""State over time: Creating → Running with the control plane turning ready, Deleting →
gone; actions refused in the wrong state; quota and balance."""

from __future__ import annotations

import time

import pytest

from console.cloud import actions
from console.cloud.models import CONTROL_PLANE_COMPONENTS

from .conftest import (
    DEFAULT_NODE,
    GLOBEX,
    OTHER_REGION,
    REGION,
    assert_error,
    assert_ok,
    unique,
)

pytestmark = pytest.mark.contract


def ready_components(info: dict) -> list[str]:
    status = info["ControllerPlaneStatus"]
    assert list(status) == list(CONTROL_PLANE_COMPONENTS)
    for part in status.values():
        assert part["Status"] == (
            "Ready" if all(d["Ready"] for d in part["Details"]) else "NotReady"
        )
    return [name for name, part in status.items() if part["Status"] == "Ready"]


def default_node_status(call, cluster_id: str) -> str:
    nodes = call("DescribeSuperNode", Region=REGION, ClusterID=cluster_id)
    assert_ok(nodes, "DescribeSuperNode")
    assert [(n["NodeName"], n["IsDefault"]) for n in nodes["Infos"]] == [(DEFAULT_NODE, True)]
    return nodes["Infos"][0]["Status"]


def test_it_creates_through_creating_with_the_control_plane_turning_ready(endpoint, call):
    created = endpoint.create()
    assert_ok(created, "CreateCluster")
    cluster_id = created["ClusterID"]
    first = endpoint.describe(cluster_id)
    assert (first["Status"], first["State"]) == ("Creating", "Provisioning")
    assert ready_components(first) != list(CONTROL_PLANE_COMPONENTS)
    assert default_node_status(call, cluster_id) == "Creating"
    cluster = {"Region": REGION, "ClusterID": cluster_id}
    for action, extra in [
        ("DeleteCluster", {}),
        ("AllocateK8STerminal", {}),
        ("ForwardCluster", {"Path": "/version"}),
        ("UpdateCluster", {"SubnetIDs": ["subnet-x"]}),
        ("CreateSuperNode", {"NodeName": "early", "ComputeclassType": "ComputeSetStandard"}),
        ("UpdateSuperNode", {"NodeName": DEFAULT_NODE, "MaxPods": 50}),
    ]:
        assert_error(call(action, **cluster, **extra), actions.WRONG_STATE, action)

    seen: list[int] = []
    deadline = time.monotonic() + 30
    while True:
        info = endpoint.describe(cluster_id)
        ready = ready_components(info)
        # Components turn ready one after another, in the spec's order, never back.
        assert ready == list(CONTROL_PLANE_COMPONENTS[: len(ready)])
        assert not seen or len(ready) >= seen[-1]
        seen.append(len(ready))
        if info["Status"] == "Running":
            break
        assert info["Status"] == "Creating"
        assert time.monotonic() < deadline, f"{cluster_id} is still Creating"
        time.sleep(0.1)
    assert info["State"] == "Ready" and len(ready) == len(CONTROL_PLANE_COMPONENTS)
    assert any(0 < n < len(CONTROL_PLANE_COMPONENTS) for n in seen), seen
    assert info["UpdateTime"] >= info["CreateTime"]
    assert default_node_status(call, cluster_id) == "Ready"
    assert_ok(call("AllocateK8STerminal", **cluster), "AllocateK8STerminal")


def test_it_deletes_through_deleting_and_then_forgets(endpoint, call):
    created = endpoint.create()
    assert_ok(created, "CreateCluster")
    cluster = {"Region": REGION, "ClusterID": created["ClusterID"]}
    endpoint.wait_for([created["ClusterID"]], "Running")
    assert_ok(call("DeleteCluster", **cluster), "DeleteCluster")
    info = endpoint.describe(created["ClusterID"])
    assert (info["Status"], info["State"]) == ("Deleting", "Terminating")
    assert ready_components(info) == []
    assert {d["Reason"] for p in info["ControllerPlaneStatus"].values() for d in p["Details"]} == {
        "Terminating"
    }
    assert default_node_status(call, created["ClusterID"]) == "Deleting"
    # A second delete, and anything else that needs a live cluster: wrong state.
    assert_error(call("DeleteCluster", **cluster), actions.WRONG_STATE, "DeleteCluster")
    assert_error(call("AllocateK8STerminal", **cluster), actions.WRONG_STATE)
    assert_error(call("AttachClusterEIP", **cluster, EIPID="eip-late"), actions.WRONG_STATE)
    deadline = time.monotonic() + 30
    while True:
        answer = call("DescribeCluster", Region=REGION, ClusterIDs=[created["ClusterID"]])
        if answer["RetCode"] == actions.NOT_FOUND:
            break
        assert_ok(answer, "DescribeCluster")
        assert answer["Infos"][0]["Status"] == "Deleting"
        assert time.monotonic() < deadline, "the cluster was not removed"
        time.sleep(0.2)
    assert_error(call("DeleteCluster", **cluster), actions.NOT_FOUND, "DeleteCluster")
    assert_error(call("DescribeSuperNode", **cluster), actions.NOT_FOUND)


def test_it_refuses_a_conflict_with_the_clusters_own_settings(call, clusters):
    cluster = {"Region": REGION, "ClusterID": clusters["gpu"]}
    call("DetachClusterEIP", **cluster)  # whatever an earlier test left
    assert_ok(call("AttachClusterEIP", **cluster, EIPID=unique("eip")), "AttachClusterEIP")
    second = call("AttachClusterEIP", **cluster, EIPID=unique("eip"))
    assert_error(second, actions.WRONG_STATE_OTHER, "AttachClusterEIP")
    assert_ok(call("DetachClusterEIP", **cluster), "DetachClusterEIP")
    again = call("DetachClusterEIP", **cluster)
    assert_error(again, actions.WRONG_STATE_OTHER, "DetachClusterEIP")
    default = call("DeleteSuperNode", **cluster, NodeName=DEFAULT_NODE)
    assert_error(default, actions.WRONG_STATE_OTHER, "DeleteSuperNode")


def test_it_allows_reads_but_not_changes_of_an_abnormal_cluster(local):
    listed = local.call("DescribeCluster", Region=REGION, Keyword="legacy-batch")
    (info,) = listed["Infos"]
    assert (info["Status"], info["State"]) == ("Abnormal", "Degraded")
    assert info["Reason"] and "KubeScheduler" not in ready_components(info)
    cluster = {"Region": REGION, "ClusterID": info["ClusterID"]}
    assert_ok(local.call("AllocateK8STerminal", **cluster), "AllocateK8STerminal")
    changed = local.call("UpdateCluster", **cluster, SubnetIDs=["subnet-x"])
    assert_error(changed, actions.WRONG_STATE, "UpdateCluster")


def _active(endpoint, key) -> int:
    count = 0
    for region in (REGION, OTHER_REGION):
        answer = endpoint.call("DescribeCluster", key=key, Region=region, Limit=1000)
        assert_ok(answer, "DescribeCluster")
        count += sum(c["Status"] != "Deleting" for c in answer["Infos"])
    return count


def test_it_refuses_a_cluster_beyond_the_quota(local):
    # Globex: no other test creates clusters for it. 50 clusters per tenant.
    made, answer = [], {}
    for _ in range(60):
        answer = local.create(key=local.tenant_keys[GLOBEX])
        if answer["RetCode"] != 0:
            break
        made.append(answer["ClusterID"])
    assert_error(answer, actions.QUOTA_EXCEEDED, "CreateCluster")
    assert made and _active(local, local.tenant_keys[GLOBEX]) == 50
    # A cluster being deleted no longer counts (it can be deleted once Running).
    deleted = {}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        deleted = local.call(
            "DeleteCluster", key=local.tenant_keys[GLOBEX], Region=REGION, ClusterID=made[0]
        )
        if deleted["RetCode"] != actions.WRONG_STATE:
            break
        time.sleep(0.2)
    assert_ok(deleted, "DeleteCluster")
    assert_ok(local.create(key=local.tenant_keys[GLOBEX]), "CreateCluster")
    assert_error(
        local.create(key=local.tenant_keys[GLOBEX]), actions.QUOTA_EXCEEDED, "CreateCluster"
    )


def test_it_refuses_a_purchase_beyond_the_balance(local):
    # The dearest cluster that can be bought: Year x 5, high availability, HighPerf.
    dear = {
        "ChargeType": "Year",
        "Quantity": 5,
        "HighAvailability": "true",
        "ComputeclassType": "ComputeSetHighPerf",
        "StorageclassType": "StorageSetSSD",
    }
    price = local.call("GetClusterPrice", Region=REGION, **dear)
    assert_ok(price, "GetClusterPrice")
    word = unique("dear")
    answers = []
    for i in range(4):  # 100,000 of balance buys one at most
        answers.append(local.create(Name=f"{word}-{i}", **dear))
        if answers[-1]["RetCode"] != 0:
            break
    assert_error(answers[-1], actions.BALANCE_INSUFFICIENT, "CreateCluster")
    bought = [a["ClusterID"] for a in answers if a["RetCode"] == 0]
    assert 0 < len(bought) * price["Infos"][0]["Price"] <= 100_000
    listed = local.call("DescribeCluster", Region=REGION, Keyword=word)
    assert sorted(c["ClusterID"] for c in listed["Infos"]) == sorted(bought)
    info = listed["Infos"][0]
    assert info["ExpireTime"] == info["CreateTime"] + 5 * 8760 * 3600
    # Pay-as-you-go needs no balance.
    assert_ok(local.create(), "CreateCluster")
