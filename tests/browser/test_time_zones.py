"""A browser in Shanghai sees the console's times in its own zone, named on the page, and a
time it types is read in that zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from console.localcloud.seed import DEMO_TENANT
from tests.browser.conftest import logged_in_page

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def shanghai(browser, live_console):
    viewport = {"width": 1280, "height": 800}
    page = logged_in_page(
        browser, live_console, "viewer", viewport=viewport, timezone_id="Asia/Shanghai"
    )
    yield page
    page.context.close()


def test_cluster_times_are_in_the_browsers_zone(shanghai, live_console):
    answer = live_console.call("DescribeCluster", Region="cn-bj2", CompanyID=DEMO_TENANT, Limit=100)
    cluster = next(c for c in answer["Infos"] if c["Name"] == "prod-web")
    shanghai.goto(f"/clusters/{cluster['ClusterID']}/")
    created = datetime.fromtimestamp(cluster["CreateTime"], SHANGHAI)
    expect(shanghai.locator("dt:text-is('Created') + dd")).to_have_text(
        f"{created.day} {created:%b %Y, %H:%M} UTC+08:00"
    )
    expect(shanghai.locator("#time-zone")).to_have_text(
        "Times are shown in Asia/Shanghai (UTC+08:00)."
    )


def test_a_typed_log_time_is_read_in_the_browsers_zone(shanghai, live_console):
    answer = live_console.call("DescribeCluster", Region="cn-bj2", CompanyID=DEMO_TENANT, Limit=100)
    cluster = next(c["ClusterID"] for c in answer["Infos"] if c["Name"] == "prod-web")
    where = (cluster, "default", "web-6f7d9c-x2k4p", "nginx")
    live_console.manage("localcloud", "log", *where, "typed in Shanghai")
    now = datetime.now(SHANGHAI)
    shanghai.goto(f"/logs/?cluster={cluster}&namespace=default&pod={where[2]}&container=nginx")
    expect(shanghai.locator("#log-tz option[value=local]")).to_have_text("Local (Asia/Shanghai)")
    shanghai.locator("#log-range").select_option("custom")
    # Wall-clock times as a person in Shanghai reads them off their clock.
    since, until = f"{now - timedelta(minutes=5):%F %T}", f"{now + timedelta(minutes=5):%F %T}"
    shanghai.locator("#log-since").fill(since)
    shanghai.locator("#log-until").fill(until)
    shanghai.get_by_role("button", name="Search").click()
    line = shanghai.locator("#log-lines li", has_text="typed in Shanghai")
    expect(line).to_be_visible()
    # Its time is shown on the same clock.
    assert since < line.locator("time").inner_text() < until
