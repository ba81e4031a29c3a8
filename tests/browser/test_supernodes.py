"""An operator adds, resizes, re-equips and deletes super nodes; the default node stays."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .test_clusters import Cluster, create_cluster_as_operator, field, open_demo_cluster, unique


@pytest.fixture(scope="module")
def cluster(browser, live_console) -> Cluster:
    """A Running cluster of this module's own (default limits: 64 CPU, 256 GiB, 200 pods)."""
    return create_cluster_as_operator(browser, live_console, "nodes")


def add_super_node(page: Page, cluster: Cluster) -> str:
    """Add a node from the cluster's page; returns its name, with its page open."""
    name = unique("node")
    page.goto(cluster.url)
    page.get_by_role("link", name="Add a super node").click()
    field(page, "Node name").fill(name)
    page.get_by_role("button", name="Create super node").click()
    expect(page.get_by_text(f"Super node {name} created.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    return name


def test_it_adds_a_super_node_that_the_cluster_lists(login, cluster):
    page = login("operator")
    name = add_super_node(page, cluster)

    expect(page.locator("#limits")).to_contain_text("adjustable up to 200")
    page.get_by_role("link", name=cluster.name).click()
    row = page.locator("#node-table tr", has_text=name)
    expect(row.locator(".badge")).to_have_text("Ready")


def test_it_changes_the_limits_of_a_super_node(login, cluster):
    page = login("operator")
    name = add_super_node(page, cluster)
    pods = page.locator("#limits dd").nth(2)
    expect(pods).to_contain_text("/ 110")

    page.get_by_text("Change limits").click()
    page.get_by_label("Max pods").fill("150")
    page.get_by_role("button", name="Save limits").click()

    expect(page.get_by_text(f"Limits of {name} updated.")).to_be_visible()
    expect(pods).to_contain_text("/ 150")


def test_it_refuses_limits_above_the_adjustable_maximum(login, cluster):
    page = login("operator")
    add_super_node(page, cluster)
    page.get_by_text("Change limits").click()
    max_pods = page.get_by_label("Max pods")
    expect(page.locator("#row-max_pods")).to_contain_text("At most 200 (the adjustable maximum).")

    max_pods.fill("201")
    page.get_by_role("button", name="Save limits").click()
    # The browser itself refuses first (the input carries max=200) ...
    assert "200" in max_pods.evaluate("input => input.validationMessage")

    # ... and where it does not check, the server says so next to the field.
    page.locator("#resize-form").evaluate("form => { form.noValidate = true; }")
    page.get_by_role("button", name="Save limits").click()
    expect(page.locator("#row-max_pods").get_by_role("alert")).to_have_text(
        "At most 200: that is the adjustable maximum."
    )
    expect(page.get_by_label("Max pods")).to_have_value("201")
    expect(page.locator("#limits dd").nth(2)).to_contain_text("/ 110")


def test_it_shows_the_premium_before_changing_the_gpus(login, cluster):
    page = login("operator")
    name = add_super_node(page, cluster)
    expect(page.locator("#gpus")).to_have_text("none")

    page.get_by_label("GPU type").select_option("nvidia-t4")
    page.get_by_label("GPU count").fill("2")
    page.get_by_role("button", name="See the price difference").click()

    premium = page.locator("#premium")
    # Two T4 cards at 1.20 per card-hour, on an hourly (Dynamic) cluster.
    expect(premium.locator("#premium-price")).to_have_text("2.40")
    expect(premium).to_contain_text("Dynamic, per hour")
    # What is confirmed is exactly what was priced: the choice is shown, no longer editable.
    expect(page.locator("#priced-gpus")).to_have_text("2 \N{MULTIPLICATION SIGN} nvidia-t4")
    expect(page.get_by_label("GPU count")).to_have_count(0)
    expect(page.locator("#gpus")).to_have_text("none")

    page.get_by_role("button", name="Confirm GPU change").click()

    expect(page.get_by_text(f"GPUs of {name}: 2 x nvidia-t4.")).to_be_visible()
    expect(page.locator("#gpus")).to_have_text("2 \N{MULTIPLICATION SIGN} nvidia-t4")
    expect(page.locator("#premium")).to_have_count(0)


def test_it_deletes_a_super_node_after_its_name_is_typed(login, cluster):
    page = login("operator")
    name = add_super_node(page, cluster)
    confirm = page.get_by_label("Type the node's name to confirm")

    confirm.fill("not-" + name)
    page.get_by_role("button", name="Delete super node").click()
    expect(page.get_by_text("That is not this node's name; nothing was deleted.")).to_be_visible()

    page.get_by_label("Type the node's name to confirm").fill(name)
    page.get_by_role("button", name="Delete super node").click()

    expect(page).to_have_url(cluster.url)
    expect(page.get_by_text(f"Super node {name} deleted.")).to_be_visible()
    expect(page.locator("#node-table")).to_contain_text("super-node-default")
    expect(page.locator("#node-table")).not_to_contain_text(name)


def test_the_default_super_node_says_why_it_cannot_be_deleted(login, cluster):
    page = login("operator")
    page.goto(cluster.url)
    page.locator("#node-table").get_by_role("link", name="super-node-default").click()

    expect(page.locator("#delete")).to_contain_text(
        "The default super node runs the cluster's system pods and cannot be deleted."
    )
    expect(page.get_by_label("Type the node's name to confirm")).to_have_count(0)
    expect(page.get_by_role("button", name="Delete super node")).to_have_count(0)


def test_a_viewer_sees_a_gpu_node_without_change_forms(login):
    page = login("viewer")
    open_demo_cluster(page, "staging-api")
    page.locator("#node-table").get_by_role("link", name="gpu-pool").click()

    expect(page.locator("#gpus")).to_have_text("2 \N{MULTIPLICATION SIGN} nvidia-t4")
    expect(page.get_by_text("Change limits")).to_have_count(0)
    expect(page.get_by_role("button", name="See the price difference")).to_have_count(0)
    expect(page.get_by_role("button", name="Delete super node")).to_have_count(0)
