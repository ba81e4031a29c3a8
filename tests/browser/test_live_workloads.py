"""An open workloads page shows what kubectl did without a reload: a deployment restarted
through the cluster's API (the PATCH `kubectl rollout restart` sends) appears with its new
ReplicaSet and pods, the old ReplicaSet at 0."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_logs import cluster_id_of

CALL = """
import json
from console.localcloud.k8s.server import Request, handle
from console.localcloud.models import Cluster
cluster = Cluster.objects.get(name="prod-web")
answer = handle(cluster, Request(%r, %r, content_type=%r, body=json.dumps(%r).encode()))
assert answer.code in (200, 201), answer.body
"""
LABELS = {"app": "restartme"}
DEPLOYMENT = {
    "metadata": {"name": "restartme"},
    "spec": {
        "replicas": 1,
        "selector": {"matchLabels": LABELS},
        "template": {
            "metadata": {"labels": LABELS},
            "spec": {"containers": [{"name": "app", "image": "nginx"}]},
        },
    },
}
RESTART = {
    "spec": {
        "template": {
            "metadata": {
                "annotations": {"kubectl.kubernetes.io/restartedAt": "2026-12-01T10:00:00Z"}
            }
        }
    }
}
PATH = "/apis/apps/v1/namespaces/default/deployments"


def call(live_console, method, path, body, content_type="application/json"):
    live_console.manage("shell", "--no-imports", "-c", CALL % (method, path, content_type, body))


def test_a_restart_by_the_api_shows_on_an_open_workloads_page(login, live_console):
    call(live_console, "POST", PATH, DEPLOYMENT)
    page = login("viewer")
    cluster = cluster_id_of(page, "prod-web")
    page.goto(f"/clusters/{cluster}/k8s/?namespace=default&tab=workloads")
    sets = page.locator("#table-replicasets tr[data-name^='restartme-']")
    expect(sets).to_have_count(1)
    first = sets.first.get_attribute("data-name")
    expect(page.locator("#live-state")).to_have_attribute("data-state", "live")
    page.evaluate("window.notReloaded = true")

    call(
        live_console,
        "PATCH",
        f"{PATH}/restartme",
        RESTART,
        "application/strategic-merge-patch+json",
    )
    expect(sets).to_have_count(2)
    expect(page.locator(f"#table-replicasets tr[data-name='{first}'] .ready")).to_have_text("0/0")
    new = page.locator("#table-replicasets tr[data-name^='restartme-']").filter(has_not_text="0/0")
    expect(new.locator(".ready")).to_have_text("1/1")
    assert page.evaluate("window.notReloaded") is True
