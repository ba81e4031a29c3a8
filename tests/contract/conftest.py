"""The wire-contract suite's fixtures: an endpoint, a signed caller, and real resources.

Runs against CONSOLE_CLOUD_URL (keys from CONSOLE_PUBLIC_KEY / CONSOLE_PRIVATE_KEY) when
that is set, otherwise against localcloud started as a separate process. Only plain
httpx: the suite checks the wire, not CloudClient.
"""

from __future__ import annotations

import base64
import os
import time
import uuid
from dataclasses import dataclass

import httpx
import pytest
from django.conf import settings

from console.cloud.signing import flatten, signature

REGION = "cn-bj2"


@dataclass
class Endpoint:
    url: str
    public_key: str
    private_key: str
    local: bool  # our own localcloud: seeded keys and tenants are known

    def call(
        self, action: str | None, *, sign: bool = True, key: tuple | None = None, **params
    ) -> dict:
        body = flatten({**({"Action": action} if action else {}), **params})
        public, private = key or (self.public_key, self.private_key)
        if sign:
            body["PublicKey"] = public
            body["Signature"] = signature(body, private)
        response = httpx.post(f"{self.url}/api", data=body, timeout=15)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="session")
def endpoint(request) -> Endpoint:
    url = os.environ.get("CONSOLE_CLOUD_URL")
    if url:
        return Endpoint(
            url.rstrip("/"),
            os.environ.get("CONSOLE_PUBLIC_KEY", ""),
            os.environ.get("CONSOLE_PRIVATE_KEY", ""),
            local=False,
        )
    server = request.getfixturevalue("localcloud_process")
    return Endpoint(
        server.url, settings.CONSOLE_PUBLIC_KEY, settings.CONSOLE_PRIVATE_KEY, local=True
    )


@pytest.fixture
def call(endpoint):
    return endpoint.call


def tag(key: str, value: str) -> str:
    return base64.b64encode(key.encode()).decode() + ":" + base64.b64encode(value.encode()).decode()


def create_params(name: str | None = None) -> dict:
    return {
        "Region": REGION,
        "Name": name or f"contract-{uuid.uuid4().hex[:8]}",
        "TagKeyValuePairs": [tag("suite", "contract")],
        "ChargeType": "Dynamic",
        "Quantity": 0,
        "VpcID": "vpc-contract",
        "SubnetID": "subnet-contract",
        "K8SVersion": "1.30.6",
        "ComputeclassType": "ComputeSetStandard",
        "StorageclassType": "StorageSetSSD",
    }


def wait_for(endpoint: Endpoint, cluster_id: str, status: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = endpoint.call("DescribeCluster", Region=REGION, ClusterIDs=[cluster_id])
        if answer["RetCode"] == 0 and answer["Infos"][0]["Status"] == status:
            return answer["Infos"][0]
        time.sleep(0.3)
    raise AssertionError(f"{cluster_id} did not become {status}")


def new_running_clusters(endpoint: Endpoint, count: int) -> list[str]:
    ids = []
    for _ in range(count):
        answer = endpoint.call("CreateCluster", **create_params())
        assert answer["RetCode"] == 0, answer
        ids.append(answer["ClusterID"])
    for cluster_id in ids:
        wait_for(endpoint, cluster_id, "Running")
    return ids


@pytest.fixture(scope="session")
def clusters(endpoint) -> dict[str, str]:
    """Running clusters made over the wire: one to change, one to delete."""
    changed, doomed = new_running_clusters(endpoint, 2)
    return {"changed": changed, "doomed": doomed}


@pytest.fixture(scope="session")
def pod(endpoint) -> dict:
    """A Running cluster with a pod (the seeded demo data, or whatever the cloud has)."""
    answer = endpoint.call("DescribeCluster", Region=REGION, Limit=100)
    for cluster in answer["Infos"]:
        if cluster["Status"] != "Running" or not cluster["AllocatedPods"]:
            continue
        forwarded = endpoint.call(
            "ForwardCluster", Region=REGION, ClusterID=cluster["ClusterID"], Path="/api/v1/pods"
        )
        import json

        for item in json.loads(forwarded["Info"]["ResponseBody"]).get("items", []):
            return {
                "ClusterID": cluster["ClusterID"],
                "Namespace": item["metadata"]["namespace"],
                "Pod": item["metadata"]["name"],
                "Container": item["spec"]["containers"][0]["name"],
            }
    pytest.skip("no Running cluster with pods at this endpoint")
