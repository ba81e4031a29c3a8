"""Response models decode the wire: types checked, absent or null fields defaulted; the
same from a decoded object (`from_wire`) and from the answer's bytes (`decode`)."""

import json

import pytest

from console.cloud.models import (
    ClusterInfo,
    DescribeClusterResponse,
    MalformedResponse,
    SuperNodeInfo,
)


@pytest.fixture(params=["from_wire", "decode"])
def build(request):
    if request.param == "from_wire":
        return lambda model, data: model.from_wire(data)
    return lambda model, data: model.decode(json.dumps(data).encode())


def cluster(**fields):
    return {"ClusterID": "uk8s-1", "Name": "one", **fields}


def test_it_decodes_nested_models_and_lists(build):
    answer = build(
        DescribeClusterResponse,
        {
            "TotalCount": 1,
            "Infos": [
                cluster(
                    Tags=[{"Key": "team", "Value": "a"}],
                    SubnetIDs=["subnet-1"],
                    Addresses=[{"Type": "Intranet", "Ip": "10.0.0.1", "Port": 6443}],
                    ControllerPlaneStatus={
                        "ETCD": {"Status": "Running", "Details": [{"PodName": "e", "Ready": True}]}
                    },
                )
            ],
        },
    )
    (info,) = answer.Infos
    assert info == ClusterInfo(**{**info.__dict__})
    assert info.Tags[0].Key == "team"
    assert info.SubnetIDs == ["subnet-1"]
    assert info.Addresses[0].Port == 6443
    assert info.ControllerPlaneStatus.ETCD.ready
    assert info.ControllerPlaneStatus.CSI is None


def test_it_defaults_absent_and_null_fields_with_fresh_lists(build):
    first = build(ClusterInfo, {"Name": None, "MaxCPU": None})
    second = build(ClusterInfo, {})
    assert first == ClusterInfo() == second
    first.Tags.append("x")
    assert second.Tags == [] and build(ClusterInfo, {}).Tags == []


def test_it_accepts_integral_floats_and_ints_for_floats(build):
    info = build(ClusterInfo, cluster(MaxCPU=8.0))
    node = build(SuperNodeInfo, {"UsedCPU": 2})
    assert info.MaxCPU == 8 and type(info.MaxCPU) is int
    assert node.UsedCPU == 2.0 and type(node.UsedCPU) is float


def test_it_copies_lists_rather_than_sharing_the_decoded_ones():
    subnets = ["subnet-1"]
    assert ClusterInfo.from_wire({"SubnetIDs": subnets}).SubnetIDs is not subnets


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "ClusterInfo must be an object, got list"),
        (cluster(Name=5), "Name must be a string"),
        (cluster(MaxCPU="8"), "MaxCPU must be an integer"),
        (cluster(MaxCPU=True), "MaxCPU must be an integer"),
        (cluster(MaxCPU=1.5), "MaxCPU must be an integer"),
        (cluster(Tags={}), "Tags must be an array"),
        (cluster(Tags=["team"]), "UnifiedTag must be an object, got str"),
        (cluster(SubnetIDs=["a", 1]), r"SubnetIDs\[1\] must be a string"),
        (cluster(Addresses=[{"Port": "x"}]), "Port must be an integer"),
        (cluster(ControllerPlaneStatus=[]), "ControllerPlaneStatus must be an object"),
        (
            cluster(ControllerPlaneStatus={"ETCD": {"Details": [{"Ready": "yes"}]}}),
            "Ready must be a boolean",
        ),
    ],
)
def test_it_refuses_a_wrong_type(build, data, message):
    with pytest.raises(MalformedResponse, match=message):
        build(ClusterInfo, data)


def test_it_refuses_a_wrong_float(build):
    with pytest.raises(MalformedResponse, match="UsedCPU must be a number"):
        build(SuperNodeInfo, {"UsedCPU": "2"})


def test_decoding_gives_the_garbage_collector_back_even_when_it_refuses():
    # decode() pauses Python's cyclic collector while it builds the models (they hold no
    # cycles); it must be on again afterwards, whatever the answer was.
    import gc

    assert gc.isenabled()
    DescribeClusterResponse.decode(json.dumps({"Infos": [cluster()]}).encode())
    assert gc.isenabled()
    with pytest.raises(MalformedResponse):
        DescribeClusterResponse.decode(b'{"Infos": [{"Name": 5}]}')
    assert gc.isenabled()
    gc.disable()  # a caller that turned it off keeps it off
    try:
        DescribeClusterResponse.decode(b'{"Infos": []}')
        assert not gc.isenabled()
    finally:
        gc.enable()
