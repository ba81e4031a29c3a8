"""Roles and tenants: viewers read only, outsiders see nothing, anonymous users log in, CSRF."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from console.localcloud.models import Cluster, SuperNode
from tests.conftest import CREATE_CLUSTER_FORM, logged_in

NEW_CLUSTER = CREATE_CLUSTER_FORM
CAPACITY = {
    "max_cpu": "100",
    "max_memory": "300",
    "max_pods": "250",
    "max_storage": "2048",
    "max_storage_allocation": "Shared",
}

# (URL name, cluster, super node, what a form would post): every state-changing page.
CHANGES = [
    ("clusters:create", None, None, NEW_CLUSTER),
    ("clusters:subnets", "staging-api", None, {"subnet_ids": "subnet-demo01 subnet-demo02"}),
    ("clusters:capacity", "staging-api", None, CAPACITY),
    ("clusters:attach-eip", "staging-api", None, {"eip_id": "eip-new1"}),
    ("clusters:detach-eip", "prod-web", None, {"confirm": "yes"}),
    ("clusters:delete", "staging-api", None, {"confirm_name": "staging-api"}),
    (
        "supernodes:create",
        "staging-api",
        None,
        {"node_name": "batch-pool", "compute_class": "ComputeSetStandard", "max_cpu": "8"},
    ),
    (
        "supernodes:resize",
        "staging-api",
        "gpu-pool",
        {"max_cpu": "48", "max_memory": "128", "max_pods": "64"},
    ),
    (
        "supernodes:gpu",
        "staging-api",
        "gpu-pool",
        {"gpu_type": "nvidia-t4", "gpu_count": "4", "confirm": "yes"},
    ),
    ("supernodes:delete", "staging-api", "gpu-pool", {"confirm_name": "gpu-pool"}),
]
CHANGE_IDS = [name for name, *_ in CHANGES]


def url_of(name: str, cluster: str | None = None, node: str | None = None) -> str:
    kwargs = {}
    if cluster:
        kwargs["cluster_id"] = Cluster.objects.get(name=cluster).cluster_id
    if node:
        kwargs["node_name"] = node
    return reverse(name, kwargs=kwargs)


def state() -> tuple[list[dict], list[dict]]:
    """Everything a change could touch in localcloud's database."""
    clusters = list(Cluster.objects.order_by("pk").values())
    nodes = list(SuperNode.objects.order_by("pk").values())
    return clusters, nodes


def kube_token(cluster: str) -> str:
    return Cluster.objects.get(name=cluster).kube_token


# Viewers


@pytest.mark.parametrize(("name", "cluster", "node", "data"), CHANGES, ids=CHANGE_IDS)
def test_it_refuses_a_viewer_every_change(viewer_client, cloud, name, cluster, node, data):
    url = url_of(name, cluster, node)
    before = state()
    response = viewer_client.post(url, data)
    assert response.status_code == 403
    assert state() == before


@pytest.mark.parametrize(("name", "cluster", "node", "data"), CHANGES, ids=CHANGE_IDS)
def test_it_lets_an_operator_make_every_change(operator_client, cloud, name, cluster, node, data):
    # The same posts do change things for an operator: the refusals above are about roles.
    url = url_of(name, cluster, node)
    before = state()
    response = operator_client.post(url, data)
    assert response.status_code == 302
    assert state() != before


@pytest.mark.parametrize(
    ("name", "cluster"), [("clusters:create", None), ("supernodes:create", "staging-api")]
)
def test_it_refuses_a_viewer_the_create_forms(viewer_client, cloud, name, cluster):
    assert viewer_client.get(url_of(name, cluster)).status_code == 403


def test_it_lets_a_viewer_read_the_list_a_cluster_and_a_node(viewer_client, cloud):
    for url in (
        url_of("clusters:list"),
        url_of("clusters:detail", "staging-api"),
        url_of("supernodes:list", "staging-api"),
        url_of("supernodes:detail", "staging-api", "gpu-pool"),
    ):
        assert viewer_client.get(url).status_code == 200, url


def test_it_shows_a_viewer_no_change_forms(viewer_client, cloud):
    cluster_id = Cluster.objects.get(name="staging-api").cluster_id
    pages = [
        viewer_client.get(url_of("clusters:detail", "staging-api")),
        viewer_client.get(url_of("supernodes:list", "staging-api")),
        viewer_client.get(url_of("supernodes:detail", "staging-api", "gpu-pool")),
    ]
    for response in pages:
        # Only the header's region picker and logout post anything.
        actions = re.findall(
            r'<form[^>]*method="post"[^>]*action="([^"]+)"', response.content.decode()
        )
        assert not [a for a in actions if cluster_id in a or "/new/" in a]
        assert "Add a super node" not in response.content.decode()


def test_it_hides_the_kubeconfig_from_a_viewer(viewer_client, cloud):
    html = viewer_client.get(url_of("clusters:detail", "staging-api")).content.decode()
    assert kube_token("staging-api") not in html
    assert "Kubeconfigs are shown to operators and admins only." in html


def test_it_shows_the_kubeconfig_to_an_operator(operator_client, cloud):
    html = operator_client.get(url_of("clusters:detail", "staging-api")).content.decode()
    assert kube_token("staging-api") in html


def test_it_refuses_a_viewer_the_kubeconfig_download(viewer_client, cloud):
    response = viewer_client.get(url_of("clusters:kubeconfig", "staging-api"))
    assert response.status_code == 403
    assert kube_token("staging-api") not in response.content.decode()


def test_it_gives_an_operator_the_kubeconfig_download(operator_client, cloud):
    response = operator_client.get(url_of("clusters:kubeconfig", "staging-api"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert kube_token("staging-api") in response.content.decode()


# Another tenant


def test_it_hides_a_cluster_from_another_tenant(cloud, outsider):
    client = logged_in(outsider)
    assert client.get(url_of("clusters:detail", "staging-api")).status_code == 404
    assert client.get(url_of("supernodes:detail", "staging-api", "gpu-pool")).status_code == 404
    assert client.get(url_of("clusters:kubeconfig", "staging-api")).status_code == 404


def test_it_lets_another_tenant_change_nothing(cloud, outsider):
    client = logged_in(outsider)
    before = state()
    response = client.post(url_of("clusters:capacity", "staging-api"), CAPACITY)
    assert response.status_code == 404
    assert state() == before


@pytest.mark.parametrize(("name", "cluster", "node", "data"), CHANGES[1:], ids=CHANGE_IDS[1:])
def test_it_refuses_another_tenant_every_change(cloud, outsider, name, cluster, node, data):
    client = logged_in(outsider)
    url = url_of(name, cluster, node)
    before = state()
    response = client.post(url, data)
    # Detaching has no page of its own: it goes back to the cluster, which is a 404 for them.
    assert response.status_code == (302 if name == "clusters:detach-eip" else 404)
    assert state() == before


# Anonymous users

READS = [
    ("clusters:list", None, None),
    ("clusters:detail", "staging-api", None),
    ("clusters:kubeconfig", "staging-api", None),
    ("supernodes:list", "staging-api", None),
    ("supernodes:detail", "staging-api", "gpu-pool"),
    ("supernodes:yaml", "staging-api", "gpu-pool"),
]


@pytest.mark.parametrize(("name", "cluster", "node"), READS, ids=[r[0] for r in READS])
def test_it_sends_anonymous_readers_to_login(client, cloud, name, cluster, node):
    response = client.get(url_of(name, cluster, node))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(("name", "cluster", "node", "data"), CHANGES, ids=CHANGE_IDS)
def test_it_sends_anonymous_changes_to_login(client, cloud, name, cluster, node, data):
    url = url_of(name, cluster, node)
    before = state()
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert state() == before


# CSRF


def test_it_refuses_a_post_without_a_csrf_token(cloud, operator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    before = state()
    response = client.post(url_of("clusters:capacity", "staging-api"), CAPACITY)
    assert response.status_code == 403
    assert state() == before


def test_it_accepts_the_same_post_with_the_pages_csrf_token(cloud, operator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    page = client.get(url_of("clusters:detail", "staging-api")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(
        url_of("clusters:capacity", "staging-api"), {**CAPACITY, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert Cluster.objects.get(name="staging-api").max_cpu == 100
