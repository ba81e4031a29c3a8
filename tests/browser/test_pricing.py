"""The pricing calculator re-prices as the CPU field changes."""

from __future__ import annotations

import re

from playwright.sync_api import expect

PRICE = re.compile(r"\d+\.\d\d")
TIMES = "\N{MULTIPLICATION SIGN}"


def shown_price(text: str) -> float:
    return float(PRICE.search(text).group().replace(",", ""))


def test_the_price_follows_the_cpu_field(login):
    page = login("operator")
    page.goto("/pricing/")
    cpu = page.get_by_label(re.compile(r"^CPU\b"))
    price = page.get_by_role("status").first
    expect(price).to_contain_text(PRICE)
    before = price.text_content()

    cpu.first.fill("16")

    expect(price).not_to_have_text(before)
    expect(price).to_contain_text(PRICE)
    assert shown_price(price.text_content()) > shown_price(before)


# The GPU-change calculator (issue 14, defect 2): answers replace the result only, so what
# is typed meanwhile stays, and an answer to an older question never lands.


def pick(select, name: str) -> None:
    """Choose the option whose text starts with `name` (its text adds IDs and GPUs)."""
    option = select.locator("option").filter(has_text=re.compile(rf"^{re.escape(name)} "))
    select.select_option(option.get_attribute("value"))


def open_gpu_change(page, cluster: str = "staging-api", node: str = "gpu-pool"):
    page.goto("/pricing/")
    premium = page.locator("#premium-calculator")
    pick(premium.get_by_label("Cluster"), cluster)
    expect(premium.get_by_label("Super node")).to_contain_text(node)
    pick(premium.get_by_label("Super node"), node)
    expect(page.locator("#premium-answer")).to_contain_text(node)
    return premium, premium.get_by_label("New GPU count")


def test_typing_slowly_in_the_gpu_count_keeps_every_key(login):
    page = login("operator")
    premium, count = open_gpu_change(page)
    held = []
    page.route(re.compile(r"premium-gpu_count=1(&|$)"), lambda route: held.append(route))
    count.focus()
    page.keyboard.press("ControlOrMeta+a")
    with page.expect_request(re.compile(r"premium-gpu_count=1(&|$)")):
        page.keyboard.type("1")
    # "1" has been asked about; "0" is typed while that answer is on its way.
    page.keyboard.type("0")
    held[0].continue_()

    expect(premium.get_by_role("alert")).to_contain_text("8")  # the answer to "10"
    expect(count).to_have_value("10")
    expect(count).to_be_focused()


def test_typing_quickly_in_the_gpu_count_prices_the_last_value(login):
    page = login("operator")
    _premium, count = open_gpu_change(page)
    count.focus()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("5")
    page.keyboard.press("Backspace")
    page.keyboard.type("3")

    expect(page.locator("#premium-answer")).to_contain_text(f"nvidia-t4 {TIMES} 3:")
    expect(count).to_have_value("3")


def test_typing_right_after_picking_a_type_or_node_is_not_overwritten(login):
    page = login("operator")
    premium, count = open_gpu_change(page)

    premium.get_by_label("New GPU type").select_option("nvidia-a10")
    count.fill("2")  # at once, while the answer to the type's change is on its way
    expect(page.locator("#premium-answer")).to_contain_text(f"nvidia-a10 {TIMES} 2:")
    expect(count).to_have_value("2")

    pick(premium.get_by_label("Super node"), "super-node-default")
    count.fill("4")
    expect(page.locator("#premium-answer")).to_contain_text("super-node-default")
    expect(page.locator("#premium-answer")).to_contain_text(f"nvidia-a10 {TIMES} 4:")
    expect(count).to_have_value("4")
    expect(premium).not_to_contain_text("This field is required")


def test_picking_another_cluster_offers_its_nodes_and_keeps_the_gpu_choice(login):
    page = login("operator")
    premium, count = open_gpu_change(page)
    count.fill("3")
    expect(page.locator("#premium-answer")).to_contain_text(f"{TIMES} 3:")

    pick(premium.get_by_label("Cluster"), "legacy-batch")

    expect(page.locator("#premium-answer")).to_contain_text("legacy-batch")
    nodes = premium.get_by_label("Super node").locator("option")
    expect(nodes.first).to_have_text(re.compile(r"^super-node-default "))
    expect(count).to_have_value("3")
    assert "premium-cluster=" in page.url
