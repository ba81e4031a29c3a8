"""The usage charts in a browser: the cluster page's chart shows what the metrics API
answers for the same moment; the overview, super nodes and pods tables draw theirs."""

from __future__ import annotations

import json
import time

from playwright.sync_api import expect

from console.localcloud.seed import DEMO_TENANT
from console.usage.sampler import kib, nanocores

from .conftest import logged_in_page
from .test_clusters import open_demo_cluster

METRICS = "/apis/metrics.k8s.io/v1beta1/pods"


def metrics_now(live_console, cluster_id: str) -> tuple[str, int, int]:
    """The metrics API's timestamp and totals (nanocores, KiB), through ForwardCluster."""
    answer = live_console.call("ForwardCluster", Region="cn-bj2", CompanyID=DEMO_TENANT,
                               ClusterID=cluster_id, Method="GET", Path=METRICS)  # fmt: skip
    items = json.loads(answer["Info"]["ResponseBody"])["items"]
    usages = [c["usage"] for item in items for c in item["containers"]]
    return (
        items[0]["timestamp"],
        sum(nanocores(u["cpu"]) for u in usages),
        sum(kib(u["memory"]) for u in usages),
    )


def test_the_cluster_chart_matches_the_metrics_api(browser, live_console):
    page = logged_in_page(browser, live_console, "viewer")
    try:
        open_demo_cluster(page, "prod-web")
        cluster_id = page.locator("h1 code").inner_text()
        deadline = time.monotonic() + 40
        while True:  # the chart and the API must be read in the same 15 s window
            chart = page.locator("#usage[data-sampled]")
            expect(chart.locator(".usage-chart")).to_have_count(2)
            sampled = int(chart.get_attribute("data-sampled"))
            stamp, cpu, memory = metrics_now(live_console, cluster_id)
            moment = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(sampled))
            if stamp == moment or time.monotonic() > deadline:
                break
            time.sleep(2)
            page.reload()
        assert stamp == moment
        assert int(chart.get_attribute("data-cpu-nanocores")) == cpu
        assert int(chart.get_attribute("data-memory-kib")) == memory
        used = chart.locator(".usage-chart").first.locator(".legend-used")
        expect(used).to_have_attribute("data-latest", f"{cpu / 1e9:.3f}")
        expect(
            page.locator("#pod-usage tr[data-pod='default/web-6f7d9c-x2k4p'] .spark")
        ).to_have_count(2)

        page.goto(f"/clusters/{cluster_id}/nodes/")
        expect(page.locator("#node-usage tr[data-node='super-node-default'] svg")).to_have_count(2)
        page.goto("/")
        expect(page.locator("#usage .usage-chart")).to_have_count(2)
    finally:
        page.context.close()
