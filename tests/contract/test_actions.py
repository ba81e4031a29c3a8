"""Every one of the 18 actions over the wire: a good call (fields of the spec with their
JSON types, and the effect seen again), each required parameter missing (RetCode 3
naming it), each integer or bool of the wrong type (RetCode 4 naming it), and an
unknown resource (RetCode 200)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from console.cloud import actions

from .conftest import (
    DEFAULT_NODE,
    REGION,
    UNKNOWN_CLUSTER,
    PodRef,
    assert_error,
    assert_ok,
    create_params,
    tag,
    unique,
)

pytestmark = pytest.mark.contract

# A stand-in when the endpoint has no pod: only for calls refused before any lookup.
PLACEHOLDER_POD = PodRef(UNKNOWN_CLUSTER, "default", "some-pod", "some-container")


def good_params(name: str, clusters: dict[str, str], pod: PodRef | None) -> dict:
    """A valid call of each action, on resources the suite made (or a seeded pod)."""
    pod = pod or PLACEHOLDER_POD
    main = {"Region": REGION, "ClusterID": clusters["main"]}
    default_node = {**main, "NodeName": DEFAULT_NODE}
    in_pod = {"Region": REGION, "ClusterID": pod.ClusterID}
    return {
        "ForwardCluster": {**main, "Method": "GET", "Path": "/api/v1/namespaces"},
        "AllocateK8SSession": {
            **in_pod,
            "NameSpace": pod.Namespace,
            "PodName": pod.Pod,
            "ContainerName": pod.Container,
        },
        "AllocateK8STerminal": main,
        "GetClusterPrice": {
            "Region": REGION,
            "ChargeType": "Month",
            "Quantity": 2,
            "ComputeclassType": "ComputeSetStandard",
            "StorageclassType": "StorageSetSSD",
            "CPU": 4,
            "Memory": 8,
        },
        "CreateCluster": create_params(
            Remark="made by the good call",
            TagKeyValuePairs=[tag("团队", "平台 ops"), tag("env", "contract")],
        ),
        "DescribeCluster": {"Region": REGION, "Limit": 5, "Offset": 0},
        "UpdateCluster": {**main, "SubnetIDs": [unique("subnet-a"), unique("subnet-b")]},
        "AttachClusterEIP": {**main, "EIPID": unique("eip")},
        "DetachClusterEIP": main,
        "UpdateClusterCapacity": {
            **main,
            "MaxCPU": 80,
            "MaxMemory": 320,
            "MaxPods": 300,
            "MaxStorage": 2048,
            "MaxStorageAllocation": "Dedicated",
        },
        "DeleteCluster": {"Region": REGION, "ClusterID": clusters["doomed"]},
        "CreateSuperNode": {
            **main,
            "NodeName": unique("node"),
            "ComputeclassType": "ComputeSetHighPerf",
            "StorageclassType": "StorageSetHDD",
            "MaxCPU": 8,
            "MaxMemory": 16,
            "MaxPods": 50,
        },
        "DescribeSuperNode": {**main, "Limit": 10, "Offset": 0},
        "UpdateSuperNode": {**default_node, "MaxCPU": 12, "MaxMemory": 48, "MaxPods": 101},
        "DeleteSuperNode": {**main, "NodeName": unique("doomed-node")},
        "GetContainerLogs": {
            **in_pod,
            "Namespace": pod.Namespace,
            "Pod": pod.Pod,
            "Container": pod.Container,
            "LineLimit": 10,
        },
        "UpdateSuperNodeGPU": {**default_node, "GPUMdevName": "nvidia-t4", "GPU": 3},
        "GetClusterPaymentOfPremium": {
            **main,
            "SuperNode": DEFAULT_NODE,
            "GPUMdevName": "nvidia-a10",
            "GPU": 2,
        },
    }[name]


def _prepare(endpoint, name: str, params: dict) -> None:
    """What a good call needs beforehand: an EIP to detach, a node to delete."""
    cluster = {"Region": REGION, "ClusterID": params.get("ClusterID")}
    if name == "AttachClusterEIP":
        endpoint.call("DetachClusterEIP", **cluster)  # 0, or 202 when there is none
    elif name == "DetachClusterEIP":
        endpoint.call("AttachClusterEIP", **cluster, EIPID=unique("eip"))  # 0 or 202
    elif name == "DeleteSuperNode":
        made = endpoint.call(
            "CreateSuperNode",
            **cluster,
            NodeName=params["NodeName"],
            ComputeclassType="ComputeSetStandard",
        )
        assert made["RetCode"] == 0, made


def _node(endpoint, params: dict) -> dict:
    answer = endpoint.call(
        "DescribeSuperNode",
        Region=REGION,
        ClusterID=params["ClusterID"],
        NodeNames=[params["NodeName"]],
    )
    assert answer["RetCode"] == 0 and answer["TotalCount"] == 1, answer
    return answer["Infos"][0]


# What each good call must have done or said, beyond the shape of its answer.
Check = Callable[[object, dict, dict], None]


def _forwarded(endpoint, params, answer):
    assert answer["Info"]["ResponseCode"] == 200
    body = json.loads(answer["Info"]["ResponseBody"])
    assert body["kind"] == "NamespaceList"
    assert {"default", "kube-system"} <= {n["metadata"]["name"] for n in body["items"]}


def _session(endpoint, params, answer):
    assert len(answer["SessionID"]) >= 16
    again = endpoint.call("AllocateK8STerminal", Region=REGION, ClusterID=params["ClusterID"])
    assert again["RetCode"] == 0 and again["SessionID"] != answer["SessionID"]


def _priced(endpoint, params, answer):
    assert len(answer["Infos"]) == 1
    assert answer["Infos"][0]["ChargeType"] == "Month"
    assert answer["Infos"][0]["Price"] > 0


def _created(endpoint, params, answer):
    cluster_id = answer["ClusterID"]
    endpoint.made.append((cluster_id, None))
    assert cluster_id.startswith("uk8s-")
    info = endpoint.describe(cluster_id)
    assert info["Name"] == params["Name"]
    assert info["Remark"] == params["Remark"]
    assert info["Status"] == "Creating"
    assert info["Tags"] == [
        {"Key": "团队", "Value": "平台 ops"},
        {"Key": "env", "Value": "contract"},
    ]
    assert info["VpcID"] == params["VpcID"]
    assert info["SubnetIDs"] == [params["SubnetID"]]
    assert info["K8SVersion"] == params["K8SVersion"]
    assert info["ChargeType"] == "Dynamic" and info["ExpireTime"] == 0
    assert info["ComputeclassType"] == "ComputeSetStandard"
    assert info["StorageclassType"] == "StorageSetSSD"


def _described(endpoint, params, answer):
    assert 1 <= len(answer["Infos"]) <= 5
    assert answer["TotalCount"] >= len(answer["Infos"])
    assert all(c["Region"] == REGION for c in answer["Infos"])
    created = [c["CreateTime"] for c in answer["Infos"]]
    assert created == sorted(created, reverse=True)  # newest first


def _subnets(endpoint, params, answer):
    info = endpoint.describe(params["ClusterID"])
    assert info["SubnetIDs"] == params["SubnetIDs"]
    assert len(info["SubnetNames"]) == 2


def _attached(endpoint, params, answer):
    info = endpoint.describe(params["ClusterID"])
    assert info["APIServerEIPID"] == params["EIPID"]
    assert "public" in {a["Type"] for a in info["Addresses"]}
    assert info["KubeconfigWan"]


def _detached(endpoint, params, answer):
    info = endpoint.describe(params["ClusterID"])
    assert info["APIServerEIPID"] == ""
    assert "public" not in {a["Type"] for a in info["Addresses"]}


def _capacity(endpoint, params, answer):
    info = endpoint.describe(params["ClusterID"])
    assert (info["MaxCPU"], info["MaxMemory"], info["MaxPods"], info["MaxStorage"]) == (
        80,
        320,
        300,
        2048,
    )
    # Sic: the spec's ClusterInfo spells it MaxStoragAllocation.
    assert info["MaxStoragAllocation"] == "Dedicated"


def _deleting(endpoint, params, answer):
    assert endpoint.describe(params["ClusterID"])["Status"] == "Deleting"


def _node_created(endpoint, params, answer):
    assert answer["NodeName"] == params["NodeName"]
    node = _node(endpoint, params)
    assert (node["MaxCPU"], node["MaxMemory"], node["MaxPods"]) == (8, 16, 50)
    assert node["ComputeclassType"] == "ComputeSetHighPerf"
    assert node["StorageclassType"] == "StorageSetHDD"
    assert node["IsDefault"] is False


def _nodes(endpoint, params, answer):
    assert answer["TotalCount"] >= 1
    first = answer["Infos"][0]
    assert (first["NodeName"], first["IsDefault"]) == (DEFAULT_NODE, True)
    assert first["ClusterID"] == params["ClusterID"]


def _node_updated(endpoint, params, answer):
    node = _node(endpoint, params)
    assert (node["MaxCPU"], node["MaxMemory"], node["MaxPods"]) == (12, 48, 101)


def _node_deleted(endpoint, params, answer):
    gone = endpoint.call(
        "DescribeSuperNode",
        Region=REGION,
        ClusterID=params["ClusterID"],
        NodeNames=[params["NodeName"]],
    )
    assert gone["RetCode"] == actions.NOT_FOUND, gone


def _logs(endpoint, params, answer):
    assert 1 <= len(answer["Infos"]) <= 10
    assert answer["TotalCount"] >= len(answer["Infos"])
    times = [line["Time"] for line in answer["Infos"]]
    assert times == sorted(times)
    assert times[-1] > 1_000_000_000_000_000_000  # unix nanoseconds


def _gpu(endpoint, params, answer):
    assert _node(endpoint, params)["GPUInfos"] == [{"GPUMdevName": "nvidia-t4", "GPU": 3}]


def _premium(endpoint, params, answer):
    assert answer["OrderType"] == "Dynamic"  # the cluster's ChargeType


CHECKS: dict[str, Check] = {
    "ForwardCluster": _forwarded,
    "AllocateK8SSession": _session,
    "AllocateK8STerminal": _session,
    "GetClusterPrice": _priced,
    "CreateCluster": _created,
    "DescribeCluster": _described,
    "UpdateCluster": _subnets,
    "AttachClusterEIP": _attached,
    "DetachClusterEIP": _detached,
    "UpdateClusterCapacity": _capacity,
    "DeleteCluster": _deleting,
    "CreateSuperNode": _node_created,
    "DescribeSuperNode": _nodes,
    "UpdateSuperNode": _node_updated,
    "DeleteSuperNode": _node_deleted,
    "GetContainerLogs": _logs,
    "UpdateSuperNodeGPU": _gpu,
    "GetClusterPaymentOfPremium": _premium,
}
NEEDS_POD = {"AllocateK8SSession", "GetContainerLogs"}


def test_it_has_a_check_for_every_action():
    assert set(CHECKS) == set(actions.ACTIONS)


@pytest.mark.parametrize("name", sorted(actions.ACTIONS))
def test_it_answers_a_good_call_with_the_fields_of_the_spec(endpoint, clusters, found_pod, name):
    if name in NEEDS_POD and found_pod is None:
        pytest.skip(f"no Running cluster with pods in {REGION} at this endpoint")
    params = good_params(name, clusters, found_pod)
    _prepare(endpoint, name, params)
    answer = endpoint.call(name, **params)
    assert_ok(answer, name)
    CHECKS[name](endpoint, params, answer)


REQUIRED = [
    (name, p.name)
    for name, spec in sorted(actions.ACTIONS.items())
    for p in spec.params
    if p.required
]


@pytest.mark.parametrize(("name", "param"), REQUIRED, ids=[f"{a}-{p}" for a, p in REQUIRED])
def test_it_names_a_missing_required_parameter(call, clusters, found_pod, name, param):
    params = good_params(name, clusters, found_pod)
    del params[param]
    answer = call(name, **params)
    assert_error(answer, actions.MISSING_PARAM, name)
    assert param in answer["Message"]


REQUIRED_SCALARS = [
    (name, param)
    for name, param in REQUIRED
    if actions.ACTIONS[name].param(param).type != actions.STRING_ARRAY
]


@pytest.mark.parametrize(
    ("name", "param"), REQUIRED_SCALARS, ids=[f"{a}-{p}" for a, p in REQUIRED_SCALARS]
)
def test_it_takes_an_empty_required_parameter_for_a_missing_one(
    call, clusters, found_pod, name, param
):
    answer = call(name, **{**good_params(name, clusters, found_pod), param: ""})
    assert_error(answer, actions.MISSING_PARAM, name)
    assert param in answer["Message"]


def test_it_checks_every_action_for_all_its_required_parameters():
    # The spec's count: a parameter dropped from the table would go untested.
    assert len(REQUIRED) == 56


TYPED = [
    (name, p.name, p.type)
    for name, spec in sorted(actions.ACTIONS.items())
    for p in spec.params
    if p.type in (actions.INTEGER, actions.BOOL)
]
WRONG = {actions.INTEGER: ["abc", "1.5"], actions.BOOL: ["abc", "yes"]}
WRONG_TYPED = [(name, param, bad) for name, param, type_ in TYPED for bad in WRONG[type_]]


@pytest.mark.parametrize(
    ("name", "param", "bad"), WRONG_TYPED, ids=[f"{a}-{p}-{b}" for a, p, b in WRONG_TYPED]
)
def test_it_refuses_an_integer_or_bool_of_the_wrong_type(
    call, clusters, found_pod, name, param, bad
):
    answer = call(name, **{**good_params(name, clusters, found_pod), param: bad})
    assert_error(answer, actions.BAD_FORMAT, name)
    assert param in answer["Message"]


def test_it_covers_every_action_with_an_integer_or_bool_parameter():
    # Every action has CompanyID; those with more have each of them tested too.
    assert {name for name, _, _ in TYPED} == set(actions.ACTIONS)
    assert len(TYPED) == 18 + 25


def _unknown(name: str, clusters: dict, pod: PodRef | None) -> dict:
    """A good call naming a cluster (or project) that does not exist."""
    params = good_params(name, clusters, pod)
    if actions.ACTIONS[name].param("ClusterID") is not None:
        params["ClusterID"] = UNKNOWN_CLUSTER
    if name == "CreateCluster":
        params["ProjectID"] = "org-doesnotexist"
    if name == "DescribeCluster":
        params["ClusterIDs"] = [UNKNOWN_CLUSTER]
    return params


@pytest.mark.parametrize("name", sorted(actions.ACTIONS))
def test_it_answers_200_for_an_unknown_cluster(call, clusters, found_pod, name):
    answer = call(name, **_unknown(name, clusters, found_pod))
    assert_error(answer, actions.NOT_FOUND, name)


# Something that does not exist inside a real cluster (pods: the seeded cluster's).
UNKNOWN_INSIDE = [
    ("AllocateK8SSession", {"PodName": "no-such-pod"}),
    ("AllocateK8SSession", {"NameSpace": "no-such-namespace"}),
    ("AllocateK8SSession", {"ContainerName": "no-such-container"}),
    ("GetContainerLogs", {"Pod": "no-such-pod"}),
    ("GetContainerLogs", {"Namespace": "no-such-namespace"}),
    ("GetContainerLogs", {"Container": "no-such-container"}),
    ("DescribeSuperNode", {"NodeNames": ["no-such-node"]}),
    ("DescribeSuperNode", {"NodeNames": [DEFAULT_NODE, "no-such-node"]}),
    ("UpdateSuperNode", {"NodeName": "no-such-node"}),
    ("DeleteSuperNode", {"NodeName": "no-such-node"}),
    ("UpdateSuperNodeGPU", {"NodeName": "no-such-node"}),
    ("UpdateSuperNodeGPU", {"GPUMdevName": "nvidia-no-such-card"}),
    ("GetClusterPaymentOfPremium", {"SuperNode": "no-such-node"}),
    ("GetClusterPaymentOfPremium", {"GPUMdevName": "nvidia-no-such-card"}),
    ("GetClusterPrice", {"ComputeclassType": "ComputeSetNoSuchThing"}),
    ("GetClusterPrice", {"StorageclassType": "StorageSetNoSuchThing"}),
    ("CreateCluster", {"ComputeclassType": "ComputeSetNoSuchThing"}),
    ("CreateCluster", {"StorageclassType": "StorageSetNoSuchThing"}),
    ("CreateSuperNode", {"ComputeclassType": "ComputeSetNoSuchThing"}),
    ("DescribeCluster", {"ProjectIDs": ["org-doesnotexist"]}),
    ("DescribeCluster", {"ClusterIDs": [UNKNOWN_CLUSTER, "placeholder-main"]}),
]


@pytest.mark.parametrize(
    ("name", "change"),
    UNKNOWN_INSIDE,
    ids=[f"{n}-{'-'.join(c)}-{i}" for i, (n, c) in enumerate(UNKNOWN_INSIDE)],
)
def test_it_answers_200_for_an_unknown_thing_in_a_real_cluster(
    call, clusters, found_pod, name, change
):
    if name in NEEDS_POD and found_pod is None:
        pytest.skip(f"no Running cluster with pods in {REGION} at this endpoint")
    change = {
        k: [clusters["main"] if x == "placeholder-main" else x for x in v]
        if isinstance(v, list)
        else v
        for k, v in change.items()
    }
    answer = call(name, **{**good_params(name, clusters, found_pod), **change})
    assert_error(answer, actions.NOT_FOUND, name)


def test_it_answers_200_for_a_cluster_of_another_region(local, clusters):
    # The region is part of a cluster's address: cn-sh2 does not know a cn-bj2 cluster.
    for name in ("DescribeSuperNode", "AllocateK8STerminal", "ForwardCluster"):
        answer = local.call(name, Region="cn-sh2", ClusterID=clusters["main"])
        assert_error(answer, actions.NOT_FOUND, name)
    listed = local.call("DescribeCluster", Region="cn-sh2", Limit=1000)
    assert listed["RetCode"] == 0
    assert {c["Region"] for c in listed["Infos"]} == {"cn-sh2"}
    assert clusters["main"] not in {c["ClusterID"] for c in listed["Infos"]}


def test_it_answers_a_kubernetes_404_inside_retcode_0(call, clusters):
    answer = call(
        "ForwardCluster", Region=REGION, ClusterID=clusters["main"], Path="/api/v1/nothing-here"
    )
    assert_ok(answer, "ForwardCluster")
    assert answer["Info"]["ResponseCode"] == 404
    assert json.loads(answer["Info"]["ResponseBody"])["kind"] == "Status"
