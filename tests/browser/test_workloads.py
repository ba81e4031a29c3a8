"""A cluster's Kubernetes objects as an operator works with them: switch namespace, read a
pod's YAML, scale a deployment and watch its pods, delete a pod after typing its name."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.test_logs import cluster_id_of

MAKE_DEPLOYMENT = """
import json
from console.localcloud.k8s.server import Request, handle
from console.localcloud.models import Cluster
labels = {"app": "shopfront"}
template = {"metadata": {"labels": labels},
            "spec": {"containers": [{"name": "app", "image": "nginx"}]}}
spec = {"replicas": 2, "selector": {"matchLabels": labels}, "template": template}
body = json.dumps({"metadata": {"name": "shopfront"}, "spec": spec}).encode()
cluster = Cluster.objects.get(name="prod-web")
handle(cluster, Request("POST", "/apis/apps/v1/namespaces/default/deployments", body=body))
"""


def shopfront_pods(page):
    page.get_by_role("tab", name="Pods").click()
    rows = page.locator("#table-pods tr[data-name^='shopfront-']")
    return rows


def test_namespaces_yaml_scale_and_delete(login, live_console):
    live_console.manage("shell", "--no-imports", "-c", MAKE_DEPLOYMENT)
    page = login("operator")
    cluster = cluster_id_of(page, "prod-web")
    page.goto(f"/clusters/{cluster}/")
    page.locator("#objects-link").click()
    expect(page.locator("#table-deployments tr[data-name='shopfront'] .ready")).to_have_text("2/2")

    page.get_by_label("Namespace").select_option("kube-system")
    page.get_by_role("tab", name="Pods").click()
    expect(page.locator("#table-pods")).to_contain_text("coredns-7db6d8ff4d-7x9vq")
    page.get_by_role("link", name="coredns-7db6d8ff4d-7x9vq").click()
    expect(page.locator("#object-yaml")).to_contain_text("image: coredns/coredns:1.11.1")

    page.goto(f"/clusters/{cluster}/k8s/?namespace=default&tab=workloads")
    page.get_by_label("Replicas of shopfront").fill("4")
    page.locator("#table-deployments tr[data-name='shopfront']").get_by_role(
        "button", name="Scale"
    ).click()
    expect(page.locator(".messages")).to_contain_text("shopfront scaled to 4.")
    expect(page.locator("#table-deployments tr[data-name='shopfront'] .ready")).to_have_text("4/4")
    expect(shopfront_pods(page)).to_have_count(4)

    victim = shopfront_pods(page).first.get_attribute("data-name")
    row = page.locator(f"#table-pods tr[data-name='{victim}']")
    row.get_by_text("Delete", exact=True).click()
    row.get_by_label(f"Type {victim} to confirm").fill("not-the-name")
    row.get_by_role("button", name=f"Delete {victim}").click()
    expect(page.locator(".messages")).to_contain_text("nothing was deleted")
    row = page.locator(f"#table-pods tr[data-name='{victim}']")
    row.get_by_text("Delete", exact=True).click()
    row.get_by_label(f"Type {victim} to confirm").fill(victim)
    row.get_by_role("button", name=f"Delete {victim}").click()
    expect(page.locator(".messages")).to_contain_text(f"Pod {victim} deleted.")
    expect(page.locator(f"#table-pods tr[data-name='{victim}']")).to_have_count(0)
    # Its ReplicaSet replaces it, as in Kubernetes.
    expect(shopfront_pods(page)).to_have_count(4)
    assert re.search(r"tab=pods", page.url)
