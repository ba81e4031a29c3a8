"""The overview from the aggregate kept in the shared cache: read once, refreshed by the
live watcher, stale at once after a change made through the console, never shared
between tenants."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.core.cache import cache

from console.accounts.models import Role
from console.dashboard import summary
from console.live.watcher import Watch
from console.localcloud import handlers
from console.localcloud.models import Cluster
from console.localcloud.seed import DEMO_TENANT, OTHER_TENANT
from console.web.roles import ACTION_ROLES
from tests.conftest import CREATE_CLUSTER_FORM
from tests.test_dashboard import a_while_later, count_of

REGION = "cn-bj2"


@pytest.fixture
def reads(monkeypatch):
    """DescribeCluster calls localcloud answers, counted."""
    counted = {"DescribeCluster": 0}
    describe = handlers.HANDLERS["DescribeCluster"]

    def counting(call, params):
        counted["DescribeCluster"] += 1
        return describe(call, params)

    monkeypatch.setitem(handlers.HANDLERS, "DescribeCluster", counting)
    return counted


@pytest.fixture
def settled(cloud):
    Cluster.objects.filter(name="ml-training").update(status="Running")


def test_it_reads_no_cluster_while_the_kept_overview_is_fresh(viewer_client, settled, reads):
    first = viewer_client.get("/").content.decode()
    assert reads["DescribeCluster"] == 1
    again = viewer_client.get("/").content.decode()
    assert reads["DescribeCluster"] == 1
    assert count_of(again, "Running") == count_of(first, "Running") == 3


def test_it_shows_another_clients_change_after_a_watcher_round(viewer_client, settled):
    viewer_client.get("/")
    Cluster.objects.filter(name="staging-api").update(status="Abnormal")
    assert count_of(viewer_client.get("/").content.decode(), "Abnormal") == 1  # kept
    with a_while_later():
        assert count_of(viewer_client.get("/").content.decode(), "Abnormal") == 2


def test_it_shows_a_cluster_created_through_the_console_at_once(
    viewer_client, operator_client, settled
):
    assert "4 clusters in cn-bj2" in viewer_client.get("/").content.decode()
    created = operator_client.post("/clusters/new/", CREATE_CLUSTER_FORM)
    assert created.status_code == 302
    html = viewer_client.get("/").content.decode()
    assert "5 clusters in cn-bj2" in html and count_of(html, "Creating") == 1


def test_it_shows_a_cluster_deleted_through_the_console_at_once(
    viewer_client, operator_client, settled
):
    assert count_of(viewer_client.get("/").content.decode(), "Deleting") == 0
    cid = Cluster.objects.get(name="staging-api").cluster_id
    done = operator_client.post(f"/clusters/{cid}/delete/", {"confirm_name": "staging-api"})
    assert done.status_code == 302
    assert count_of(viewer_client.get("/").content.decode(), "Deleting") == 1


def test_the_watcher_keeps_the_overview_it_is_asked_for(viewer_client, settled, reads):
    watch = Watch(DEMO_TENANT, REGION)
    async_to_sync(watch.poll_once)(lease_seconds=10)
    assert cache.get(summary.cache_key(DEMO_TENANT, REGION)) is None  # nobody asked yet
    viewer_client.get("/")
    Cluster.objects.filter(name="staging-api").update(status="Abnormal")
    async_to_sync(watch.poll_once)(lease_seconds=10)
    read = reads["DescribeCluster"]
    assert count_of(viewer_client.get("/").content.decode(), "Abnormal") == 2
    assert reads["DescribeCluster"] == read  # the watcher's aggregate, no read of its own


def test_tenants_never_see_each_others_kept_overview(viewer_client, client, outsider, settled):
    viewer_client.get("/")
    kept = cache.get(summary.cache_key(DEMO_TENANT, REGION))
    assert kept is not None and kept["total"] == 4
    assert summary.cache_key(OTHER_TENANT, REGION) != summary.cache_key(DEMO_TENANT, REGION)
    client.force_login(outsider)
    html = client.get("/").content.decode()
    assert count_of(html, "Running") == 1 and "legacy-batch" not in html
    assert cache.get(summary.cache_key(OTHER_TENANT, REGION))["total"] == 1
    assert cache.get(summary.cache_key(DEMO_TENANT, REGION))["total"] == 4


def test_the_role_check_comes_before_the_kept_overview(viewer_client, settled, monkeypatch):
    assert viewer_client.get("/").status_code == 200  # kept now
    monkeypatch.setitem(ACTION_ROLES, "DescribeSuperNode", Role.OPERATOR)
    assert viewer_client.get("/").status_code == 403
