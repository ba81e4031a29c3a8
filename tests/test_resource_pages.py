"""A cluster's Kubernetes objects in the console, through ForwardCluster only."""

from __future__ import annotations

import asyncio
import json

import pytest
import yaml
from django.core.exceptions import PermissionDenied

from console.localcloud.k8s.server import Request, handle
from console.localcloud.models import Cluster, KubeObject, Pod


@pytest.fixture
def cluster(cloud) -> Cluster:
    return Cluster.objects.get(name="prod-web")


def make_deployment(cluster, name="shop", replicas=2):
    labels = {"app": name}
    containers = [{"name": "app", "image": "nginx"}]
    template = {"metadata": {"labels": labels}, "spec": {"containers": containers}}
    spec = {"replicas": replicas, "selector": {"matchLabels": labels}, "template": template}
    body = json.dumps({"metadata": {"name": name}, "spec": spec})
    answer = handle(
        cluster, Request("POST", "/apis/apps/v1/namespaces/default/deployments", body=body.encode())
    )
    assert answer.code == 201, answer.body


def url(cluster, rest=""):
    return f"/clusters/{cluster.cluster_id}/k8s/{rest}"


def test_tabs_list_objects_of_the_picked_namespace(viewer_client, cluster):
    make_deployment(cluster)
    html = viewer_client.get(url(cluster, "?namespace=default&tab=workloads")).content.decode()
    assert 'data-name="shop"' in html and "2/2" in html
    html = viewer_client.get(url(cluster, "?namespace=kube-system&tab=pods")).content.decode()
    assert "coredns-7db6d8ff4d-7x9vq" in html and "web-6f7d9c-x2k4p" not in html
    assert '<option value="shop" >' in html or 'value="shop"' in html  # the namespace picker
    events = viewer_client.get(url(cluster, "?namespace=default&tab=events")).content.decode()
    assert "ScalingReplicaSet" in events


def test_a_viewer_reads_yaml_without_secret_values_and_cannot_edit(
    viewer_client, operator_client, cluster
):
    body = b'{"metadata": {"name": "db"}, "data": {"password": "c2VjcmV0"}}'
    handle(cluster, Request("POST", "/api/v1/namespaces/default/secrets", body=body))
    seen = viewer_client.get(url(cluster, "secrets/default/db/")).content.decode()
    assert "password" in seen and "c2VjcmV0" not in seen and "<textarea" not in seen
    assert "c2VjcmV0" in operator_client.get(url(cluster, "secrets/default/db/")).content.decode()


def apply_secret(cluster, name="db"):
    """A Secret as `kubectl apply` leaves it: the manifest, values and all, in an annotation."""
    manifest = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": "default"},
        "data": {"password": "c2VjcmV0"},
        "stringData": {"token": "plain-token-value"},
    }
    stored = {
        **manifest,
        "metadata": {
            **manifest["metadata"],
            "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": json.dumps(manifest) + "\n"
            },
        },
        "data": {"password": "c2VjcmV0", "token": "cGxhaW4tdG9rZW4tdmFsdWU="},
        "stringData": None,
        "extra": {"copied": "plain-token-value"},
    }
    path = "/api/v1/namespaces/default/secrets"
    answer = handle(cluster, Request("POST", path, body=json.dumps(stored).encode()))
    assert answer.code == 201, answer.body


VALUES = ("c2VjcmV0", "plain-token-value", "cGxhaW4tdG9rZW4tdmFsdWU=", "secret")


def test_it_shows_a_viewer_no_value_of_a_secret_applied_with_kubectl(
    viewer_client, operator_client, cluster
):
    apply_secret(cluster)
    page = viewer_client.get(url(cluster, "secrets/default/db/")).content.decode()
    assert "password" in page and "token" in page
    assert "kubectl.kubernetes.io/last-applied-configuration" in page
    assert not [value for value in VALUES[:3] if value in page]
    listed = viewer_client.get(url(cluster, "?namespace=default&tab=config")).content.decode()
    assert 'data-name="db"' in listed or ">db<" in listed
    assert not [value for value in VALUES[:3] if value in listed]
    # Operators edit Secrets (and have a shell into the cluster): they see the values.
    page = operator_client.get(url(cluster, "secrets/default/db/")).content.decode()
    assert "c2VjcmV0" in page and "plain-token-value" in page


@pytest.mark.django_db(transaction=True)
def test_it_hides_secrets_in_every_answer_a_viewer_gets_through_the_forwarder(
    rf, viewer, operator, cluster
):
    from django.contrib.sessions.backends.db import SessionStore

    from console.web.kubeapi import forward

    apply_secret(cluster)
    request = rf.get("/")
    request.session = SessionStore()

    def read(user, path) -> str:
        async def as_user():
            return user

        request.auser = as_user
        return json.dumps(asyncio.run(forward(request, cluster.cluster_id, "GET", path)))

    for path in (
        "/api/v1/namespaces/default/secrets",
        "/api/v1/namespaces/default/secrets/db",
        "/api/v1/namespaces/default/secrets?limit=5",
        "/api/v1/secrets",
    ):
        seen = read(viewer, path)
        assert '"db"' in seen and "password" in seen, path
        assert not [value for value in VALUES[:3] if value in seen], (path, seen)
    assert "plain-token-value" in read(operator, "/api/v1/namespaces/default/secrets/db")


def test_an_operator_applies_edited_yaml(operator_client, cluster):
    make_deployment(cluster)
    page = operator_client.get(url(cluster, "deployments/default/shop/")).content.decode()
    assert "<textarea" in page
    obj = yaml.safe_load(
        handle(cluster, Request("GET", "/apis/apps/v1/namespaces/default/deployments/shop")).json
    )
    obj["spec"]["replicas"] = 3
    response = operator_client.post(
        url(cluster, "deployments/default/shop/"), {"manifest": yaml.safe_dump(obj)}
    )
    assert response.status_code == 302
    assert Pod.objects.filter(cluster=cluster, labels__app="shop").count() == 3


def test_bad_yaml_and_conflicts_keep_the_text(operator_client, cluster):
    make_deployment(cluster)
    broken = "metadata:\n  name: shop\nspec: [unclosed"
    response = operator_client.post(url(cluster, "deployments/default/shop/"), {"manifest": broken})
    assert response.status_code == 400
    html = response.content.decode()
    assert "This is not valid YAML" in html and "spec: [unclosed" in html
    obj = yaml.safe_load(
        handle(cluster, Request("GET", "/apis/apps/v1/namespaces/default/deployments/shop")).json
    )
    obj["metadata"]["resourceVersion"] = "1"  # stale
    obj["spec"]["replicas"] = 5
    response = operator_client.post(
        url(cluster, "deployments/default/shop/"), {"manifest": yaml.safe_dump(obj)}
    )
    assert response.status_code == 409 and "Conflict" in response.content.decode()
    assert Pod.objects.filter(cluster=cluster, labels__app="shop").count() == 2


def test_a_conflict_reads_as_sentences(operator_client, cluster):
    make_deployment(cluster)
    obj = yaml.safe_load(
        handle(cluster, Request("GET", "/apis/apps/v1/namespaces/default/deployments/shop")).json
    )
    obj["metadata"]["resourceVersion"] = "1"  # stale
    response = operator_client.post(
        url(cluster, "deployments/default/shop/"), {"manifest": yaml.safe_dump(obj)}
    )
    html = response.content.decode()
    said = "latest version and try again. Nothing was changed; your text is kept below."
    assert said in html


def test_scale_and_delete_need_the_typed_name(operator_client, cluster):
    make_deployment(cluster)
    operator_client.post(url(cluster, "deployments/default/shop/scale/"), {"replicas": "4"})
    assert Pod.objects.filter(cluster=cluster, labels__app="shop").count() == 4
    operator_client.post(url(cluster, "deployments/default/shop/scale/"), {"replicas": "-1"})
    assert Pod.objects.filter(cluster=cluster, labels__app="shop").count() == 4
    operator_client.post(url(cluster, "deployments/default/shop/delete/"), {"confirm": "wrong"})
    assert KubeObject.objects.filter(cluster=cluster, name="shop").exists()
    operator_client.post(url(cluster, "deployments/default/shop/delete/"), {"confirm": "shop"})
    assert Pod.objects.filter(cluster=cluster, labels__app="shop").count() == 0


def test_a_viewer_changes_nothing(viewer_client, cluster):
    make_deployment(cluster)
    before = Pod.objects.filter(cluster=cluster).count()
    for path, data in [
        ("deployments/default/shop/scale/", {"replicas": "5"}),
        ("deployments/default/shop/delete/", {"confirm": "shop"}),
        ("deployments/default/shop/", {"manifest": "metadata: {name: shop}"}),
    ]:
        assert viewer_client.post(url(cluster, path), data).status_code == 403
    assert Pod.objects.filter(cluster=cluster).count() == before


def test_the_forwarder_refuses_a_viewers_writes_and_foreign_paths(rf, viewer, operator, cluster):
    from console.web.kubeapi import forward

    request = rf.get("/")

    def refused(user, method, path, body=None) -> bool:
        async def as_user():
            return user

        request.auser = as_user
        try:
            asyncio.run(forward(request, cluster.cluster_id, method, path, body))
        except PermissionDenied:
            return True
        return False

    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert refused(viewer, method, "/api/v1/namespaces/default/configmaps", {})
    for path in ("http://evil/api", "/api/../../etc", "//evil/api", "/metrics", "/api/v1/x y"):
        assert refused(operator, "GET", path)
    assert refused(operator, "CONNECT", "/api/v1/pods")
