"""Every one of the 18 actions over the wire: a good call, each required parameter
missing (RetCode 3 naming it), each integer or bool of the wrong type (RetCode 4), and an
unknown resource (RetCode 200)."""

from __future__ import annotations

import uuid

import pytest

from console.cloud import actions

from .conftest import REGION, create_params

pytestmark = pytest.mark.contract

UNKNOWN_CLUSTER = "uk8s-doesnotexist"


def good_params(name: str, clusters: dict, pod: dict) -> dict:
    """A valid call of each action, on resources the suite made (or the seeded pod)."""
    changed = {"Region": REGION, "ClusterID": clusters["changed"]}
    default_node = {**changed, "NodeName": "super-node-default"}
    in_pod = {"Region": REGION, "ClusterID": pod["ClusterID"]}
    return {
        "ForwardCluster": {**in_pod, "Method": "GET", "Path": "/api/v1/namespaces"},
        "AllocateK8SSession": {
            **in_pod,
            "NameSpace": pod["Namespace"],
            "PodName": pod["Pod"],
            "ContainerName": pod["Container"],
        },
        "AllocateK8STerminal": changed,
        "GetClusterPrice": {
            "Region": REGION,
            "ChargeType": "Month",
            "Quantity": 2,
            "ComputeclassType": "ComputeSetStandard",
            "StorageclassType": "StorageSetSSD",
            "CPU": 4,
            "Memory": 8,
        },
        "CreateCluster": create_params(),
        "DescribeCluster": {"Region": REGION, "Limit": 5, "Offset": 0},
        "UpdateCluster": {**changed, "SubnetIDs": ["subnet-a", "subnet-b"]},
        "AttachClusterEIP": {**changed, "EIPID": "eip-contract"},
        "DetachClusterEIP": changed,
        "UpdateClusterCapacity": {
            **changed,
            "MaxCPU": 80,
            "MaxMemory": 300,
            "MaxPods": 300,
            "MaxStorage": 2048,
            "MaxStorageAllocation": "Shared",
        },
        "DeleteCluster": {"Region": REGION, "ClusterID": clusters["doomed"]},
        "CreateSuperNode": {
            **changed,
            "NodeName": f"node-{uuid.uuid4().hex[:6]}",
            "ComputeclassType": "ComputeSetStandard",
            "MaxCPU": 8,
            "MaxMemory": 16,
            "MaxPods": 50,
        },
        "DescribeSuperNode": {**changed, "Limit": 10, "Offset": 0},
        "UpdateSuperNode": {**default_node, "MaxPods": 100},
        "DeleteSuperNode": {**changed, "NodeName": "to-delete"},
        "GetContainerLogs": {
            **in_pod,
            "Namespace": pod["Namespace"],
            "Pod": pod["Pod"],
            "Container": pod["Container"],
            "LineLimit": 10,
        },
        "UpdateSuperNodeGPU": {**default_node, "GPUMdevName": "nvidia-t4", "GPU": 1},
        "GetClusterPaymentOfPremium": {
            **changed,
            "SuperNode": "super-node-default",
            "GPUMdevName": "nvidia-t4",
            "GPU": 2,
        },
    }[name]


def prepare(call, name: str, params: dict) -> None:
    """What a good call needs to be possible: an EIP to detach, a node to delete."""
    if name == "AttachClusterEIP":
        call("DetachClusterEIP", Region=REGION, ClusterID=params["ClusterID"])
    elif name == "DetachClusterEIP":
        call("AttachClusterEIP", Region=REGION, ClusterID=params["ClusterID"], EIPID="eip-x")
    elif name == "DeleteSuperNode":
        answer = call(
            "CreateSuperNode",
            Region=REGION,
            ClusterID=params["ClusterID"],
            NodeName=params["NodeName"],
            ComputeclassType="ComputeSetStandard",
        )
        assert answer["RetCode"] == 0, answer


@pytest.mark.parametrize("name", sorted(actions.ACTIONS))
def test_it_answers_a_good_call(call, clusters, pod, name):
    params = good_params(name, clusters, pod)
    prepare(call, name, params)
    answer = call(name, **params)
    assert answer["RetCode"] == 0, answer
    assert answer["Action"] == f"{name}Response"
    model = actions.ACTIONS[name].response.from_wire(answer)
    for field in model.__dataclass_fields__:
        assert field in answer, f"{name} answer lacks {field}"


REQUIRED = [
    (name, p.name)
    for name, spec in sorted(actions.ACTIONS.items())
    for p in spec.params
    if p.required
]


@pytest.mark.parametrize(("name", "param"), REQUIRED, ids=[f"{a}-{p}" for a, p in REQUIRED])
def test_it_names_a_missing_required_parameter(call, clusters, pod, name, param):
    params = good_params(name, clusters, pod)
    del params[param]
    answer = call(name, **params)
    assert answer["RetCode"] == actions.MISSING_PARAM, answer
    assert param in answer["Message"]


TYPED = [
    (name, p.name)
    for name, spec in sorted(actions.ACTIONS.items())
    for p in spec.params
    if p.type in (actions.INTEGER, actions.BOOL) and p.name != "CompanyID"
]


@pytest.mark.parametrize(("name", "param"), TYPED, ids=[f"{a}-{p}" for a, p in TYPED])
def test_it_refuses_a_parameter_of_the_wrong_type(call, clusters, pod, name, param):
    params = {**good_params(name, clusters, pod), param: "not-a-number"}
    answer = call(name, **params)
    assert answer["RetCode"] == actions.BAD_FORMAT, answer
    assert param in answer["Message"]


def test_it_refuses_a_company_id_that_is_not_an_integer(call):
    answer = call("DescribeCluster", Region=REGION, CompanyID="acme")
    assert answer["RetCode"] == actions.BAD_FORMAT


def unknown_variants(clusters: dict, pod: dict) -> dict[str, dict]:
    """For each action, a call naming something that does not exist."""
    out = {}
    for name, spec in actions.ACTIONS.items():
        params = good_params(name, clusters, pod)
        if spec.param("ClusterID") is not None:
            params["ClusterID"] = UNKNOWN_CLUSTER
        out[name] = params
    out["CreateCluster"]["ProjectID"] = "org-doesnotexist"
    out["DescribeCluster"]["ClusterIDs"] = [UNKNOWN_CLUSTER]
    return out


SAME_CLUSTER_UNKNOWN_THING = {
    "AllocateK8SSession": {"PodName": "no-such-pod"},
    "GetContainerLogs": {"Pod": "no-such-pod"},
    "DescribeSuperNode": {"NodeNames": ["no-such-node"]},
    "UpdateSuperNode": {"NodeName": "no-such-node"},
    "DeleteSuperNode": {"NodeName": "no-such-node"},
    "UpdateSuperNodeGPU": {"NodeName": "no-such-node"},
    "GetClusterPaymentOfPremium": {"SuperNode": "no-such-node"},
    "GetClusterPrice": {"ComputeclassType": "ComputeSetNoSuchThing"},
}


@pytest.mark.parametrize("name", sorted(actions.ACTIONS))
def test_it_answers_200_for_an_unknown_resource(call, clusters, pod, name):
    answer = call(name, **unknown_variants(clusters, pod)[name])
    assert answer["RetCode"] == actions.NOT_FOUND, answer


@pytest.mark.parametrize("name", sorted(SAME_CLUSTER_UNKNOWN_THING))
def test_it_answers_200_for_an_unknown_thing_in_a_real_cluster(call, clusters, pod, name):
    params = {**good_params(name, clusters, pod), **SAME_CLUSTER_UNKNOWN_THING[name]}
    answer = call(name, **params)
    assert answer["RetCode"] == actions.NOT_FOUND, answer
