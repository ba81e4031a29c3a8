"""Details a user sees at a desk (1440x900): aligned cells, readable dates, whole picker
text, a kubeconfig inside its box, cluster counts that do not wrap."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import logged_in_page

DESK = {"width": 1440, "height": 900}

# The widest option of a select against the room its box has for text (the arrow
# takes about 20 px of the inner width).
OPTION_ROOM = """(select) => {
  const style = getComputedStyle(select);
  const context = document.createElement("canvas").getContext("2d");
  context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const widest = Math.max(...[...select.options].map((o) => context.measureText(o.text).width));
  const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
  const room = select.clientWidth - padding - 20;
  return { name: select.name, widest: Math.ceil(widest), room: Math.floor(room) };
}"""


@pytest.fixture(scope="module")
def desk(browser, live_console):
    page = logged_in_page(browser, live_console, "operator", viewport=DESK)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def staging(desk):
    desk.goto("/clusters/?q=staging-api")
    return desk.locator("#cluster-table tr[data-cluster-id]").first.get_attribute("data-cluster-id")


def test_pod_rows_align_and_show_created_as_a_date(desk, staging):
    desk.goto(f"/clusters/{staging}/k8s/?tab=pods")
    row = desk.locator("#table-pods tbody tr").first
    name = row.locator("td").first.locator("a").bounding_box()
    yaml = row.get_by_role("link", name="YAML").bounding_box()
    assert abs(yaml["y"] - name["y"]) < 4, "the actions sit on the row's first line"
    created = desk.locator("#table-pods th").filter(has_text="Created")
    column = desk.locator("#table-pods th").evaluate_all(
        "(cells, wanted) => cells.indexOf(wanted)", created.element_handle()
    )
    text = row.locator("td").nth(column).inner_text()
    assert not re.search(r"\d{4}-\d\d-\d\dT", text), text
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d [A-Z0-9+:-]+", text.strip()), text


def test_pricing_rows_have_one_background(desk):
    desk.goto("/pricing/")
    row = desk.locator("#price-table tbody tr:not(.chosen)").first
    backgrounds = row.locator("th, td").evaluate_all(
        "(cells) => cells.map((c) => getComputedStyle(c).backgroundColor)"
    )
    assert len(set(backgrounds)) == 1, backgrounds


@pytest.mark.parametrize("path", ["/pricing/", "/clusters/new/"])
def test_pickers_show_their_whole_text(desk, path):
    desk.goto(path)
    desk.wait_for_load_state("networkidle")
    for select in desk.locator("main select").all():
        if not select.is_visible():
            continue
        room = select.evaluate(OPTION_ROOM)
        assert room["widest"] <= room["room"], f"{path}: {room['name']} cuts its text: {room}"


def test_the_kubeconfig_stays_in_its_box(desk, staging):
    desk.goto(f"/clusters/{staging}/")
    text = desk.locator("#kubeconfig-text")
    scroll_width, client_width = text.evaluate("(el) => [el.scrollWidth, el.clientWidth]")
    assert scroll_width <= client_width
    assert "certificate-authority-data" in text.inner_text()


def test_cluster_counts_keep_to_whole_rows(desk):
    desk.goto("/")
    tops = desk.locator(".state-counts li").evaluate_all(
        "(items) => items.map((i) => Math.round(i.getBoundingClientRect().top))"
    )
    rows = [tops.count(top) for top in sorted(set(tops))]
    assert rows in ([4], [2, 2]), f"items per row: {rows}"
    # Measured in one go in the page: the live overview may swap its counts in between two
    # separate reads (a box then reads as None).
    bottoms = desk.locator(".state-counts li").evaluate_all(
        "(items) => items.map((i) => [i.querySelector('strong').getBoundingClientRect().bottom,"
        " i.querySelector('.badge').getBoundingClientRect().bottom])"
    )
    for strong, badge in bottoms:
        assert abs(strong - badge) < 12
