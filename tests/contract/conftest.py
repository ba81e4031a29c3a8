"""The wire-contract suite's fixtures: an endpoint, a signed caller, and real resources.

Runs against CONSOLE_CLOUD_URL (keys from CONSOLE_PUBLIC_KEY / CONSOLE_PRIVATE_KEY) when
that is set, otherwise against localcloud started as a separate process with the demo
data (its admin key and the demo tenants' keys from `localcloud keys`). Only plain httpx,
signing done here: the suite checks the wire, not CloudClient.
"""

from __future__ import annotations

import base64
import json
import os
import time
import types
import typing
import uuid
from dataclasses import dataclass, field, fields
from typing import Any

import httpx
import pytest

from console.cloud import actions, models
from console.cloud.signing import flatten, signature

REGION = "cn-bj2"
OTHER_REGION = "cn-sh2"
DEFAULT_NODE = "super-node-default"
UNKNOWN_CLUSTER = "uk8s-doesnotexist"

# Seeded by `localcloud seed` (console/localcloud/seed.py): only at our own localcloud.
ACME = 10001
GLOBEX = 10002


@dataclass
class Endpoint:
    url: str
    public_key: str
    private_key: str
    local: bool  # our own localcloud: seeded keys, tenants and prices are known
    # Our own localcloud's demo tenants' own (non-admin) keys, by CompanyID.
    tenant_keys: dict[int, tuple[str, str]] = field(default_factory=dict)
    made: list[tuple[str, tuple[str, str] | None]] = field(default_factory=list)
    # One pooled client: a new httpx client per call costs more than the call.
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=15))

    def sign(self, params: dict[str, Any], key: tuple[str, str] | None = None) -> dict[str, str]:
        """The flattened, signed form of a call."""
        public, private = key or (self.public_key, self.private_key)
        body = flatten({**params, "PublicKey": public})
        body["Signature"] = signature(body, private)
        return body

    def post(self, body: Any, *, as_json: bool = False) -> dict:
        """POST one body as form (or JSON); the protocol answers HTTP 200 and JSON."""
        send = {"json": body} if as_json else {"data": body}
        response = self.http.post(f"{self.url}/api", **send)
        assert response.status_code == 200, (response.status_code, response.text[:300])
        assert response.headers["content-type"].startswith("application/json")
        return response.json()

    def call(self, action: str, *, key: tuple[str, str] | None = None, **params) -> dict:
        """Flatten, sign and POST one call as a form; the decoded JSON answer."""
        return self.post(self.sign({"Action": action, **params}, key))

    def create(self, *, key: tuple[str, str] | None = None, **overrides) -> dict:
        """CreateCluster with good defaults; what it creates is deleted after the run."""
        answer = self.call("CreateCluster", key=key, **create_params(**overrides))
        if answer["RetCode"] == 0:
            self.made.append((answer["ClusterID"], key))
        return answer

    def describe(self, cluster_id: str, key: tuple[str, str] | None = None) -> dict:
        answer = self.call("DescribeCluster", key=key, Region=REGION, ClusterIDs=[cluster_id])
        assert answer["RetCode"] == 0, answer
        assert [c["ClusterID"] for c in answer["Infos"]] == [cluster_id]
        return answer["Infos"][0]

    def wait_for(self, cluster_ids: list[str], status: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        pending = set(cluster_ids)
        while pending:
            answer = self.call("DescribeCluster", Region=REGION, ClusterIDs=sorted(pending))
            assert answer["RetCode"] == 0, answer
            pending -= {c["ClusterID"] for c in answer["Infos"] if c["Status"] == status}
            if pending:
                assert time.monotonic() < deadline, f"{sorted(pending)} did not become {status}"
                time.sleep(0.2)

    def cleanup(self, timeout: float = 30) -> None:
        """Delete what the run created (201 while Creating or Deleting: try again)."""
        pending = list(self.made)
        deadline = time.monotonic() + timeout
        while pending and time.monotonic() < deadline:
            for item in list(pending):
                cluster_id, key = item
                answer = self.call("DeleteCluster", key=key, Region=REGION, ClusterID=cluster_id)
                if answer["RetCode"] != actions.WRONG_STATE:
                    pending.remove(item)
            if pending:
                time.sleep(0.3)


def tag(key: str, value: str) -> str:
    """One TagKeyValuePairs item: base64(key):base64(value)."""
    return f"{base64.b64encode(key.encode()).decode()}:{base64.b64encode(value.encode()).decode()}"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def create_params(**overrides) -> dict:
    return {
        "Region": REGION,
        "Name": unique("contract"),
        "TagKeyValuePairs": [tag("suite", "contract")],
        "ChargeType": "Dynamic",
        "Quantity": 0,
        "VpcID": "vpc-contract",
        "SubnetID": "subnet-contract",
        "K8SVersion": "1.30.6",
        "ComputeclassType": "ComputeSetStandard",
        "StorageclassType": "StorageSetSSD",
        **overrides,
    }


@pytest.fixture(scope="session")
def endpoint(request) -> Endpoint:
    url = os.environ.get("CONSOLE_CLOUD_URL")
    if url:
        found = Endpoint(
            url.rstrip("/"),
            os.environ.get("CONSOLE_PUBLIC_KEY", ""),
            os.environ.get("CONSOLE_PRIVATE_KEY", ""),
            local=False,
        )
    else:
        server = request.getfixturevalue("localcloud_process")
        found = Endpoint(
            server.url,
            *server.keys(),
            local=True,
            tenant_keys={company: server.keys(company) for company in (ACME, GLOBEX)},
        )
    yield found
    found.cleanup()
    found.http.close()


@pytest.fixture
def call(endpoint):
    """call(action, **params) -> the decoded answer, signed with the endpoint's key."""
    return endpoint.call


@pytest.fixture
def local(endpoint) -> Endpoint:
    if not endpoint.local:
        pytest.skip("needs localcloud's seeded keys, tenants and price table")
    return endpoint


@pytest.fixture(scope="session")
def clusters(endpoint) -> dict[str, str]:
    """Running clusters made over the wire, created together and awaited once.

    main: changed by the action tests; doomed: deleted by DeleteCluster's good call;
    gpu: GPU changes priced; month: a monthly cluster (localcloud only, it costs money).
    """
    roles = ["main", "doomed", "gpu"]
    if endpoint.local:
        roles.append("month")
    made = {}
    for role in roles:
        extra = {"ChargeType": "Month", "Quantity": 1} if role == "month" else {}
        answer = endpoint.create(Name=unique(f"contract-{role}"), **extra)
        assert answer["RetCode"] == 0, answer
        made[role] = answer["ClusterID"]
    endpoint.wait_for(list(made.values()), "Running")
    return made


@dataclass(frozen=True)
class PodRef:
    ClusterID: str
    Namespace: str
    Pod: str
    Container: str


def find_pod(endpoint: Endpoint) -> PodRef | None:
    """A pod of a Running cluster: DescribeCluster, then ForwardCluster GET /api/v1/pods."""
    answer = endpoint.call("DescribeCluster", Region=REGION, Limit=1000)
    assert answer["RetCode"] == 0, answer
    for cluster in answer["Infos"]:
        if cluster["Status"] != "Running" or not cluster["AllocatedPods"]:
            continue
        forwarded = endpoint.call(
            "ForwardCluster",
            Region=REGION,
            ClusterID=cluster["ClusterID"],
            Method="GET",
            Path="/api/v1/pods",
        )
        assert forwarded["RetCode"] == 0, forwarded
        for item in json.loads(forwarded["Info"]["ResponseBody"]).get("items", []):
            if item["status"].get("phase") == "Running" and item["spec"]["containers"]:
                return PodRef(
                    cluster["ClusterID"],
                    item["metadata"]["namespace"],
                    item["metadata"]["name"],
                    item["spec"]["containers"][0]["name"],
                )
    return None


@pytest.fixture(scope="session")
def found_pod(endpoint) -> PodRef | None:
    return find_pod(endpoint)


@pytest.fixture
def pod(found_pod) -> PodRef:
    if found_pod is None:
        pytest.skip(f"no Running cluster with pods in {REGION} at this endpoint")
    return found_pod


# Response shapes ---------------------------------------------------------------


def _hint_of(model: type, name: str) -> Any:
    module = vars(models)
    return typing.get_type_hints(model, globalns=module, localns=module)[name]


def assert_wire_type(hint: Any, value: Any, where: str) -> None:
    """value has the JSON type the response model declares, strictly (no 1.0 for an int)."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        (hint,) = [a for a in typing.get_args(hint) if a is not type(None)]
    if typing.get_origin(hint) is list:
        assert isinstance(value, list), f"{where} must be an array, is {value!r}"
        (item,) = typing.get_args(hint)
        for i, v in enumerate(value):
            assert_wire_type(item, v, f"{where}[{i}]")
    elif isinstance(hint, type) and issubclass(hint, models.WireModel):
        assert_shape(hint, value, where)
    elif hint is bool:
        assert isinstance(value, bool), f"{where} must be a boolean, is {value!r}"
    elif hint is int:
        assert isinstance(value, int) and not isinstance(value, bool), f"{where}: {value!r}"
    elif hint is float:
        assert isinstance(value, int | float) and not isinstance(value, bool), f"{where}"
    else:
        assert hint is str, f"{where}: unexpected hint {hint}"
        assert isinstance(value, str), f"{where} must be a string, is {value!r}"


def assert_shape(model: type, data: Any, where: str | None = None) -> None:
    """Every field of the model is present, with its JSON type (nested models too)."""
    where = where or model.__name__
    assert isinstance(data, dict), f"{where} must be an object, is {data!r}"
    for f in fields(model):
        assert f.name in data, f"{where} lacks {f.name}"
        assert_wire_type(_hint_of(model, f.name), data[f.name], f"{where}.{f.name}")


def assert_ok(answer: dict, action: str) -> None:
    """The envelope of a good answer, and the action's fields as the spec types them."""
    assert answer["RetCode"] == actions.OK, answer
    assert answer["Action"] == f"{action}Response"
    assert isinstance(answer["Message"], str)
    spec = actions.ACTIONS[action]
    spec.response.from_wire(answer)  # raises MalformedResponse on a wrong type
    assert_shape(spec.response, answer, action)


def assert_error(answer: dict, ret_code: int, action: str | None = None) -> None:
    assert answer["RetCode"] == ret_code, answer
    assert isinstance(answer["Message"], str) and answer["Message"], answer
    if action:
        assert answer["Action"] == f"{action}Response"
