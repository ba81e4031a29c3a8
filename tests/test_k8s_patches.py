"""PATCH bodies: JSON patch, strategic merge patch with the kinds' merge keys and
server-side apply with field managers, through the API as kubectl sends them."""

from __future__ import annotations

import json

import pytest

from console.localcloud.k8s import patches
from console.localcloud.k8s.server import Request, handle
from console.localcloud.models import Cluster


@pytest.fixture
def cluster(cloud) -> Cluster:
    return Cluster.objects.get(name="prod-web")


def call(cluster, method, path, body=None, content_type="application/json", **query):
    data = body if isinstance(body, bytes) else json.dumps(body).encode() if body else b""
    params = {k: [v] for k, v in query.items()}
    answer = handle(cluster, Request(method, path, params, "application/json", content_type, data))
    return answer.code, answer.body


DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"


def two_containers(name="pair"):
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "containers": [
                        {
                            "name": "web",
                            "image": "nginx:1.26",
                            "env": [{"name": "A", "value": "1"}],
                        },
                        {"name": "side", "image": "busybox:1.36"},
                    ]
                },
            },
        },
    }


def containers(obj):
    return obj["spec"]["template"]["spec"]["containers"]


def test_json_patch_operations_and_a_failed_test(cluster):
    assert call(cluster, "POST", DEPLOYMENTS, two_containers())[0] == 201
    ops = [
        {"op": "test", "path": "/spec/replicas", "value": 1},
        {"op": "replace", "path": "/spec/replicas", "value": 2},
        {"op": "add", "path": "/metadata/labels", "value": {"tier": "front"}},
        {"op": "copy", "from": "/metadata/labels/tier", "path": "/metadata/labels/copied"},
        {"op": "move", "from": "/metadata/labels/copied", "path": "/metadata/labels/moved"},
        {"op": "remove", "path": "/spec/template/spec/containers/1"},
    ]
    code, body = call(cluster, "PATCH", f"{DEPLOYMENTS}/pair", ops, patches.JSON_PATCH)
    assert code == 200, body
    assert body["spec"]["replicas"] == 2
    assert body["metadata"]["labels"] == {"tier": "front", "moved": "front"}
    assert [c["name"] for c in containers(body)] == ["web"]

    failed = [{"op": "test", "path": "/spec/replicas", "value": 5}]
    code, body = call(cluster, "PATCH", f"{DEPLOYMENTS}/pair", failed, patches.JSON_PATCH)
    assert code == 422 and "testing value /spec/replicas failed" in body["message"]
    missing = [{"op": "remove", "path": "/spec/nothing"}]
    assert call(cluster, "PATCH", f"{DEPLOYMENTS}/pair", missing, patches.JSON_PATCH)[0] == 422


def test_strategic_merge_changes_one_container_by_name(cluster):
    call(cluster, "POST", DEPLOYMENTS, two_containers())
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {"name": "side", "image": "busybox:1.37"},
                        {"name": "web", "env": [{"name": "B", "value": "2"}]},
                    ]
                }
            }
        }
    }
    code, body = call(cluster, "PATCH", f"{DEPLOYMENTS}/pair", patch, patches.STRATEGIC)
    assert code == 200, body
    web, side = containers(body)
    assert web["image"] == "nginx:1.26" and side["image"] == "busybox:1.37"
    assert web["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]

    delete = {
        "spec": {"template": {"spec": {"containers": [{"name": "side", "$patch": "delete"}]}}}
    }
    code, body = call(cluster, "PATCH", f"{DEPLOYMENTS}/pair", delete, patches.STRATEGIC)
    assert [c["name"] for c in containers(body)] == ["web"]


def test_strategic_merge_directives():
    original = {"metadata": {"finalizers": ["a"], "labels": {"x": "1", "y": "2"}}}
    patch = {
        "metadata": {
            "finalizers": ["b"],
            "$deleteFromPrimitiveList/finalizers": ["a"],
            "labels": {"$patch": "replace", "z": "3"},
        },
        "$setElementOrder/spec": [],
    }
    merged = patches.strategic_merge(original, patch, "Deployment")
    assert merged == {"metadata": {"finalizers": ["b"], "labels": {"z": "3"}}}
    ports = {"spec": {"ports": [{"port": 80, "targetPort": 8080}]}}
    service = {"spec": {"ports": [{"port": 80, "targetPort": 80}, {"port": 443}]}}
    assert patches.strategic_merge(service, ports, "Service")["spec"]["ports"] == [
        {"port": 80, "targetPort": 8080},
        {"port": 443},
    ]


def test_server_side_apply_creates_merges_and_tracks_managers(cluster):
    applied = two_containers("ssa")
    code, body = call(
        cluster, "PATCH", f"{DEPLOYMENTS}/ssa", applied, patches.APPLY, fieldManager="alice"
    )
    assert code == 201, body
    (entry,) = body["metadata"]["managedFields"]
    assert entry["manager"] == "alice" and entry["operation"] == "Apply"
    assert "f:replicas" in entry["fieldsV1"]["f:spec"]

    # Apply again without the sidecar: alice owned it, so it goes.
    applied["spec"]["template"]["spec"]["containers"].pop()
    code, body = call(
        cluster, "PATCH", f"{DEPLOYMENTS}/ssa", applied, patches.APPLY, fieldManager="alice"
    )
    assert code == 200 and [c["name"] for c in containers(body)] == ["web"]

    # Bob sets replicas to another value: a conflict, unless forced.
    bob = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "ssa"},
           "spec": {"replicas": 3}}  # fmt: skip
    code, body = call(
        cluster, "PATCH", f"{DEPLOYMENTS}/ssa", bob, patches.APPLY, fieldManager="bob"
    )
    assert code == 409 and body["reason"] == "Conflict"
    assert (
        body["message"]
        == 'Apply failed with 1 conflict: conflict with "alice" using apps/v1: .spec.replicas'
    )
    assert body["details"]["causes"][0]["field"] == ".spec.replicas"
    code, body = call(
        cluster, "PATCH", f"{DEPLOYMENTS}/ssa", bob, patches.APPLY, fieldManager="bob", force="true"
    )
    assert code == 200 and body["spec"]["replicas"] == 3
    managers = {m["manager"]: m["fieldsV1"] for m in body["metadata"]["managedFields"]}
    assert "f:replicas" in managers["bob"]["f:spec"]
    assert "f:replicas" not in managers["alice"]["f:spec"]
    # The same value as the owner's is shared ownership, not a conflict.
    same = {**bob, "spec": {"replicas": 3}}
    assert (
        call(cluster, "PATCH", f"{DEPLOYMENTS}/ssa", same, patches.APPLY, fieldManager="carol")[0]
        == 200
    )


def test_patch_errors(cluster):
    call(cluster, "POST", DEPLOYMENTS, two_containers())
    code, body = call(cluster, "PATCH", f"{DEPLOYMENTS}/pair", {}, "text/plain")
    assert code == 415
    code, body = call(cluster, "PATCH", f"{DEPLOYMENTS}/nothing", {"a": 1}, patches.MERGE_PATCH)
    assert code == 404 and body["reason"] == "NotFound"
    code, body = call(cluster, "PATCH", f"{DEPLOYMENTS}/pair", b"[1", patches.JSON_PATCH)
    assert code == 400
    code, body = call(cluster, "PATCH", f"{DEPLOYMENTS}/pair", two_containers(), patches.APPLY)
    assert code == 400 and "fieldManager is required" in body["message"]


def test_field_validation_of_json_bodies(cluster):
    typo = two_containers("typo")
    typo["spec"]["template"]["spec"]["containers"][0]["imagee"] = "x"
    code, body = call(cluster, "POST", DEPLOYMENTS, typo, fieldValidation="Strict")
    assert code == 400 and body["message"] == (
        'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
        'unknown field "spec.template.spec.containers[0].imagee"'
    )
    answer = handle(
        cluster,
        Request("POST", DEPLOYMENTS, {}, "application/json", "application/json",
                json.dumps(typo).encode()),
    )  # fmt: skip
    assert answer.code == 201  # Warn is the default: stored without the unknown field
    assert answer.warnings == ['unknown field "spec.template.spec.containers[0].imagee"']
    assert "imagee" not in containers(answer.body)[0]
    patch = {"metadata": {"labelz": {"a": "b"}}, "$setElementOrder/x": []}
    code, body = call(cluster, "PATCH", f"{DEPLOYMENTS}/typo", patch, patches.STRATEGIC,
                      fieldValidation="Strict")  # fmt: skip
    assert code == 400 and 'unknown field "metadata.labelz"' in body["message"]
    code, _ = call(cluster, "PATCH", f"{DEPLOYMENTS}/typo", patch, patches.MERGE_PATCH,
                   fieldValidation="Ignore")  # fmt: skip
    assert code == 200
