"""The dashboard: states, summed capacity, unready control planes, expiry, busy super nodes."""

from __future__ import annotations

import re
import time

import pytest
import time_machine
from asgiref.sync import async_to_sync

from console.cloud import actions
from console.cloud.shared import get_client
from console.localcloud import handlers
from console.localcloud.errors import ApiError
from console.localcloud.models import Cluster, Fault, SuperNode
from console.localcloud.seed import DEMO_TENANT


@pytest.fixture
def still_creating(cloud):
    # Tests make clusters in 2 s; keep ml-training Creating however slow the run is.
    Cluster.objects.filter(name="ml-training").update(ready_time=time.time() + 600)


def cluster_id(name: str) -> str:
    return Cluster.objects.get(name=name).cluster_id


def section(html: str, section_id: str) -> str:
    match = re.search(rf'<section class="card" id="{section_id}">.*?</section>', html, re.S)
    assert match, f"no section {section_id}"
    return match.group(0)


def count_of(html: str, state: str) -> int:
    match = re.search(rf'data-state="{state}" data-count="(\d+)"', html)
    assert match, f"no count for {state}"
    return int(match.group(1))


@async_to_sync
async def describe_clusters():
    return await get_client().call(
        "DescribeCluster", Region="cn-bj2", CompanyID=DEMO_TENANT, Limit=1000
    )


def a_while_later(seconds: float = 6):
    """A change made outside this console (here, in localcloud's tables) shows once the
    kept aggregate is older than a watcher round; a busy cluster's super nodes once they
    are older than summary.NODES_SECONDS."""
    return time_machine.travel(time.time() + seconds, tick=False)


def capacity(html: str, name: str) -> str:
    match = re.search(rf'data-capacity="{name}">.*?<small>([^<]*)</small>', html, re.S)
    assert match, f"no {name} bar"
    return match.group(1).strip()


def test_it_sends_anonymous_users_to_login(client, cloud):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_counts_the_clusters_of_each_state(viewer_client, still_creating):
    response = viewer_client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert count_of(html, "Running") == 2
    assert count_of(html, "Abnormal") == 1
    assert count_of(html, "Creating") == 1
    assert count_of(html, "Deleting") == 0
    assert "4 clusters in cn-bj2" in html
    assert 'href="/clusters/"' in section(html, "states")


def test_it_sums_allocated_and_maximum_capacity_over_clusters(viewer_client, cloud):
    answer = describe_clusters()
    html = viewer_client.get("/").content.decode()
    for bar, (allocated, maximum) in {
        "cpu": ("AllocatedCPU", "MaxCPU"),
        "memory": ("AllocatedMemory", "MaxMemory"),
        "pods": ("AllocatedPods", "MaxPods"),
    }.items():
        used = sum(getattr(c, allocated) for c in answer.Infos)
        limit = sum(getattr(c, maximum) for c in answer.Infos)
        assert limit > 0
        assert capacity(html, bar) == f"{used} / {limit}"


def test_it_lists_clusters_whose_control_plane_is_not_ready(viewer_client, still_creating):
    html = viewer_client.get("/").content.decode()
    unready = section(html, "unready")
    assert "legacy-batch" in unready and "KubeScheduler" in unready
    assert f'href="/clusters/{cluster_id("legacy-batch")}/"' in unready
    # A cluster being created has components still starting: not a fault to flag.
    assert "ml-training" not in unready and "prod-web" not in unready


def test_it_lists_clusters_expiring_within_30_days(viewer_client, cloud):
    expiring = section(viewer_client.get("/").content.decode(), "expiring")
    assert "legacy-batch" in expiring
    assert re.search(r"\b(9|10) days left", expiring)
    assert f'href="/clusters/{cluster_id("legacy-batch")}/"' in expiring
    # Hourly clusters (ExpireTime 0) never expire.
    assert "staging-api" not in expiring and "ml-training" not in expiring


def test_it_lists_a_cluster_past_its_expiry_as_expired(viewer_client, cloud):
    Cluster.objects.filter(name="staging-api").update(expire_time=int(time.time()) - 3600)
    expiring = section(viewer_client.get("/").content.decode(), "expiring")
    assert re.search(r"staging-api</a>\s*<span class=\"bad\">expired</span>", expiring)


def test_it_leaves_out_clusters_expiring_later(viewer_client, cloud):
    later = int(time.time()) + 31 * 86400
    Cluster.objects.filter(name="legacy-batch").update(expire_time=later)
    Cluster.objects.filter(name="prod-web").update(expire_time=later)
    expiring = section(viewer_client.get("/").content.decode(), "expiring")
    assert "No cluster expires within 30 days." in expiring


def test_it_lists_a_super_node_near_its_limits(viewer_client, cloud):
    html = viewer_client.get("/").content.decode()
    assert "No super node is near its limits." in html
    node = SuperNode.objects.get(cluster__name="prod-web", is_default=True)
    node.max_pods = node.cluster.pods.filter(node_name=node.node_name).count()
    node.save()
    with a_while_later(61):
        near = section(viewer_client.get("/").content.decode(), "near-limits")
    assert f'data-node="{node.cluster.cluster_id}/{node.node_name}"' in near
    assert f'href="/clusters/{node.cluster.cluster_id}/nodes/' in near
    assert "pods" in near and "staging-api" not in near


def test_it_shows_the_other_nodes_when_one_cluster_fails(viewer_client, cloud, monkeypatch):
    node = SuperNode.objects.get(cluster__name="prod-web", is_default=True)
    SuperNode.objects.filter(pk=node.pk).update(max_pods=5)
    broken = cluster_id("legacy-batch")
    describe = handlers.HANDLERS["DescribeSuperNode"]

    def failing_for_one_cluster(call, params):
        if params["ClusterID"] == broken:
            raise ApiError(actions.NOT_FOUND, f"Cluster [{broken}] does not exist")
        return describe(call, params)

    monkeypatch.setitem(handlers.HANDLERS, "DescribeSuperNode", failing_for_one_cluster)
    response = viewer_client.get("/")
    near = section(response.content.decode(), "near-limits")
    assert response.status_code == 200
    assert "Super nodes of" in near and "legacy-batch" in near and "could not be checked" in near
    assert f'data-node="{node.cluster.cluster_id}/{node.node_name}"' in near


def test_it_waits_for_a_cluster_being_created(viewer_client, still_creating):
    html = viewer_client.get("/").content.decode()
    # Re-read on a pushed change, and on a timer when there is no live socket.
    assert 'data-live="clusters"' in html and 'hx-trigger="live"' in html
    assert "data-live-poll" in html
    assert 'hx-get="/"' in html


def test_it_stops_waiting_when_every_cluster_has_settled(viewer_client, cloud):
    Cluster.objects.filter(name="ml-training").update(status="Running")
    html = viewer_client.get("/").content.decode()
    assert "data-live-poll" not in html and 'data-live="clusters"' in html
    assert count_of(html, "Running") == 3 and count_of(html, "Creating") == 0


def test_it_answers_htmx_polls_with_the_fragment_alone(viewer_client, still_creating):
    response = viewer_client.get("/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="dashboard"')
    assert "<html" not in html and "data-live-poll" in html
    assert "HX-Request" in response["Vary"]
    Cluster.objects.filter(name="ml-training").update(status="Running")
    with a_while_later():
        settled = viewer_client.get("/", headers={"HX-Request": "true"}).content.decode()
    assert settled.lstrip().startswith('<div id="dashboard"') and "data-live-poll" not in settled


def test_it_shows_a_readable_error_when_the_cloud_fails(viewer_client, cloud):
    Fault.objects.create(pk=1, error_rate=1.0, error_kind="http")
    response = viewer_client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in html and "The cloud is unavailable" in html


def test_it_keeps_what_is_shown_when_a_poll_fails(viewer_client, cloud):
    Fault.objects.create(pk=1, error_rate=1.0, error_kind="retcode")
    response = viewer_client.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 204


def test_it_shows_only_the_tenants_own_clusters(client, cloud, outsider):
    client.force_login(outsider)
    html = client.get("/").content.decode()
    assert count_of(html, "Running") == 1 and "legacy-batch" not in html


def test_it_escapes_tenant_text(viewer_client, cloud):
    Cluster.objects.filter(name="legacy-batch").update(
        name="<script>alert(1)</script>", reason="<b>down</b>"
    )
    html = viewer_client.get("/").content.decode()
    assert "<script>alert(1)</script>" not in html and "<b>down</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;down&lt;/b&gt;" in html
