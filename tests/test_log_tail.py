"""The live log tail over the socket (/ws/logs/): who may open it, every new line once to
each viewer, one poller for all viewers of a tail, and lines as data (never markup)."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlencode

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache

from console.localcloud import logstore
from console.localcloud.logwriter import append_line
from console.localcloud.models import Pod
from console.logs import tail
from tests.terminal.conftest import ORIGIN, communicator, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fast_tail(settings):
    settings.CONSOLE_LOG_TAIL_SECONDS = 0.2
    cache.clear()


def tail_query(pod: Pod, **extra) -> str:
    query = {
        "cluster": pod.cluster.cluster_id,
        "namespace": pod.namespace,
        "pod": pod.name,
        "container": "nginx",
        "tail": "1",
        "after": time.time_ns(),
        "skip": 0,
        **extra,
    }
    return urlencode(query, doseq=True)


async def the_pod() -> Pod:
    return await Pod.objects.select_related("cluster").aget(
        name="web-6f7d9c-x2k4p", cluster__name="prod-web"
    )


async def following(cookie: bytes, query: str, origin=ORIGIN):
    socket = communicator(cookie, origin=origin, path="/ws/logs/")
    connected, _ = await socket.connect()
    assert connected
    await socket.send_json_to({"tail": query})
    assert (await socket.receive_json_from(5))["kind"] == "following"
    return socket


def text_of(line: list) -> str:
    return "".join(piece[0] for piece in line[2])


async def bodies_until(socket, count: int, timeout: float = 10) -> list[str]:
    seen: list[str] = []
    async with asyncio.timeout(timeout):
        while len(seen) < count:
            message = await socket.receive_json_from(timeout)
            assert message["kind"] == "lines"
            seen += [text_of(line) for line in message["lines"]]
    return seen


async def test_it_refuses_an_anonymous_socket():
    connected, code = await communicator(None, path="/ws/logs/").connect()
    assert not connected and code == 4401


async def test_it_refuses_a_socket_from_another_origin(cloud, viewer):
    cookie = await asyncio.to_thread(session_cookie, viewer)
    socket = communicator(cookie, origin=(b"origin", b"http://evil.example"), path="/ws/logs/")
    connected, _ = await socket.connect()
    assert not connected


async def test_another_tenant_is_refused_the_tail(cloud, outsider):
    pod = await the_pod()
    socket = communicator(await asyncio.to_thread(session_cookie, outsider), path="/ws/logs/")
    assert (await socket.connect())[0]
    await socket.send_json_to({"tail": tail_query(pod)})
    assert (await socket.receive_json_from(5))["kind"] == "refused"


async def test_two_viewers_share_one_poller_and_see_every_line_once(cloud, viewer, operator):
    pod = await the_pod()
    query = tail_query(pod, kw="tailws")
    one = await following(await asyncio.to_thread(session_cookie, viewer), query)
    two = await following(await asyncio.to_thread(session_cookie, operator), query)
    assert len(tail._pollers) == 1
    assert next(iter(tail._pollers.values())).viewers == 2
    first = await asyncio.to_thread(append_line, pod, "nginx", "tailws one")
    # A twin at the same nanosecond: counted at that time, not lost or repeated.
    twin = (first.time_ns, "tailws twin")
    await asyncio.to_thread(
        lambda: logstore.append(pod.cluster.cluster_id, pod.namespace, pod.name, "nginx", [twin])
    )
    assert await bodies_until(one, 2) == ["tailws one", "tailws twin"]
    assert await bodies_until(two, 2) == ["tailws one", "tailws twin"]
    await asyncio.to_thread(append_line, pod, "nginx", "tailws two")
    assert await bodies_until(one, 1) == ["tailws two"]
    assert await bodies_until(two, 1) == ["tailws two"]
    await asyncio.sleep(0.6)  # several polls later, nothing comes again
    assert await one.receive_nothing(0.3) and await two.receive_nothing(0.1)
    await one.disconnect()
    await two.disconnect()
    assert tail._pollers == {}


async def test_hostile_lines_arrive_as_text_pieces(cloud, viewer):
    pod = await the_pod()
    socket = await following(await asyncio.to_thread(session_cookie, viewer), tail_query(pod))
    await asyncio.to_thread(
        append_line, pod, "nginx", "\x1b[31m<script>alert(1)</script>\x1b[0m tailws"
    )
    async with asyncio.timeout(10):
        while True:
            message = await socket.receive_json_from(10)
            lines = [line for line in message["lines"] if "tailws" in text_of(line)]
            if lines:
                break
    pieces = lines[0][2]
    assert pieces[0] == ["<script>alert(1)</script>", "a-f1", False]
    await socket.disconnect()


@pytest.mark.parametrize("how", ["deactivated", "logged out elsewhere", "password changed"])
async def test_a_tail_ends_when_its_viewer_is_no_longer_logged_in(cloud, viewer, settings, how):
    settings.CONSOLE_SOCKET_RECHECK_SECONDS = 0
    pod = await the_pod()
    cookie = await asyncio.to_thread(session_cookie, viewer)
    socket = await following(cookie, tail_query(pod, kw="tailws"))

    def lose_the_login():
        if how == "deactivated":
            viewer.is_active = False
            viewer.save(update_fields=["is_active"])
        elif how == "password changed":
            viewer.set_password("a-new-password-4711")
            viewer.save(update_fields=["password"])
        else:
            SessionStore(cookie.decode().split("=", 1)[1]).delete()

    await asyncio.to_thread(lose_the_login)
    await asyncio.to_thread(append_line, pod, "nginx", "tailws after the logout")
    assert (await socket.receive_json_from(10)) == {"kind": "logged_out"}
    assert (await socket.receive_output(5))["code"] == 4401
    assert tail._pollers == {}
