"""The pricing calculator re-prices as the CPU field changes."""

from __future__ import annotations

import re

from playwright.sync_api import expect

PRICE = re.compile(r"\d+\.\d\d")


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
