"""localcloud's Kubernetes API of one cluster, called as ForwardCluster and the /k8s/
endpoint call it: status codes, Status objects, resourceVersion, selectors, pages, Table."""

from __future__ import annotations

import json

import pytest

from console.localcloud.k8s.server import Request, handle
from console.localcloud.models import Cluster, Pod

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


@pytest.fixture
def cluster(cloud) -> Cluster:
    return Cluster.objects.get(name="prod-web")


def api(
    cluster, method, path, body=None, content_type="application/json", accept="application/json"
):
    path, _, query = path.partition("?")
    from urllib.parse import parse_qs

    answer = handle(
        cluster,
        Request(
            method,
            path,
            parse_qs(query),
            accept,
            content_type,
            json.dumps(body).encode() if body is not None else b"",
        ),
    )
    return answer.code, answer.body


def deployment(name="shop-api", replicas=2, labels=None):
    labels = labels or {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]},
            },
        },
    }


def test_discovery_names_every_group_and_resource(cluster):
    assert api(cluster, "GET", "/api")[1]["versions"] == ["v1"]
    groups = {g["name"] for g in api(cluster, "GET", "/apis")[1]["groups"]}
    assert groups == {"apps", "batch", "metrics.k8s.io"}
    core = {r["name"] for r in api(cluster, "GET", "/api/v1")[1]["resources"]}
    assert {"namespaces", "pods", "services", "configmaps", "secrets", "events", "nodes"} <= core
    apps = {r["name"] for r in api(cluster, "GET", "/apis/apps/v1")[1]["resources"]}
    assert {"deployments", "replicasets", "statefulsets", "daemonsets", "deployments/scale"} <= apps


def test_a_deployment_keeps_its_pods_through_scale_and_delete(cluster):
    code, made = api(cluster, "POST", "/apis/apps/v1/namespaces/default/deployments", deployment())
    assert code == 201 and made["metadata"]["uid"] and made["status"]["readyReplicas"] == 2

    def owned():
        return Pod.objects.filter(cluster=cluster, labels__app="shop-api")

    assert owned().count() == 2 and all(p.containers[0]["image"] == "nginx:1.27" for p in owned())
    code, scale = api(
        cluster,
        "PATCH",
        "/apis/apps/v1/namespaces/default/deployments/shop-api/scale",
        {"spec": {"replicas": 4}},
        "application/merge-patch+json",
    )
    assert code == 200 and scale["spec"]["replicas"] == 4 and owned().count() == 4
    events = api(cluster, "GET", "/api/v1/namespaces/default/events")[1]["items"]
    assert any(e["reason"] == "ScalingReplicaSet" for e in events)
    assert api(cluster, "DELETE", "/apis/apps/v1/namespaces/default/deployments/shop-api")[0] == 200
    assert owned().count() == 0
    left = api(cluster, "GET", "/apis/apps/v1/namespaces/default/replicasets")[1]["items"]
    assert [rs for rs in left if rs["metadata"]["name"].startswith("shop-api-")] == []


def test_errors_are_status_objects(cluster):
    code, body = api(cluster, "GET", "/api/v1/namespaces/default/pods/nope")
    assert (code, body["kind"], body["reason"]) == (404, "Status", "NotFound")
    assert body["message"] == 'pods "nope" not found'
    api(
        cluster,
        "POST",
        "/api/v1/namespaces/default/configmaps",
        {"metadata": {"name": "cfg"}, "data": {"a": "1"}},
    )
    code, body = api(
        cluster, "POST", "/api/v1/namespaces/default/configmaps", {"metadata": {"name": "cfg"}}
    )
    assert (code, body["reason"]) == (409, "AlreadyExists")
    code, body = api(
        cluster, "POST", "/api/v1/namespaces/default/configmaps", {"metadata": {"name": "Bad_Name"}}
    )
    assert (code, body["reason"]) == (422, "Invalid")
    code, body = api(
        cluster, "POST", "/apis/apps/v1/namespaces/default/deployments", deployment(replicas=-1)
    )
    assert (code, body["reason"]) == (422, "Invalid")
    assert api(cluster, "GET", "/api/v1/nodes/super-node-default")[0] == 200
    assert api(cluster, "DELETE", "/api/v1/nodes/super-node-default")[0] == 405
    assert api(cluster, "GET", "/api/v1/widgets")[0] == 404
    assert (
        api(cluster, "POST", "/api/v1/namespaces/nowhere/configmaps", {"metadata": {"name": "x"}})[
            0
        ]
        == 404
    )


def test_a_stale_resource_version_is_a_conflict(cluster):
    _, made = api(
        cluster,
        "POST",
        "/api/v1/namespaces/default/configmaps",
        {"metadata": {"name": "cfg"}, "data": {"a": "1"}},
    )
    stale = json.loads(json.dumps(made))
    made["data"]["a"] = "2"
    code, updated = api(cluster, "PUT", "/api/v1/namespaces/default/configmaps/cfg", made)
    assert code == 200 and int(updated["metadata"]["resourceVersion"]) > int(
        stale["metadata"]["resourceVersion"]
    )
    stale["data"]["a"] = "3"
    code, body = api(cluster, "PUT", "/api/v1/namespaces/default/configmaps/cfg", stale)
    assert (code, body["reason"]) == (409, "Conflict")
    assert api(cluster, "GET", "/api/v1/namespaces/default/configmaps/cfg")[1]["data"] == {"a": "2"}


def test_merge_patch_changes_only_what_it_names(cluster):
    api(
        cluster,
        "POST",
        "/api/v1/namespaces/default/configmaps",
        {"metadata": {"name": "cfg"}, "data": {"a": "1", "b": "2"}},
    )
    code, patched = api(
        cluster,
        "PATCH",
        "/api/v1/namespaces/default/configmaps/cfg",
        {"data": {"b": None, "c": "3"}},
        "application/merge-patch+json",
    )
    assert code == 200 and patched["data"] == {"a": "1", "c": "3"}
    # Every patch type kubectl sends is read (tests/test_k8s_patches.py); others are 415.
    assert (
        api(
            cluster,
            "PATCH",
            "/api/v1/namespaces/default/configmaps/cfg",
            [],
            "application/json-patch+json",
        )[0]
        == 200
    )
    assert (
        api(cluster, "PATCH", "/api/v1/namespaces/default/configmaps/cfg", {}, "text/plain")[0]
        == 415
    )


def test_selectors_and_pages(cluster):
    pods = api(cluster, "GET", "/api/v1/pods?labelSelector=app%3Dweb")[1]["items"]
    assert sorted(p["metadata"]["name"] for p in pods) == ["web-6f7d9c-q8m3z", "web-6f7d9c-x2k4p"]
    # As on a real server, `notin` also matches pods without the label.
    rest = api(
        cluster, "GET", "/api/v1/pods?labelSelector=app%20notin%20(web,api,checkout,orders-db)"
    )[1]
    assert [p["metadata"]["name"] for p in rest["items"]] == [
        "nightly-report-m4k8d",  # the demo job's pod, labelled job-name only
        "coredns-7db6d8ff4d-7x9vq",
    ]
    named = api(cluster, "GET", "/api/v1/pods?fieldSelector=metadata.name%3Dapi-5b8c7d-h7j2n")[1]
    assert [p["metadata"]["name"] for p in named["items"]] == ["api-5b8c7d-h7j2n"]
    assert api(cluster, "GET", "/api/v1/pods?fieldSelector=spec.nodeName%3Dx")[0] == 400
    first = api(cluster, "GET", "/api/v1/pods?limit=2")[1]
    rest = api(cluster, "GET", f"/api/v1/pods?limit=10&continue={first['metadata']['continue']}")[1]
    everything = api(cluster, "GET", "/api/v1/pods")[1]["items"]
    assert first["items"] + rest["items"] == everything and "continue" not in rest["metadata"]


def test_the_table_format_has_kubectls_columns(cluster):
    code, table = api(cluster, "GET", "/api/v1/namespaces/default/pods", accept=TABLE)
    assert code == 200 and table["kind"] == "Table"
    names = [c["name"] for c in table["columnDefinitions"]]
    assert names == ["Name", "Ready", "Status", "Restarts", "Age"]
    row = next(r for r in table["rows"] if r["cells"][0] == "web-6f7d9c-x2k4p")
    assert row["cells"][1:4] == ["2/2", "Running", 0]
    assert row["object"]["metadata"]["namespace"] == "default"


def test_deleting_a_namespace_takes_what_is_in_it(cluster):
    api(cluster, "POST", "/api/v1/namespaces", {"metadata": {"name": "tmp"}})
    api(cluster, "POST", "/apis/apps/v1/namespaces/tmp/deployments", deployment("w", 1))
    assert Pod.objects.filter(cluster=cluster, namespace="tmp").count() == 1
    code, body = api(cluster, "DELETE", "/api/v1/namespaces/tmp")
    assert code == 200 and body["status"]["phase"] == "Terminating"
    assert Pod.objects.filter(cluster=cluster, namespace="tmp").count() == 0
    assert api(cluster, "GET", "/api/v1/namespaces/tmp")[0] == 404
