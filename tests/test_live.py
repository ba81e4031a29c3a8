"""The live socket (/ws/live/): who may open it, what it hears, and the watcher."""

from __future__ import annotations

import asyncio

import pytest
from channels.testing import WebsocketCommunicator
from django.core.cache import cache
from django.db import OperationalError
from django.test import AsyncClient

from console.live import watcher
from console.localcloud.models import Cluster
from tests.terminal.conftest import ORIGIN, communicator, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


def live_socket(cookie: bytes | None, origin=ORIGIN) -> WebsocketCommunicator:
    return communicator(cookie, origin=origin, path="/ws/live/")


@pytest.fixture(autouse=True)
def _fast_watch(settings):
    settings.CONSOLE_LIVE_WATCH_SECONDS = 0.2
    cache.clear()  # the watcher's snapshot of another test's clusters
    yield
    # A test that failed before its socket closed must not leave its watch to the next
    # (whose loop it does not run on: it ends with this test's loop).
    watcher._watches.clear()


async def opened(cookie: bytes) -> WebsocketCommunicator:
    socket = live_socket(cookie)
    connected, _ = await socket.connect()
    assert connected
    assert (await socket.receive_json_from())["kind"] == "hello"
    return socket


async def retried(write):
    """The test's own write, tried again while the table is locked. Django's in-memory
    test database is shared-cache SQLite: a write that meets the watcher's in another
    thread (its calls to the embedded cloud write the operation log) fails at once with
    "database table is locked", where the file the console runs on makes it wait."""
    for attempt in range(20):
        try:
            return await write()
        except OperationalError as exc:
            if "locked" not in str(exc) or attempt == 19:
                raise
            await asyncio.sleep(0.05)


async def until(socket: WebsocketCommunicator, wanted, timeout: float = 10) -> list[dict]:
    seen = []
    async with asyncio.timeout(timeout):
        while not seen or not wanted(seen[-1]):
            seen.append(await socket.receive_json_from(timeout))
    return seen


async def test_it_refuses_an_anonymous_socket():
    connected, code = await live_socket(None).connect()
    assert not connected and code == 4401


@pytest.mark.parametrize("origin", [(b"origin", b"http://evil.example"), None])
async def test_it_refuses_a_socket_from_another_origin(cloud, viewer, origin):
    cookie = await asyncio.to_thread(session_cookie, viewer)
    connected, _ = await live_socket(cookie, origin=origin).connect()
    assert not connected


async def test_a_viewer_hears_an_operators_change(cloud, viewer, operator):
    cluster = await Cluster.objects.aget(name="prod-web")
    socket = await opened(await asyncio.to_thread(session_cookie, viewer))
    browser = AsyncClient()
    await retried(lambda: browser.aforce_login(operator))
    answer = await retried(
        lambda: browser.post(
            f"/clusters/{cluster.cluster_id}/subnets/", {"subnet_ids": "subnet-live1"}
        )
    )
    assert answer.status_code in (200, 302)
    seen = await until(socket, lambda e: e.get("source") == "action")
    assert seen[-1] == {
        "kind": "cluster",
        "cluster": cluster.cluster_id,
        "change": "changed",
        "source": "action",
    }
    await socket.disconnect()


async def test_another_tenant_hears_nothing(cloud, outsider, operator):
    cluster = await Cluster.objects.aget(name="prod-web")
    socket = await opened(await asyncio.to_thread(session_cookie, outsider))
    browser = AsyncClient()
    await retried(lambda: browser.aforce_login(operator))
    await retried(
        lambda: browser.post(
            f"/clusters/{cluster.cluster_id}/subnets/", {"subnet_ids": "subnet-live2"}
        )
    )
    assert await socket.receive_nothing(timeout=1.0)
    await socket.disconnect()


async def test_the_watcher_pushes_a_cluster_settling(cloud, viewer):
    creating = await Cluster.objects.aget(status="Creating", tenant__company_id=cloud.DEMO_TENANT)
    socket = await opened(await asyncio.to_thread(session_cookie, viewer))
    await asyncio.sleep(0.5)  # the watcher's first look
    await retried(lambda: Cluster.objects.filter(pk=creating.pk).aupdate(ready_time=0))
    seen = await until(socket, lambda e: e.get("cluster") == creating.cluster_id)
    assert seen[-1] == {
        "kind": "cluster",
        "cluster": creating.cluster_id,
        "change": "changed",
        "status": "Running",
        "source": "watch",
    }
    await socket.disconnect()
    assert not watcher._watches  # the last page closing stops the watch


def test_changes_names_what_was_added_changed_and_removed():
    before = {"a": ["1", "Running"], "b": ["2", "Creating"], "c": ["3", "Running"]}
    after = {"a": ["1", "Running"], "b": ["9", "Running"], "d": ["4", "Creating"]}
    events = {(e["cluster"], e["change"]) for e in watcher.changes(before, after)}
    assert events == {("b", "changed"), ("d", "added"), ("c", "removed")}
