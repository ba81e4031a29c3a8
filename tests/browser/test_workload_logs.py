"""A workload's logs as a user opens them: from its row on the cluster's Workloads tab, every
pod's lines tagged with the pod, JSON lines as fields, and new lines of any pod live."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_logs import cluster_id_of

PODS = ("web-6f7d9c-q8m3z", "web-6f7d9c-x2k4p")


def test_a_workloads_logs_show_each_line_tagged_with_its_pod(login, live_console):
    page = login("viewer")
    cluster = cluster_id_of(page, "prod-web")
    page.goto(f"/clusters/{cluster}/k8s/")
    page.locator("#table-deployments tr[data-name=web] a.workload-logs").click()
    expect(page.locator("#log-workload")).to_have_value("deployment/web")
    for pod in PODS:
        expect(page.locator("#log-pods")).to_contain_text(pod)
        tag = page.locator("#log-lines .pod-tag", has_text=pod).first
        expect(tag).to_be_attached()
    # The log shipper beside nginx writes JSON: its lines show as key: value chips.
    expect(page.locator("#log-lines .field .fk", has_text="level").first).to_be_attached()

    page.get_by_label("Live tail").check()
    expect(page.locator("#tail-poller")).to_have_attribute("data-transport", "socket")
    live_console.manage(
        "localcloud", "log", cluster, "default", PODS[0], "nginx", "wl-browser <b>bold?</b>"
    )
    fresh = page.locator("#log-lines li", has_text="wl-browser")
    expect(fresh).to_be_visible(timeout=3_000)
    expect(fresh.locator(".pod-tag")).to_have_text(f"{PODS[0]} nginx")
    expect(fresh).to_contain_text("<b>bold?</b>")  # text, not markup
