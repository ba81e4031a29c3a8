"""Hostile values that once broke localcloud (found by this suite, since fixed): signs
and sizes of integers, arrays where one value belongs, and the GPU default."""

from __future__ import annotations

import pytest

from console.cloud import actions

from .conftest import REGION, assert_ok, create_params, unique

pytestmark = pytest.mark.contract


@pytest.mark.parametrize(
    ("name", "param"), [("DescribeCluster", "Limit"), ("GetClusterPrice", "CPU")]
)
def test_it_refuses_an_integer_with_two_minus_signs(call, name, param):
    params = {
        "Region": REGION,
        "ChargeType": "Dynamic",
        "ComputeclassType": "ComputeSetStandard",
        "StorageclassType": "StorageSetSSD",
    }
    answer = call(name, **params, **{param: "--1"})
    assert answer["RetCode"] == actions.BAD_FORMAT, answer


@pytest.mark.parametrize(
    ("name", "param", "value"),
    [
        ("DescribeCluster", "Offset", 2**64),
        ("DescribeSuperNode", "Offset", 2**64),
        ("CreateCluster", "Quantity", 2**63),
    ],
)
def test_it_refuses_an_integer_beyond_64_bits(endpoint, clusters, name, param, value):
    base = {
        "DescribeCluster": {"Region": REGION},
        "DescribeSuperNode": {"Region": REGION, "ClusterID": clusters["main"]},
        "CreateCluster": create_params(),
    }[name]
    answer = endpoint.call(name, **{**base, param: value})
    if answer["RetCode"] == 0 and name == "CreateCluster":
        endpoint.made.append((answer["ClusterID"], None))
    assert answer["RetCode"] in (actions.BAD_FORMAT, actions.CHECK_FAILED), answer


@pytest.mark.parametrize(
    "params",
    [{"Limit": [1]}, {"Limit": {"value": 1}}, {"ClusterIDs": [["uk8s-doesnotexist"]]}],
    ids=["array-for-integer", "object-for-integer", "array-in-string-array"],
)
def test_it_refuses_json_arrays_and_objects_where_a_scalar_belongs(endpoint, params):
    body = {"Action": "DescribeCluster", "Region": REGION, **params}
    signed = endpoint.sign(body)
    answer = endpoint.post(
        {**body, "PublicKey": signed["PublicKey"], "Signature": signed["Signature"]},
        as_json=True,
    )
    assert answer["RetCode"] == actions.BAD_FORMAT, answer


def test_it_quotes_the_premium_of_the_change_it_then_makes_when_gpu_is_left_out(call, clusters):
    cluster = {"Region": REGION, "ClusterID": clusters["main"]}
    node = unique("gpu-node")
    made = call("CreateSuperNode", **cluster, NodeName=node, ComputeclassType="ComputeSetStandard")
    assert_ok(made, "CreateSuperNode")
    two = call("UpdateSuperNodeGPU", **cluster, NodeName=node, GPUMdevName="nvidia-t4", GPU=2)
    assert_ok(two, "UpdateSuperNodeGPU")
    shape = {
        "ChargeType": "Dynamic",
        "ComputeclassType": "ComputeSetStandard",
        "StorageclassType": "StorageSetSSD",
    }
    before = call("GetClusterPrice", **cluster, **shape)["Infos"][0]["Price"]
    premium = call(
        "GetClusterPaymentOfPremium", **cluster, SuperNode=node, GPUMdevName="nvidia-a10"
    )
    assert_ok(premium, "GetClusterPaymentOfPremium")
    changed = call("UpdateSuperNodeGPU", **cluster, NodeName=node, GPUMdevName="nvidia-a10")
    assert_ok(changed, "UpdateSuperNodeGPU")
    after = call("GetClusterPrice", **cluster, **shape)["Infos"][0]["Price"]
    assert premium["Price"] == pytest.approx(after - before, abs=1e-6)
