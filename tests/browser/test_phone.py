"""The console on a phone (390x844): no page scrolls sideways, the header's controls fold
behind a menu button, wide tables scroll inside their card, forms are one column."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import logged_in_page

PHONE = {"width": 390, "height": 844}

# Every table sits in something that scrolls sideways, and that something fits the screen
# (a chart's table for screen readers is hidden, in a box that clips it).
TABLES_SCROLL_IN_PLACE = """() => [...document.querySelectorAll("main table")]
  .filter((table) => !table.closest(".visually-hidden")).map((table) => {
  let box = table.parentElement;
  while (box && !["auto", "scroll"].includes(getComputedStyle(box).overflowX)) {
    box = box.parentElement;
  }
  return {
    id: table.id || table.className,
    scrolls: box !== null && box !== document.body && box !== document.documentElement,
    right: box ? box.getBoundingClientRect().right : Infinity,
  };
})"""


@pytest.fixture(scope="module")
def phone(browser, live_console):
    """An operator's page at a phone's size, logged in once for the module."""
    page = logged_in_page(browser, live_console, "operator", viewport=PHONE, has_touch=True)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def staging(phone):
    phone.goto("/clusters/?q=staging-api")
    row = phone.locator("#cluster-table tr[data-cluster-id]").first
    return row.get_attribute("data-cluster-id")


def pages(cluster_id: str) -> dict[str, str]:
    return {
        "overview": "/",
        "cluster list": "/clusters/",
        "cluster detail": f"/clusters/{cluster_id}/",
        "create": "/clusters/new/",
        "logs": "/logs/",
        "terminal": (
            f"/terminal/?cluster={cluster_id}&namespace=default&pod=api-5b8c7d-h7j2n&container=app"
        ),
        "pricing": "/pricing/",
        # The workload actions and usage charts (a deployment's YAML once pushed it sideways).
        "deployment": f"/clusters/{cluster_id}/k8s/deployments/default/web/",
        "create from YAML": f"/clusters/{cluster_id}/k8s/new/yaml/?namespace=default",
        "deployment form": f"/clusters/{cluster_id}/k8s/new/deployment/?namespace=default",
        "pods by usage": f"/clusters/{cluster_id}/usage/pods/",
        "pod usage": f"/clusters/{cluster_id}/usage/pods/default/api-5b8c7d-h7j2n/",
        "super nodes usage": f"/clusters/{cluster_id}/usage/nodes/",
    }


def assert_fits(page) -> None:
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)  # htmx parts (pods, pickers) load just after the page
    width, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert width <= inner, f"{page.url} scrolls sideways: {width}px wide in {inner}px"
    for table in page.evaluate(TABLES_SCROLL_IN_PLACE):
        assert table["scrolls"], f"{page.url}: table {table['id']} has no scroll area of its own"
        assert table["right"] <= inner, f"{page.url}: table {table['id']}'s box runs off screen"


@pytest.mark.parametrize(
    "name",
    [
        "overview",
        "cluster list",
        "cluster detail",
        "create",
        "logs",
        "terminal",
        "pricing",
        "deployment",
        "create from YAML",
        "deployment form",
        "pods by usage",
        "pod usage",
        "super nodes usage",
    ],
)
def test_the_page_fits_a_phone(phone, staging, name):
    phone.goto(pages(staging)[name])
    assert_fits(phone)


def test_the_header_folds_behind_a_menu_button_that_the_keyboard_opens(phone):
    phone.goto("/clusters/")
    menu = phone.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    controls = [
        phone.get_by_role("link", name="Pricing"),
        phone.get_by_label("Region"),
        phone.locator("header .who"),  # who is logged in
        phone.get_by_role("button", name="Log out"),
        phone.get_by_label("Language"),
    ]
    for control in controls:
        expect(control).to_be_hidden()

    menu.focus()
    phone.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    for control in controls:
        expect(control).to_be_visible()
        box = control.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    phone.keyboard.press("Tab")  # the menu's first control follows the button
    expect(phone.get_by_role("link", name="Overview")).to_be_focused()

    phone.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    expect(phone.get_by_role("button", name="Log out")).to_be_hidden()


def test_the_menu_reaches_another_page(phone):
    phone.goto("/clusters/")
    phone.get_by_role("button", name="Menu").click()
    phone.get_by_role("link", name="Pricing").click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Pricing")
    expect(phone.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "false")


def test_a_wide_table_scrolls_inside_its_card(phone):
    phone.goto("/clusters/")
    table = phone.locator("#cluster-table")
    expect(table).to_be_visible()
    box = table.locator("xpath=..")
    scroll_width, client_width = box.evaluate("(el) => [el.scrollWidth, el.clientWidth]")
    assert scroll_width > client_width  # eleven columns do not fit 390 px: they scroll
    box.evaluate("(el) => { el.scrollLeft = 200; }")
    assert box.evaluate("(el) => el.scrollLeft") > 0
    assert phone.evaluate("scrollX") == 0  # the page itself never moved


def test_forms_are_one_column(phone):
    phone.goto("/clusters/new/")
    lefts = phone.locator("#create-form .field").evaluate_all(
        "(fields) => fields.filter((f) => f.offsetParent)"
        ".map((f) => Math.round(f.getBoundingClientRect().left))"
    )
    assert len(lefts) > 3 and len(set(lefts)) == 1


def test_the_terminal_is_full_width(phone, staging):
    phone.goto(pages(staging)["terminal"])
    host = phone.locator(".pane:not([hidden]) .xterm-host")
    expect(host).to_be_visible()
    main = phone.locator("main").bounding_box()
    assert host.bounding_box()["width"] >= main["width"] - 40
