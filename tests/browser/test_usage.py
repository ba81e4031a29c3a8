"""The usage charts in a browser show what the metrics API answers for the same moment:
the cluster page's totals, a pod's row in the pods table and a super node's row; the
overview draws its chart too."""

from __future__ import annotations

import json
import time

from playwright.sync_api import Locator, expect

from console.localcloud.seed import DEMO_TENANT
from console.usage.sampler import kib, nanocores

from .conftest import logged_in_page
from .test_clusters import open_demo_cluster

METRICS = "/apis/metrics.k8s.io/v1beta1"
POD, NODE = "default/web-6f7d9c-x2k4p", "super-node-default"


def metrics_now(live_console, cluster_id: str, what: str) -> list[dict]:
    """The metrics API's items (pods or nodes), through ForwardCluster."""
    where = {"Region": "cn-bj2", "CompanyID": DEMO_TENANT, "ClusterID": cluster_id}
    answer = live_console.call("ForwardCluster", Method="GET", Path=f"{METRICS}/{what}", **where)
    return json.loads(answer["Info"]["ResponseBody"])["items"]


def moment(part: Locator) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(part.get_attribute("data-sampled"))))


def read_in_one_window(page, live_console, cluster_id: str, parts: list[str], what: str):
    """The page's parts and the API's items, read again until all are of one 15 s window."""
    deadline = time.monotonic() + 45
    while True:
        for part in parts:
            expect(page.locator(f"{part}[data-sampled]")).to_have_count(1)
        stamps = {moment(page.locator(part)) for part in parts}
        items = metrics_now(live_console, cluster_id, what)
        if stamps == {items[0]["timestamp"]} or time.monotonic() > deadline:
            assert stamps == {items[0]["timestamp"]}
            return items
        time.sleep(2)
        page.reload()


def test_the_charts_match_the_metrics_api(browser, live_console):
    page = logged_in_page(browser, live_console, "viewer")
    try:
        open_demo_cluster(page, "prod-web")
        cluster_id = page.locator("h1 code").inner_text()
        pods = read_in_one_window(page, live_console, cluster_id, ["#usage", "#usage-pods"], "pods")
        usages = [c["usage"] for item in pods for c in item["containers"]]
        cpu = sum(nanocores(u["cpu"]) for u in usages)
        chart = page.locator("#usage")
        expect(chart.locator(".usage-chart")).to_have_count(2)
        assert int(chart.get_attribute("data-cpu-nanocores")) == cpu
        assert int(chart.get_attribute("data-memory-kib")) == sum(kib(u["memory"]) for u in usages)
        used = chart.locator(".usage-chart").first.locator(".legend-used")
        expect(used).to_have_attribute("data-latest", f"{cpu / 1e9:.3f}")

        web = next(i for i in pods if f"default/{i['metadata']['name']}" == POD)
        row = page.locator(f"#pod-usage tr[data-pod='{POD}']")
        expect(row.locator(".spark")).to_have_count(2)
        web_cpu = sum(nanocores(c["usage"]["cpu"]) for c in web["containers"])
        assert int(row.get_attribute("data-cpu-nanocores")) == web_cpu

        page.goto(f"/clusters/{cluster_id}/nodes/")
        nodes = read_in_one_window(page, live_console, cluster_id, ["#usage-nodes"], "nodes")
        node = next(i for i in nodes if i["metadata"]["name"] == NODE)
        row = page.locator(f"#node-usage tr[data-node='{NODE}']")
        expect(row.locator("svg")).to_have_count(2)
        assert int(row.get_attribute("data-cpu-nanocores")) == nanocores(node["usage"]["cpu"])

        page.goto("/")
        expect(page.locator("#usage .usage-chart")).to_have_count(2)
    finally:
        page.context.close()
