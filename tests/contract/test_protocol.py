"""The protocol around the actions: encodings, signing, authentication, tenants."""

from __future__ import annotations

import hashlib

import pytest

from console.cloud import actions
from console.cloud.signing import flatten, signature

from .conftest import ACME, GLOBEX, REGION, assert_error, assert_ok, tag

pytestmark = pytest.mark.contract


# Encodings ------------------------------------------------------------------


def test_it_answers_form_json_flattened_json_and_query_alike(endpoint, clusters):
    ids = [clusters["main"], clusters["gpu"]]
    params = {"Action": "DescribeCluster", "Region": REGION, "ClusterIDs": ids, "Limit": 5}
    flat = endpoint.sign(params)
    assert flat["ClusterIDs.0"] == ids[0] and flat["Limit"] == "5"
    # JSON with native values: the array as an array, Limit as a number.
    native = {**params, "PublicKey": endpoint.public_key, "Signature": flat["Signature"]}
    url = f"{endpoint.url}/api"
    answers = {
        "form": endpoint.post(flat),
        "json-flattened": endpoint.post(flat, as_json=True),
        "json-native": endpoint.post(native, as_json=True),
        "query": endpoint.http.get(url, params=flat).json(),
        "form-with-action-in-query": endpoint.http.post(
            url,
            params={"Action": "DescribeCluster"},
            data={k: v for k, v in flat.items() if k != "Action"},
        ).json(),
    }
    for how, answer in answers.items():
        assert_ok(answer, "DescribeCluster")
        assert sorted(c["ClusterID"] for c in answer["Infos"]) == sorted(ids), how
    first = answers["form"]
    assert all(answer == first for answer in answers.values())


def test_it_takes_json_numbers_and_booleans_as_their_wire_text(endpoint, clusters):
    main = {"Region": REGION, "ClusterID": clusters["main"]}

    def send(action: str, **params) -> dict:
        body = {"Action": action, **params, "PublicKey": endpoint.public_key}
        body["Signature"] = signature(body, endpoint.private_key)  # 5.0 signs as "5"
        return endpoint.post(body, as_json=True)

    whole = send("DescribeSuperNode", **main, Limit=1.0, Offset=0)
    assert_ok(whole, "DescribeSuperNode")
    assert len(whole["Infos"]) == 1
    assert_ok(send("ForwardCluster", **main, Path="/version", EncodedBody=False), "ForwardCluster")
    for bad in (1.5, True, "five"):
        answer = send("DescribeSuperNode", **main, Limit=bad)
        assert_error(answer, actions.BAD_FORMAT, "DescribeSuperNode")
        assert "Limit" in answer["Message"]


def test_it_refuses_a_body_that_is_not_a_json_object(endpoint):
    url = f"{endpoint.url}/api"
    for body in (b"{not json", b"[1, 2]"):
        response = endpoint.http.post(
            url, content=body, headers={"Content-Type": "application/json"}, timeout=15
        )
        assert response.status_code == 200
        assert response.json()["RetCode"] == actions.BAD_FORMAT


def test_it_answers_405_to_other_http_methods(endpoint):
    assert endpoint.http.put(f"{endpoint.url}/api").status_code == 405


# Signing --------------------------------------------------------------------


def test_it_signs_over_keys_sorted_as_bytes_so_index_10_comes_before_2(endpoint, clusters):
    ids = [clusters["main"], clusters["gpu"]]
    params = {"Action": "DescribeCluster", "Region": REGION, "ClusterIDs": (ids * 6)[:11]}
    body = endpoint.sign(params)
    keys = sorted(body)
    assert keys.index("ClusterIDs.10") < keys.index("ClusterIDs.2")
    answer = endpoint.post(body)
    assert_ok(answer, "DescribeCluster")
    assert answer["TotalCount"] == 2
    # The same body signed in numeric order (….2, …, ….10) must not pass.
    numeric = sorted(
        (k for k in body if k != "Signature"),
        key=lambda k: (k.split(".")[0], int(k.split(".")[1]) if "." in k else -1),
    )
    payload = "".join(k + body[k] for k in numeric) + endpoint.private_key
    wrong = {**body, "Signature": hashlib.sha1(payload.encode()).hexdigest()}
    assert wrong["Signature"] != body["Signature"]
    assert_error(endpoint.post(wrong), actions.BAD_SIGNATURE)


def test_it_folds_name_n_back_into_an_array_in_index_order(endpoint):
    # Eleven tags, TagKeyValuePairs.0 … .10: read back in index order, not in the
    # order of the keys as text (….0, ….1, ….10, ….2, …).
    keys = [f"k{i:02d}" for i in range(11)]
    created = endpoint.create(TagKeyValuePairs=[tag(k, f"v{k}") for k in keys])
    assert_ok(created, "CreateCluster")
    tags = endpoint.describe(created["ClusterID"])["Tags"]
    assert tags == [{"Key": k, "Value": f"v{k}"} for k in keys]


def test_it_signs_every_parameter_and_the_private_key(endpoint):
    body = endpoint.sign({"Action": "DescribeCluster", "Region": REGION})
    assert_ok(endpoint.post(body), "DescribeCluster")
    tampered = {**body, "Limit": "3"}  # a parameter added after signing
    assert_error(endpoint.post(tampered), actions.BAD_SIGNATURE)
    other_key = endpoint.sign({"Action": "DescribeCluster", "Region": REGION})
    other_key["Signature"] = signature(
        {k: v for k, v in other_key.items() if k != "Signature"}, "not-the-private-key"
    )
    assert_error(endpoint.post(other_key), actions.BAD_SIGNATURE)
    unknown_key = endpoint.sign(
        {"Action": "DescribeCluster", "Region": REGION}, ("no-such-public-key", "x")
    )
    assert_error(endpoint.post(unknown_key), actions.BAD_SIGNATURE)


# Authentication -------------------------------------------------------------


def test_it_needs_an_action(endpoint):
    body = flatten({"Region": REGION, "PublicKey": endpoint.public_key})
    body["Signature"] = signature(body, endpoint.private_key)
    assert_error(endpoint.post(body), actions.MISSING_ACTION)


def test_it_refuses_an_unknown_action(call):
    assert_error(call("DescribeEverything", Region=REGION), actions.NO_SUCH_ACTION)


def test_it_needs_a_public_key(endpoint):
    body = {"Action": "DescribeCluster", "Region": REGION}
    body["Signature"] = signature(body, endpoint.private_key)
    assert_error(endpoint.post(body), actions.MISSING_PUBLIC_KEY)
    assert_error(endpoint.post({**body, "PublicKey": ""}), actions.MISSING_PUBLIC_KEY)


def test_it_needs_a_signature(endpoint):
    body = {"Action": "DescribeCluster", "Region": REGION, "PublicKey": endpoint.public_key}
    assert_error(endpoint.post(body), actions.MISSING_SIGNATURE)
    assert_error(endpoint.post({**body, "Signature": ""}), actions.MISSING_SIGNATURE)


def test_it_refuses_a_bad_signature(endpoint):
    body = {"Action": "DescribeCluster", "Region": REGION, "PublicKey": endpoint.public_key}
    assert_error(endpoint.post({**body, "Signature": "0" * 40}), actions.BAD_SIGNATURE)


def test_it_refuses_a_region_it_does_not_offer(call):
    assert_error(call("DescribeCluster", Region="xx-nowhere1"), actions.BAD_REGION)


# Tenants --------------------------------------------------------------------


def test_it_lets_only_an_admin_key_act_for_another_company(local):
    as_tenant = local.call(
        "DescribeCluster", key=local.tenant_keys[ACME], Region=REGION, CompanyID=GLOBEX
    )
    assert_error(as_tenant, actions.ADMIN_ONLY, "DescribeCluster")
    create = local.create(key=local.tenant_keys[ACME], CompanyID=GLOBEX)
    assert_error(create, actions.ADMIN_ONLY, "CreateCluster")
    own = local.call("DescribeCluster", key=local.tenant_keys[ACME], Region=REGION, CompanyID=ACME)
    assert_ok(own, "DescribeCluster")
    as_admin = local.call("DescribeCluster", Region=REGION, CompanyID=GLOBEX, Limit=1000)
    assert_ok(as_admin, "DescribeCluster")
    assert "globex-shop" in {c["Name"] for c in as_admin["Infos"]}
    assert {c["CompanyID"] for c in as_admin["Infos"]} == {GLOBEX}
    nobody = local.call("DescribeCluster", Region=REGION, CompanyID=99999)
    assert_error(nobody, actions.NOT_FOUND, "DescribeCluster")


def test_it_lets_a_tenant_key_see_its_own_tenants_clusters(local, clusters):
    mine = local.call(
        "DescribeCluster", key=local.tenant_keys[ACME], Region=REGION, ClusterIDs=[clusters["main"]]
    )
    assert_ok(mine, "DescribeCluster")
    assert mine["Infos"][0]["CompanyID"] == ACME


def test_it_never_shows_a_tenant_another_tenants_cluster(local, clusters):
    listed = local.call("DescribeCluster", key=local.tenant_keys[GLOBEX], Region=REGION, Limit=1000)
    assert_ok(listed, "DescribeCluster")
    assert {c["CompanyID"] for c in listed["Infos"]} == {GLOBEX}
    main = {"Region": REGION, "ClusterID": clusters["main"]}
    for action, params in [
        ("DescribeCluster", {"Region": REGION, "ClusterIDs": [clusters["main"]]}),
        ("DescribeSuperNode", main),
        ("ForwardCluster", {**main, "Path": "/api/v1/namespaces"}),
        ("AllocateK8STerminal", main),
        ("UpdateClusterCapacity", {**main, "MaxStorage": 4096}),
        ("GetClusterPrice", {**main, **_PRICE}),
        ("GetClusterPaymentOfPremium", {**main, "SuperNode": "super-node-default"}),
    ]:
        answer = local.call(action, key=local.tenant_keys[GLOBEX], **params)
        assert_error(answer, actions.NOT_FOUND, action)
    # The cluster is untouched.
    assert local.describe(clusters["main"])["MaxStorage"] != 4096


def test_it_keeps_projects_to_their_tenant(local):
    other_project = f"org-{ACME}-default"
    created = local.create(key=local.tenant_keys[GLOBEX], ProjectID=other_project)
    assert_error(created, actions.NOT_FOUND, "CreateCluster")
    listed = local.call(
        "DescribeCluster", key=local.tenant_keys[GLOBEX], Region=REGION, ProjectIDs=[other_project]
    )
    assert_error(listed, actions.NOT_FOUND, "DescribeCluster")


_PRICE = {
    "ChargeType": "Dynamic",
    "ComputeclassType": "ComputeSetStandard",
    "StorageclassType": "StorageSetSSD",
}
