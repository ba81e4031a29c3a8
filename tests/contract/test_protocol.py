"""The protocol around the actions: encodings, authentication, tenants, filters, state
over time, prices that agree, log search semantics, sessions."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

import httpx
import pytest
import websockets
from websockets.asyncio.client import connect

from console.cloud import actions
from console.cloud.signing import flatten, signature

from .conftest import REGION, create_params, new_running_clusters, wait_for

pytestmark = pytest.mark.contract

ACME_KEY = ("acme-tenant-key", "acme-tenant-secret")
GLOBEX_KEY = ("globex-tenant-key", "globex-tenant-secret")


@pytest.fixture
def local(endpoint):
    if not endpoint.local:
        pytest.skip("needs localcloud's seeded keys and tenants")
    return endpoint


def signed(endpoint, params: dict) -> dict:
    body = flatten({**params, "PublicKey": endpoint.public_key})
    body["Signature"] = signature(body, endpoint.private_key)
    return body


# Encodings ------------------------------------------------------------------


def test_it_answers_form_json_flattened_json_and_query_alike(endpoint, clusters):
    params = {"Action": "DescribeCluster", "Region": REGION, "ClusterIDs": [clusters["changed"]]}
    body = signed(endpoint, params)
    native = {
        **{k: v for k, v in body.items() if not k.startswith("ClusterIDs.")},
        "ClusterIDs": [clusters["changed"]],
        "Limit": 20,
    }
    native["Signature"] = signature(
        {k: v for k, v in native.items() if k != "Signature"}, endpoint.private_key
    )
    answers = [
        httpx.post(f"{endpoint.url}/api", data=body).json(),
        httpx.post(f"{endpoint.url}/api", json=body).json(),
        httpx.post(f"{endpoint.url}/api", json=native).json(),
        httpx.get(f"{endpoint.url}/api", params=body).json(),
    ]
    for answer in answers:
        assert answer["RetCode"] == 0, answer
        assert [c["ClusterID"] for c in answer["Infos"]] == [clusters["changed"]]


def test_it_signs_index_10_before_index_2(call, clusters):
    ids = [clusters["changed"]] * 11  # ClusterIDs.0 … ClusterIDs.10
    answer = call("DescribeCluster", Region=REGION, ClusterIDs=ids)
    assert answer["RetCode"] == 0 and answer["TotalCount"] == 1


# Authentication -------------------------------------------------------------


def test_it_needs_an_action(call):
    assert call(None, Region=REGION)["RetCode"] == actions.MISSING_ACTION


def test_it_refuses_an_unknown_action(call):
    assert call("DescribeEverything", Region=REGION)["RetCode"] == actions.NO_SUCH_ACTION


def test_it_needs_a_public_key_and_a_signature(endpoint):
    post = lambda body: httpx.post(f"{endpoint.url}/api", data=body).json()  # noqa: E731
    base = {"Action": "DescribeCluster", "Region": REGION}
    assert post(base)["RetCode"] == actions.MISSING_PUBLIC_KEY
    assert post({**base, "PublicKey": endpoint.public_key})["RetCode"] == actions.MISSING_SIGNATURE
    wrong = {**base, "PublicKey": endpoint.public_key, "Signature": "0" * 40}
    assert post(wrong)["RetCode"] == actions.BAD_SIGNATURE


def test_it_refuses_a_region_it_does_not_offer(call):
    assert call("DescribeCluster", Region="xx-nowhere1")["RetCode"] == actions.BAD_REGION


def test_it_lets_only_an_admin_key_act_for_another_company(local):
    as_tenant = local.call("DescribeCluster", key=ACME_KEY, Region=REGION, CompanyID=10002)
    assert as_tenant["RetCode"] == actions.ADMIN_ONLY
    own = local.call("DescribeCluster", key=ACME_KEY, Region=REGION, CompanyID=10001)
    assert own["RetCode"] == 0
    as_admin = local.call("DescribeCluster", Region=REGION, CompanyID=10002)
    assert as_admin["RetCode"] == 0
    assert {c["Name"] for c in as_admin["Infos"]} == {"globex-shop"}


def test_it_never_shows_a_tenant_another_tenants_cluster(local, clusters):
    other = local.call("DescribeCluster", key=GLOBEX_KEY, Region=REGION)
    assert clusters["changed"] not in {c["ClusterID"] for c in other["Infos"]}
    for action, extra in [
        ("DescribeCluster", {"ClusterIDs": [clusters["changed"]]}),
        ("DeleteCluster", {"ClusterID": clusters["changed"]}),
        ("DescribeSuperNode", {"ClusterID": clusters["changed"]}),
    ]:
        answer = local.call(action, key=GLOBEX_KEY, Region=REGION, **extra)
        assert answer["RetCode"] == actions.NOT_FOUND, (action, answer)


# Filters --------------------------------------------------------------------


def test_it_filters_and_counts_exactly(call):
    everything = call("DescribeCluster", Region=REGION, Limit=1000)
    total = everything["TotalCount"]
    assert total == len(everything["Infos"])
    page = call("DescribeCluster", Region=REGION, Limit=2, Offset=1)
    assert page["TotalCount"] == total
    assert [c["ClusterID"] for c in page["Infos"]] == [
        c["ClusterID"] for c in everything["Infos"][1:3]
    ]
    first = everything["Infos"][0]
    by_keyword = call("DescribeCluster", Region=REGION, Keyword=first["Name"].upper())
    assert first["ClusterID"] in {c["ClusterID"] for c in by_keyword["Infos"]}
    assert all(
        first["Name"].lower() in c["Name"].lower()
        or first["Name"].lower() in c["Remark"].lower()
        or first["Name"].lower() in c["ClusterID"]
        for c in by_keyword["Infos"]
    )
    project = first["ProjectID"]
    in_project = call("DescribeCluster", Region=REGION, ProjectIDs=[project], Limit=1000)
    assert in_project["TotalCount"] == sum(c["ProjectID"] == project for c in everything["Infos"])


def test_it_refuses_a_limit_out_of_range(call):
    assert call("DescribeCluster", Region=REGION, Limit=0)["RetCode"] == actions.CHECK_FAILED
    assert call("DescribeCluster", Region=REGION, Limit=1001)["RetCode"] == actions.CHECK_FAILED


# State over time ------------------------------------------------------------


def test_it_creates_through_the_control_plane_and_deletes_through_deleting(call, endpoint):
    created = call("CreateCluster", **create_params())
    cluster_id = created["ClusterID"]
    first = call("DescribeCluster", Region=REGION, ClusterIDs=[cluster_id])["Infos"][0]
    assert first["Status"] == "Creating"
    assert set(first["ControllerPlaneStatus"]) == {
        "ETCD",
        "KubeApiserver",
        "KubeTerminal",
        "KubeControllerManager",
        "KubeScheduler",
        "CSI",
        "CCM",
        "VK",
    }
    assert call("DeleteCluster", Region=REGION, ClusterID=cluster_id)["RetCode"] == (
        actions.WRONG_STATE
    )
    running = wait_for(endpoint, cluster_id, "Running")
    assert all(part["Status"] == "Ready" for part in running["ControllerPlaneStatus"].values())
    nodes = call("DescribeSuperNode", Region=REGION, ClusterID=cluster_id)
    assert [n["IsDefault"] for n in nodes["Infos"]] == [True]
    assert call("DeleteCluster", Region=REGION, ClusterID=cluster_id)["RetCode"] == 0
    assert call("DeleteCluster", Region=REGION, ClusterID=cluster_id)["RetCode"] == (
        actions.WRONG_STATE
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        gone = call("DescribeCluster", Region=REGION, ClusterIDs=[cluster_id])
        if gone["RetCode"] == actions.NOT_FOUND:
            break
        assert gone["Infos"][0]["Status"] == "Deleting"
        time.sleep(0.3)
    else:
        raise AssertionError("the cluster was not removed")


def test_it_refuses_a_second_eip_and_a_default_node_delete(call, clusters):
    cluster = {"Region": REGION, "ClusterID": clusters["changed"]}
    call("DetachClusterEIP", **cluster)
    assert call("AttachClusterEIP", **cluster, EIPID="eip-one")["RetCode"] == 0
    assert call("AttachClusterEIP", **cluster, EIPID="eip-two")["RetCode"] == (
        actions.WRONG_STATE_OTHER
    )
    refused = call("DeleteSuperNode", **cluster, NodeName="super-node-default")
    assert refused["RetCode"] == actions.WRONG_STATE_OTHER


# Prices ---------------------------------------------------------------------


def test_it_prices_by_the_documented_table(call):
    def price(**params):
        answer = call(
            "GetClusterPrice",
            Region=REGION,
            ComputeclassType="ComputeSetStandard",
            StorageclassType="StorageSetSSD",
            **params,
        )
        assert answer["RetCode"] == 0, answer
        return answer["Infos"][0]["Price"]

    hourly = 0.5 + 4 * 0.12 + 8 * 0.015 + 0.05
    assert price(ChargeType="Dynamic", CPU=4, Memory=8) == round(hourly, 2)
    assert price(ChargeType="Month", Quantity=3, CPU=4, Memory=8) == round(
        hourly * 720 * 3 * 0.85, 2
    )
    assert price(ChargeType="Year", Quantity=1, CPU=4, Memory=8) == round(hourly * 8760 * 0.7, 2)
    assert (
        call(
            "GetClusterPrice",
            Region=REGION,
            ChargeType="Month",
            Quantity=12,
            ComputeclassType="ComputeSetStandard",
            StorageclassType="StorageSetSSD",
        )["RetCode"]
        == actions.CHECK_FAILED
    )


def test_it_agrees_premium_and_price_for_a_gpu_change(call, endpoint):
    (cluster_id,) = new_running_clusters(endpoint, 1)
    base = {"Region": REGION, "ClusterID": cluster_id}
    price_args = {
        **base,
        "ChargeType": "Dynamic",
        "ComputeclassType": "ComputeSetStandard",
        "StorageclassType": "StorageSetSSD",
    }
    before = call("GetClusterPrice", **price_args)["Infos"][0]["Price"]
    premium = call(
        "GetClusterPaymentOfPremium",
        **base,
        SuperNode="super-node-default",
        GPUMdevName="nvidia-a10",
        GPU=2,
    )
    assert premium["OrderType"] == "Dynamic"
    assert (
        call(
            "UpdateSuperNodeGPU",
            **base,
            NodeName="super-node-default",
            GPUMdevName="nvidia-a10",
            GPU=2,
        )["RetCode"]
        == 0
    )
    after = call("GetClusterPrice", **price_args)["Infos"][0]["Price"]
    assert premium["Price"] == pytest.approx(after - before, abs=0.011)
    assert premium["Price"] == pytest.approx(7.0)


# Logs -----------------------------------------------------------------------


def test_it_searches_logs_with_and_semantics_ignores_bounds_and_limit(call, pod):
    logs = lambda **extra: call("GetContainerLogs", Region=REGION, **pod, **extra)  # noqa: E731
    everything = logs(LineLimit=5000)
    assert everything["RetCode"] == 0 and everything["TotalCount"] > 50
    lines = everything["Infos"]
    both = logs(Keywords=["GET", "200"], LineLimit=5000)
    assert both["TotalCount"] == sum("GET" in x["Body"] and "200" in x["Body"] for x in lines)
    ignored = logs(Keywords=["GET"], KeywordsIgnore=["/healthz"], LineLimit=5000)
    assert ignored["TotalCount"] == sum(
        "GET" in x["Body"] and "/healthz" not in x["Body"] for x in lines
    )
    limited = logs(LineLimit=7)
    assert len(limited["Infos"]) == 7 and limited["TotalCount"] >= everything["TotalCount"]
    start, end = lines[10]["Time"], lines[20]["Time"]
    window = logs(Start=start, End=end, LineLimit=5000)
    times = [x["Time"] for x in window["Infos"]]
    assert times[0] == start and end not in times  # start inclusive, end exclusive
    assert window["TotalCount"] == sum(start <= x["Time"] < end for x in lines)
    assert times == sorted(times)


# Sessions -------------------------------------------------------------------


def test_it_accepts_a_session_once(call, endpoint, pod):
    if not endpoint.local:
        pytest.skip("the gateway address of a foreign endpoint is configured elsewhere")
    session = call(
        "AllocateK8SSession",
        Region=REGION,
        ClusterID=pod["ClusterID"],
        NameSpace=pod["Namespace"],
        PodName=pod["Pod"],
    )
    url = endpoint.url.replace("http", "ws", 1) + "/api/session/"

    async def exchange(session_id: str) -> tuple[str, dict]:
        output = b""
        async with connect(url + session_id, subprotocols=["v5.channel.k8s.io"]) as ws:
            # A refused session may already be closed: the send can fail, the frames
            # the gateway sent before closing are still there to read.
            with contextlib.suppress(websockets.ConnectionClosed):
                await ws.send(b"\x00echo $((6*7)); exit 0\r")
            with contextlib.suppress(websockets.ConnectionClosed):
                async with asyncio.timeout(10):
                    async for frame in ws:
                        if frame[0] == 3:
                            return output.decode(errors="replace"), json.loads(frame[1:])
                        output += frame[1:]
        return output.decode(errors="replace"), {}

    text, status = asyncio.run(exchange(session["SessionID"]))
    assert "42" in text and status["status"] == "Success"
    _, again = asyncio.run(exchange(session["SessionID"]))
    assert "1010" in json.dumps(again) or "expired" in again.get("message", "")
    _, unknown = asyncio.run(exchange("no-such-session"))
    assert "does not exist" in unknown.get("message", "")
