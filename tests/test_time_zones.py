"""Times in the browser's zone on every page: the `tz` cookie as console.js writes it
(URL-encoded), the zone named on the page, and typed times read in it."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from console.audit.models import AuditEntry
from console.localcloud.models import Cluster, Pod
from console.web.timezones import zone_named
from tests.test_log_pages import NS, line_bodies, search_url, write

SHANGHAI = ZoneInfo("Asia/Shanghai")
# As console.js stores it: encodeURIComponent("Asia/Shanghai").
COOKIE = "Asia%2FShanghai"


@pytest.fixture
def pod(cloud) -> Pod:
    return Pod.objects.get(name="web-6f7d9c-x2k4p", cluster__name="prod-web")


def shown(html: str) -> str:
    """The page's text as read: tags dropped."""
    return re.sub(r"<[^>]+>", "", html)


def in_shanghai(seconds: int, pattern: str) -> str:
    return datetime.fromtimestamp(seconds, SHANGHAI).strftime(pattern)


@pytest.mark.parametrize("text", ["Asia%2FShanghai", "Asia/Shanghai", " Asia%2fShanghai "])
def test_it_reads_the_zone_encoded_or_plain(text):
    assert zone_named(text) == SHANGHAI


@pytest.mark.parametrize("text", ["", "Mars/Olympus", "../../etc/passwd", "%2E%2E", "x" * 100])
def test_it_refuses_what_is_not_a_zone(text):
    assert zone_named(text) is None


def test_cluster_pages_show_times_in_the_browser_zone(operator_client, cloud):
    cluster = Cluster.objects.filter(expire_time__gt=0).first()
    operator_client.cookies["tz"] = COOKIE
    detail = operator_client.get(f"/clusters/{cluster.cluster_id}/").content.decode()
    created = in_shanghai(cluster.create_time, "%-d %b %Y, %H:%M")
    assert f"{created} UTC+08:00" in shown(detail)
    assert "Times are shown in Asia/Shanghai (UTC+08:00)." in detail


def test_pages_say_utc_without_a_zone(operator_client, cloud):
    cluster = Cluster.objects.first()
    detail = operator_client.get(f"/clusters/{cluster.cluster_id}/").content.decode()
    created = datetime.fromtimestamp(cluster.create_time, UTC).strftime("%-d %b %Y, %H:%M")
    assert f"{created} UTC" in shown(detail)
    assert "Times are shown in UTC." in detail


def test_the_overview_shows_expiry_in_the_browser_zone(operator_client, cloud):
    soon = int(time.time()) + 3 * 86400
    Cluster.objects.filter(expire_time__gt=0).update(expire_time=soon)
    operator_client.cookies["tz"] = COOKIE
    html = operator_client.get("/").content.decode()
    assert in_shanghai(soon, "%-d %b %Y, %H:%M") + " UTC+08:00" in shown(html)


def test_the_audit_log_shows_and_searches_in_the_browser_zone(admin_user):
    from tests.conftest import logged_in

    client = logged_in(admin_user)
    client.cookies["tz"] = COOKIE
    # 2026-11-29 20:30 UTC is 2026-11-30 04:30 in Shanghai: a day later there.
    entry = AuditEntry.objects.create(
        username="admin", company_id=admin_user.company_id, action="DeleteCluster", ret_code=0
    )
    AuditEntry.objects.filter(pk=entry.pk).update(time=datetime(2026, 11, 29, 20, 30, tzinfo=UTC))
    html = client.get("/audit/?since=2026-11-30&until=2026-11-30").content.decode()
    assert "2026-11-30 04:30:00 UTC+08:00" in shown(html)
    assert "1 entry" in html
    assert "0 entries" in client.get("/audit/?until=2026-11-29").content.decode()


def test_logs_read_a_typed_time_in_the_zone_console_js_stores(viewer_client, pod):
    line = write(pod, "encoded zone line")
    viewer_client.cookies["tz"] = COOKIE
    moment = in_shanghai(line.time_ns // NS, "%Y-%m-%d %H:%M:%S")
    html = viewer_client.get(search_url(pod, kw="encoded", range="custom", since=moment)).content
    assert line_bodies(html.decode()) == ["encoded zone line"]
    assert "Local (Asia/Shanghai)" in html.decode()
