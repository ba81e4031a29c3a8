"""An operator creates, changes and deletes a cluster; a viewer only reads; errors stay readable."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from console.accounts.management.commands.demo_users import demo_password

SETTLE = 20_000  # ms: Creating/Deleting last 2 s here, and the pages poll every 2 s


@dataclass
class Cluster:
    cluster_id: str
    name: str

    @property
    def url(self) -> str:
        return f"/clusters/{self.cluster_id}/"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def log_in(page: Page, username: str) -> Page:
    """The login form, for pages of module-scoped contexts (the `login` fixture is per test)."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(demo_password(username))
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    return page


def field(page: Page, label: str):
    """The input labelled exactly `label` (a required field's label ends with " *")."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def fill_create_form(page: Page, name: str, vpc: str = "vpc-test1", subnet: str = "subnet-test1"):
    page.goto("/clusters/new/")
    field(page, "Name").fill(name)
    page.get_by_label("VPC ID").fill(vpc)
    page.get_by_label("Subnet ID").fill(subnet)
    page.get_by_label("Tag key").fill("env")
    page.get_by_label("Tag value").fill("test")


def create_cluster(page: Page, name: str) -> Cluster:
    """Create through the form and wait until the cluster is Running."""
    fill_create_form(page, name)
    page.get_by_role("button", name="Create cluster").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    expect(page.locator("#status-panel .badge")).to_have_text("Running", timeout=SETTLE)
    cluster_id = re.search(r"/clusters/([^/]+)/$", page.url).group(1)
    return Cluster(cluster_id, name)


def open_demo_cluster(page: Page, name: str) -> None:
    page.goto("/clusters/")
    page.locator("#cluster-table").get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)


def create_cluster_as_operator(browser, live_console, prefix: str) -> Cluster:
    """For module-scoped fixtures: a cluster made through the form in a context of its own."""
    context = browser.new_context(base_url=live_console.url)
    context.set_default_timeout(15_000)
    try:
        return create_cluster(log_in(context.new_page(), "operator"), unique(prefix))
    finally:
        context.close()


@pytest.fixture(scope="module")
def running_cluster(browser, live_console) -> Cluster:
    """One Running cluster of this module's own, for the tests that change a cluster."""
    return create_cluster_as_operator(browser, live_console, "shared")


@pytest.fixture
def faulty_cloud(live_console):
    """Every cloud call answers RetCode 199 until the test ends."""
    live_console.manage("localcloud", "faults", "--error-rate", "1", "--error-kind", "retcode")
    try:
        yield
    finally:
        live_console.manage("localcloud", "faults", "--clear")


def test_it_creates_a_cluster_with_a_live_price_and_follows_it_to_running(login):
    page = login("operator")
    name = unique("created")
    fill_create_form(page, name)
    expect(page.locator("#price-value")).to_have_text(re.compile(r"^\d+\.\d\d$"))
    expect(page.locator("#price")).to_contain_text("per hour")

    page.get_by_role("button", name="Create cluster").click()

    expect(page).to_have_url(re.compile(r"/clusters/[^/]+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    expect(page.get_by_text(f"Cluster {name} is being created.")).to_be_visible()
    status = page.locator("#status-panel .badge")
    expect(status).to_have_text("Creating")
    expect(status).to_have_text("Running", timeout=SETTLE)
    expect(page.locator("#overview")).to_contain_text("env=test")
    expect(page.locator("#networking")).to_contain_text("vpc-test1")
    expect(page.locator("#networking")).to_contain_text("subnet-test1")


def test_it_changes_the_capacity(login, running_cluster):
    page = login("operator")
    page.goto(running_cluster.url)
    cpu = page.locator("#capacity dd").first
    expect(cpu).to_contain_text("/ 64")

    page.get_by_text("Change capacity").click()
    page.get_by_label("Max CPU (cores)").fill("48")
    page.get_by_role("button", name="Save capacity").click()

    expect(page.get_by_text("Capacity updated.")).to_be_visible()
    expect(cpu).to_contain_text("/ 48")


def test_it_attaches_and_detaches_an_eip(login, running_cluster):
    page = login("operator")
    page.goto(running_cluster.url)
    eip = page.locator("#eip")
    expect(eip).to_have_text("none")

    page.get_by_text("Attach an EIP").click()
    page.get_by_label("EIP ID").fill("eip-test1")
    page.get_by_role("button", name="Attach EIP").click()
    expect(page.get_by_text("EIP attached.")).to_be_visible()
    expect(eip).to_have_text("eip-test1")

    # A confirmation step: the first click only opens what detaching means.
    page.get_by_text("Detach EIP…").click()
    expect(page.locator("#detach-eip-panel")).to_contain_text("stop working")
    expect(eip).to_have_text("eip-test1")
    page.get_by_role("button", name="Detach EIP").click()
    expect(page.get_by_text("EIP detached.")).to_be_visible()
    expect(eip).to_have_text("none")


def test_it_keeps_what_was_typed_when_the_vpc_id_is_wrong(login):
    page = login("operator")
    name = unique("typo")
    fill_create_form(page, name, vpc="test1")

    page.get_by_role("button", name="Create cluster").click()

    vpc_row = page.locator("#row-vpc_id")
    expect(vpc_row.get_by_role("alert")).to_contain_text("starts with “vpc-”")
    expect(field(page, "Name")).to_have_value(name)
    expect(page.get_by_label("VPC ID")).to_have_value("test1")
    expect(page.get_by_label("Subnet ID")).to_have_value("subnet-test1")
    expect(page.get_by_label("Tag key")).to_have_value("env")


def test_it_checks_a_field_when_focus_leaves_it(login):
    page = login("operator")
    page.goto("/clusters/new/")
    subnet = page.get_by_label("Subnet ID")
    subnet.fill("test2")
    subnet.press("Tab")

    expect(page.locator("#row-subnet_id").get_by_role("alert")).to_contain_text(
        "starts with “subnet-”"
    )
    expect(page).to_have_url("/clusters/new/")
    expect(page.get_by_label("Subnet ID")).to_have_value("test2")


def test_it_checks_each_field_left_in_quick_succession_on_a_slow_network(login):
    page = login("operator")
    page.goto("/clusters/new/")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 500, "downloadThroughput": -1, "uploadThroughput": -1},
    )

    page.get_by_label("VPC ID").click()
    page.keyboard.type("test1")
    page.keyboard.press("Tab")  # into Subnet ID, while VPC ID's check is on its way
    page.keyboard.type("test2")
    page.keyboard.press("Tab")

    expect(page.locator("#row-vpc_id").get_by_role("alert")).to_contain_text("“vpc-”")
    expect(page.locator("#row-subnet_id").get_by_role("alert")).to_contain_text(
        "“subnet-”", timeout=3_000
    )


def test_it_deletes_a_cluster_only_after_its_name_is_typed(login):
    page = login("operator")
    cluster = create_cluster(page, unique("doomed"))
    confirm = page.get_by_label("Type the cluster's name to confirm")
    delete = page.get_by_role("button", name="Delete this cluster")

    confirm.fill("not-" + cluster.name)
    delete.click()
    refusal = page.get_by_text("That is not this cluster's name; nothing was deleted.")
    expect(refusal).to_be_visible()
    expect(page.locator("#status-panel .badge")).to_have_text("Running")

    confirm.fill(cluster.name)
    delete.click()
    expect(page).to_have_url("/clusters/")
    expect(page.get_by_text(f"Cluster {cluster.name} is being deleted.")).to_be_visible()
    row = page.locator("#cluster-table tr", has_text=cluster.name)
    expect(row.locator(".badge")).to_have_text("Deleting")
    expect(row).to_have_count(0, timeout=SETTLE)


def test_a_viewer_sees_no_kubeconfig_and_no_change_forms(login):
    page = login("viewer")
    open_demo_cluster(page, "staging-api")

    expect(page.locator("#kubeconfig")).to_contain_text(
        "Kubeconfigs are shown to operators and admins only."
    )
    expect(page.locator("#kubeconfig-text")).to_have_count(0)
    expect(page.get_by_role("button", name="Copy")).to_have_count(0)
    for panel in ("Change capacity", "Change subnets", "Attach an EIP"):
        expect(page.get_by_text(panel)).to_have_count(0)
    expect(page.get_by_role("button", name="Delete this cluster")).to_have_count(0)
    expect(page.get_by_role("link", name="Add a super node")).to_have_count(0)

    response = page.goto(page.url + "kubeconfig/")
    assert response.status == 403


def test_an_operator_copies_and_downloads_the_kubeconfig(login):
    page = login("operator")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_demo_cluster(page, "staging-api")
    text = page.locator("#kubeconfig-text")
    expect(text).to_contain_text("apiVersion")
    kubeconfig = text.text_content()

    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == kubeconfig

    with page.expect_download() as download:
        page.get_by_role("link", name="Download", exact=True).click()
    assert download.value.suggested_filename.endswith(".kubeconfig")
    with open(download.value.path()) as downloaded:
        assert downloaded.read() == kubeconfig


def test_it_shows_a_readable_error_when_the_cloud_fails(login, faulty_cloud):
    page = login("viewer")

    response = page.goto("/clusters/")

    assert response.status == 200
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("RetCode 199")
    expect(alert).to_contain_text("try again")
    expect(page.locator("#cluster-table")).to_have_count(0)
