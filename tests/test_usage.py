"""Usage charts: sampling through ForwardCluster under a lease, the history, the charts'
numbers against the metrics API at the same moment, the note without a metrics API, and
one tenant never reaching another's cluster."""

from __future__ import annotations

import asyncio
import re

import pytest
from django.core.cache import cache

from console.localcloud.k8s import metrics_api
from console.localcloud.models import Cluster
from console.localcloud.seed import DEMO_TENANT, OTHER_TENANT
from console.usage import charts, history, sampler
from console.usage.history import Sample, Scope


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def prod_web(cloud) -> Cluster:
    return Cluster.objects.get(name="prod-web")


def attribute(html: str, name: str) -> str:
    found = re.search(rf'{name}="([^"]*)"', html)
    assert found, f"no {name} in the fragment"
    return found[1]


def api_totals(cluster: Cluster, at: int) -> tuple[int, int]:
    """What the metrics API answers for the window ending at `at`: nanocores and KiB."""
    items = metrics_api.pod_metrics(cluster, None, None, at)
    usages = [c["usage"] for item in items for c in item["containers"]]
    return (
        sum(sampler.nanocores(u["cpu"]) for u in usages),
        sum(sampler.kib(u["memory"]) for u in usages),
    )


def test_the_cluster_chart_shows_what_the_metrics_api_answered(viewer_client, prod_web):
    html = viewer_client.get(f"/clusters/{prod_web.cluster_id}/usage/").content.decode()
    at = int(attribute(html, "data-sampled"))
    cpu, memory = api_totals(prod_web, at)
    assert int(attribute(html, "data-cpu-nanocores")) == cpu
    assert int(attribute(html, "data-memory-kib")) == memory
    shown = re.search(r'legend-used" data-line="used" data-latest="([0-9.]+)"', html)[1]
    assert shown == f"{cpu / 1e9:.3f}"  # the CPU chart's legend, in cores
    assert html.count("<svg") == 2 and "<title>" in html and 'class="visually-hidden"' in html


def test_pods_by_usage_and_a_pods_page(viewer_client, prod_web):
    base = f"/clusters/{prod_web.cluster_id}/usage"
    html = viewer_client.get(f"{base}/pods/?sort=memory").content.decode()
    assert 'data-pod="default/web-6f7d9c-x2k4p"' in html and "<polyline" in html
    assert 'aria-sort="descending"' in html
    page = viewer_client.get(f"{base}/pods/default/web-6f7d9c-x2k4p/").content.decode()
    assert 'data-container="nginx"' in page and 'data-container="log-shipper"' in page
    fragment = viewer_client.get(
        f"{base}/pods/default/web-6f7d9c-x2k4p/", headers={"HX-Request": "true"}
    ).content.decode()
    assert fragment.startswith("<div") and 'data-container="nginx"' in fragment
    whole = viewer_client.get(f"{base}/pods/").content.decode()  # opened directly: a page
    assert "<html" in whole and 'id="usage-pods"' in whole
    nodes = viewer_client.get(f"{base}/nodes/").content.decode()
    assert 'data-node="super-node-default"' in nodes and "Busiest pods" in nodes


def test_the_overview_adds_up_the_running_clusters(viewer_client, cloud):
    html = viewer_client.get("/usage/").content.decode()
    assert html.count('class="usage-chart"') == 2


def test_without_a_metrics_api_the_chart_says_so(viewer_client, prod_web, monkeypatch):
    monkeypatch.setattr(metrics_api, "handles", lambda path: False)  # a cloud without it
    response = viewer_client.get(f"/clusters/{prod_web.cluster_id}/usage/")
    html = response.content.decode()
    assert response.status_code == 200 and 'data-usage-note="missing"' in html
    assert "has no metrics" in html and "<svg" not in html


@pytest.mark.django_db(transaction=True)
async def test_one_sampler_holds_the_lease_across_processes(cloud):
    cluster = await Cluster.objects.aget(name="prod-web")
    scope = Scope(DEMO_TENANT, "cn-bj2", cluster.cluster_id)
    assert await sampler.sample_if_due(scope, token="process-a")
    assert (await history.cluster(scope))["state"] == "ok"
    assert not await sampler.sample_if_due(scope, token="process-b")
    await cache.adelete(history.cluster_key(scope))  # as if an interval had passed
    assert not await sampler.sample_if_due(scope, token="process-b")
    assert await history.cluster(scope) is None  # b never sampled: a's lease still holds
    await cache.adelete("usage:lease:" + scope.key)  # a stopped: its lease ran out
    assert await sampler.sample_if_due(scope, token="process-b")


@pytest.mark.django_db(transaction=True)
async def test_another_tenant_never_reaches_the_cluster(cloud):
    cluster = await Cluster.objects.aget(name="prod-web")
    scope = Scope(OTHER_TENANT, "cn-bj2", cluster.cluster_id)
    assert await sampler.sample_if_due(scope, token="t")
    kept = await history.cluster(scope)
    assert kept["state"] == "error" and kept["at"] == [] and kept["pods_now"] == {}
    assert "does not exist" in kept["message"] or "permission" in kept["message"].lower()


def test_another_tenants_page_shows_nothing_of_the_cluster(client, prod_web, outsider):
    client.force_login(outsider)
    html = client.get(f"/clusters/{prod_web.cluster_id}/usage/").content.decode()
    assert 'data-usage-note="error"' in html and "data-sampled" not in html
    scope = Scope(OTHER_TENANT, "cn-bj2", prod_web.cluster_id)
    assert cache.get(f"usage:viewed:{scope.key}") is None  # not sampled in the background
    pods = client.get(f"/clusters/{prod_web.cluster_id}/usage/pods/").content.decode()
    assert "web-6f7d9c" not in pods


def test_the_history_is_bounded():
    scope = Scope(1, "r", "c")

    async def fill():
        for i in range(history.POINTS + 10):
            pods = {f"ns/p{n}": {"app": (i, i)} for n in range(3)}
            await history.record(scope, Sample(at=1000 + 15 * i, cpu=i, pods=pods))
        return await history.cluster(scope), await history.pods(scope, ["ns/p0"])

    kept, pods = asyncio.run(fill())
    assert len(kept["at"]) == history.POINTS and kept["cpu"][-1] == history.POINTS + 9
    assert len(pods["ns/p0"]["containers"]["app"]["cpu"]) == history.POINTS


def test_a_gap_breaks_the_line_and_a_far_maximum_is_named_not_drawn():
    at = [1000 + 15 * i for i in range(5)]
    chart = charts.line_chart("CPU", "cores", at, [
        charts.Line("used", "used", [0.1, 0.2, None, 0.2, 0.3]),
        charts.Line("maximum", "maximum", [64.0] * 5),
    ])  # fmt: skip
    assert len(chart.lines[0].segments) == 2 and chart.lines[1].segments == []
    assert [(line.kind, value) for line, value in chart.above] == [("maximum", "64.0")]
    assert chart.top == pytest.approx(0.3 * charts.HEADROOM)
    assert "used 0.300" in chart.moments[-1].text and "maximum 64.0" in chart.moments[-1].text
    assert len(chart.moments) == 5 and chart.rows[0][1] == ["0.300", "64.0"]


@pytest.mark.django_db(transaction=True)
async def test_a_viewed_cluster_is_sampled_in_the_background_until_nobody_looks(cloud, settings):
    settings.CONSOLE_USAGE_SECONDS = 0.2
    cluster = await Cluster.objects.aget(name="prod-web")
    scope = Scope(DEMO_TENANT, "cn-bj2", cluster.cluster_id)
    await sampler.viewed(scope)
    for _ in range(50):
        if await history.cluster(scope):
            break
        await asyncio.sleep(0.1)
    assert len((await history.cluster(scope))["at"]) == 1
    await cache.adelete(f"usage:viewed:{scope.key}")  # the watch ran out
    task = sampler._tasks[scope]
    await asyncio.wait_for(task, timeout=5)
    assert await cache.aget(f"usage:lease:{scope.key}") is None  # freed for others
