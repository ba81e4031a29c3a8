"""The demo data as a newcomer meets it: workloads own the demo pods (as their controllers
would have made them), one cluster is seen Creating, no paid term is silently expired."""

from __future__ import annotations

import json
import time

from console.localcloud import lifecycle
from console.localcloud.k8s.server import Request, handle
from console.localcloud.models import Cluster, Pod

DEMO_PODS = {
    "web-6f7d9c-x2k4p": ("default", "ReplicaSet", "web-6f7d9c", "web"),
    "web-6f7d9c-q8m3z": ("default", "ReplicaSet", "web-6f7d9c", "web"),
    "api-5b8c7d-h7j2n": ("default", "ReplicaSet", "api-5b8c7d", "api"),
    "checkout-84d9f-t5r6w": ("shop", "ReplicaSet", "checkout-84d9f", "checkout"),
    "coredns-7db6d8ff4d-7x9vq": ("kube-system", "ReplicaSet", "coredns-7db6d8ff4d", "coredns"),
    "orders-db-0": ("shop", "StatefulSet", "orders-db", None),
    "nightly-report-m4k8d": ("default", "Job", "nightly-report", None),
}


def get(cluster, path):
    return handle(cluster, Request("GET", path)).body


def test_every_demo_pod_has_the_owner_its_controller_would_give_it(cloud):
    cluster = Cluster.objects.get(name="prod-web")
    for name, (namespace, kind, owner, deployment) in DEMO_PODS.items():
        pod = get(cluster, f"/api/v1/namespaces/{namespace}/pods/{name}")
        (ref,) = pod["metadata"]["ownerReferences"]
        assert (ref["kind"], ref["name"]) == (kind, owner), name
        if deployment:
            rs = get(cluster, f"/apis/apps/v1/namespaces/{namespace}/replicasets/{owner}")
            assert rs["metadata"]["uid"] == ref["uid"]
            (up,) = rs["metadata"]["ownerReferences"]
            assert (up["kind"], up["name"]) == ("Deployment", deployment)
    assert set(Pod.objects.filter(cluster=cluster).values_list("name", flat=True)) == set(DEMO_PODS)


def test_the_controller_keeps_the_demo_pods_when_it_acts_again(cloud):
    cluster = Cluster.objects.get(name="prod-web")
    body = json.dumps({"spec": {"replicas": 3}}).encode()
    handle(
        cluster,
        Request(
            "PATCH",
            "/apis/apps/v1/namespaces/default/deployments/web/scale",
            content_type="application/merge-patch+json",
            body=body,
        ),
    )
    web = set(Pod.objects.filter(cluster=cluster, labels__app="web").values_list("name", flat=True))
    assert len(web) == 3 and {"web-6f7d9c-x2k4p", "web-6f7d9c-q8m3z"} < web
    # A demo pod deleted by hand is replaced by its StatefulSet under the same name.
    handle(cluster, Request("DELETE", "/api/v1/namespaces/shop/pods/orders-db-0"))
    assert Pod.objects.filter(cluster=cluster, name="orders-db-0").exists()


def test_the_workloads_tab_lists_what_owns_the_demo_pods(operator_client, cloud):
    cid = Cluster.objects.get(name="staging-api").cluster_id
    page = operator_client.get(f"/clusters/{cid}/k8s/", {"namespace": "default"})
    html = page.content.decode()
    for name in ("web", "api", "nightly-report", "web-6f7d9c", "api-5b8c7d"):
        assert f'data-name="{name}"' in html, name
    shop = operator_client.get(f"/clusters/{cid}/k8s/", {"namespace": "shop"}).content.decode()
    assert 'data-name="orders-db"' in shop and 'data-name="checkout"' in shop
    services = operator_client.get(
        f"/clusters/{cid}/k8s/", {"namespace": "default", "tab": "services"}
    ).content.decode()
    assert 'data-name="web"' in services and 'data-name="api"' in services
    config = operator_client.get(
        f"/clusters/{cid}/k8s/", {"namespace": "default", "tab": "config"}
    ).content.decode()
    assert 'data-name="web-config"' in config and 'data-name="api-credentials"' in config


def test_one_demo_cluster_is_still_creating_minutes_later(cloud, monkeypatch):
    cluster = Cluster.objects.get(name="ml-training")
    assert cluster.ready_time - cluster.create_time >= 600
    later = time.time() + 300
    monkeypatch.setattr(lifecycle, "now", lambda: later)
    lifecycle.advance()
    assert Cluster.objects.get(pk=cluster.pk).status == "Creating"


def test_no_paid_cluster_runs_past_its_term(cloud):
    now = time.time()
    for cluster in Cluster.objects.exclude(charge_type="Dynamic"):
        assert cluster.expire_time > now, cluster.name
