"""The create-cluster form as a person fills it: the price box, tag errors, VPC choices."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def field(page, label: str):
    """The input labelled exactly `label` (a required field's label ends with " *")."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def test_the_price_box_explains_an_invalid_quantity_instead_of_pricing_it(login):
    # Issue 14, defect 10: Month, 40 showed the price of one month.
    page = login("operator")
    page.goto("/clusters/new/")
    price = page.locator("#price")
    expect(price).to_contain_text("per hour")

    field(page, "Charge type").select_option("Month")
    field(page, "Quantity").fill("40")

    expect(price).to_have_text("Quantity: For Month choose 1 to 11.")
    field(page, "Quantity").fill("2")
    expect(price).to_contain_text(re.compile(r"\d+\.\d\d.*for 2 months"))


def test_the_price_box_explains_it_in_chinese_on_a_chinese_page(browser, live_console, login):
    page = login("operator")
    page.context.add_cookies(
        [{"name": "django_language", "value": "zh-hans", "url": live_console.url}]
    )
    page.goto("/clusters/new/")
    price = page.locator("#price")
    expect(price).not_to_have_text("…")

    page.locator("#id_charge_type").select_option("Month")
    page.locator("#id_quantity").fill("40")

    expect(price).to_contain_text("包月请选择 1 到 11 个月。")
    expect(price).not_to_contain_text("must be")


def test_a_wrong_tag_marks_its_own_box(login):
    # Issue 14, defect 11: the banner said what was wrong, but not which box.
    page = login("operator")
    page.goto("/clusters/new/")
    field(page, "Name").fill("tagless")
    page.get_by_label("VPC ID").fill("vpc-test1")
    page.get_by_label("Subnet ID").fill("subnet-test1")
    page.get_by_label("Tag value").fill("orphan")

    page.get_by_role("button", name="Create cluster").click()

    key = page.get_by_label("Tag key")
    expect(key).to_have_attribute("aria-invalid", "true")
    expect(key).to_have_accessible_description("Every tag needs a key.")
    expect(page.get_by_label("Tag value")).not_to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Tag value")).to_have_value("orphan")


def test_vpc_and_subnet_offer_what_the_tenants_clusters_use(login):
    # Issue 14, friction: free text with no hint; typed values are still taken.
    page = login("operator")
    page.goto("/clusters/new/")
    suggestions = "box => [...box.list.options].map(o => [o.value, o.textContent])"
    # The demo clusters' (other tests of the run may add their own).
    assert ["vpc-demo01", "vpc-demo01-net"] in page.get_by_label("VPC ID").evaluate(suggestions)
    assert ["subnet-demo01", "vpc-demo01"] in page.get_by_label("Subnet ID").evaluate(suggestions)
    page.get_by_label("VPC ID").fill("vpc-mine1")
    expect(page.get_by_label("VPC ID")).to_have_value("vpc-mine1")
