"""Pages that change under a user without a reload, and the console in Chinese."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from console.accounts.management.commands.demo_users import demo_password
from tests.browser.test_clusters import SETTLE, create_cluster_as_operator, log_in, unique


def new_page(browser, live_console, **options):
    context = browser.new_context(base_url=live_console.url, **options)
    context.set_default_timeout(15_000)
    return context.new_page()


def test_a_cluster_made_elsewhere_appears_and_settles_on_an_open_list(browser, live_console):
    viewer = log_in(new_page(browser, live_console), "viewer")
    viewer.goto("/clusters/")
    expect(viewer.locator("#live-state")).to_have_attribute("data-state", "live")
    loaded_at = viewer.evaluate("performance.timeOrigin")

    operator = log_in(new_page(browser, live_console), "operator")
    name = unique("pushed")
    operator.goto("/clusters/new/")
    operator.get_by_label(re.compile(r"^Name( \*)?$")).fill(name)
    operator.get_by_label("VPC ID").fill("vpc-live1")
    operator.get_by_label("Subnet ID").fill("subnet-live1")
    operator.get_by_label("Tag key").fill("env")
    operator.get_by_label("Tag value").fill("live")
    operator.get_by_role("button", name="Create cluster").click()
    expect(operator.get_by_role("heading", level=1)).to_contain_text(name)

    row = viewer.locator("#cluster-table tr", has_text=name)
    expect(row).to_be_visible()
    expect(row.locator(".badge")).to_have_text("Running", timeout=SETTLE)
    # The same document all along: no reload brought the row.
    assert viewer.evaluate("performance.timeOrigin") == loaded_at
    viewer.context.close()
    operator.context.close()


def test_an_open_cluster_page_says_when_someone_else_changed_it(browser, live_console):
    cluster = create_cluster_as_operator(browser, live_console, "watched")
    viewer = log_in(new_page(browser, live_console), "viewer")
    viewer.goto(cluster.url)
    expect(viewer.locator("#live-state")).to_have_attribute("data-state", "live")

    operator = log_in(new_page(browser, live_console), "operator")
    operator.goto(cluster.url)
    operator.get_by_text("Change subnets").click()
    operator.get_by_label(re.compile(r"^Subnet IDs")).fill("subnet-elsewhere1")
    operator.get_by_role("button", name="Save subnets").click()
    expect(operator.locator("#networking")).to_contain_text("subnet-elsewhere1")

    notice = viewer.locator("#status-panel .notice")
    expect(notice).to_contain_text("This cluster has changed since the page was opened.")
    notice.get_by_role("link", name="Reload to see the change").click()
    expect(viewer.locator("#networking")).to_contain_text("subnet-elsewhere1")
    viewer.context.close()
    operator.context.close()


def test_a_chinese_browser_gets_chinese_and_can_switch_to_english(browser, live_console):
    page = new_page(browser, live_console, locale="zh-CN")
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.get_by_label("用户名").fill("viewer")
    page.get_by_label("密码").fill(demo_password("viewer"))
    page.get_by_role("button", name="登录").click()
    page.goto("/clusters/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("集群")
    expect(page.locator("#cluster-table")).to_contain_text("运行中")
    expect(page.locator("#live-state")).to_have_text("实时")

    page.get_by_label("语言").select_option("en")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Clusters")
    expect(page.locator("#cluster-table")).to_contain_text("Running")
    expect(page.locator("#live-state")).to_have_text("Live")
    page.goto("/")  # the choice is kept in a cookie over the browser's language
    expect(page.get_by_role("link", name="Overview")).to_be_visible()
    page.context.close()
