"""A slow cloud is given up on within CONSOLE_CLOUD_TIMEOUT, retries included; with the
cloud refusing connections, pages that need it show the readable error, and
pages that do not (audit, terminal recordings, accounts) make no cloud call at all, so
they stay fast whatever the cloud does."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from console.cloud.client import CloudClient, CloudUnavailable
from tests.conftest import logged_in


@pytest.fixture
def cloud_refusing(settings, monkeypatch):
    """The cloud's address has nothing listening; every call the console makes is noted."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.CONSOLE_CLOUD_URL = f"http://127.0.0.1:{port}"
    settings.CONSOLE_PUBLIC_KEY, settings.CONSOLE_PRIVATE_KEY = "pub-key", "private-key"
    calls: list[str] = []
    real_call = CloudClient.call

    async def noted(self, action, **kwargs):
        calls.append(action)
        return await real_call(self, action, **kwargs)

    monkeypatch.setattr(CloudClient, "call", noted)
    return calls


@pytest.mark.parametrize(
    "path", ["/audit/", "/audit/export.csv", "/terminal/sessions/", "/accounts/key/"]
)
def test_pages_without_the_cloud_make_no_call(admin_user, cloud_refusing, path):
    response = logged_in(admin_user).get(path)
    assert response.status_code == 200, path
    assert cloud_refusing == [], f"{path} called the cloud: {cloud_refusing}"


def test_the_login_page_makes_no_call(client, db, cloud_refusing):
    assert client.get("/accounts/login/").status_code == 200
    assert cloud_refusing == []


def test_a_page_that_needs_the_cloud_says_it_is_unavailable(admin_user, cloud_refusing):
    response = logged_in(admin_user).get("/clusters/")
    assert response.status_code == 200
    assert "The cloud is unavailable" in response.content.decode()
    assert cloud_refusing  # it did try


async def test_a_slow_read_is_not_retried_past_the_calls_deadline():
    asked = []

    async def slow(request):
        asked.append(request)
        await asyncio.sleep(1)
        return httpx.Response(200, json={"RetCode": 0, "TotalCount": 0, "ClusterSet": []})

    transport = httpx.MockTransport(slow)
    async with CloudClient("http://cloud.test", "pub", "s", timeout=0.2, transport=transport) as c:
        with pytest.raises(CloudUnavailable, match="did not answer in time"):
            await c.call("DescribeCluster", Region="cn-bj2")
    assert len(asked) == 1  # one deadline for the call: no second attempt of 0.2 s more
