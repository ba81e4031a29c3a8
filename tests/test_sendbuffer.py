"""Bounded send buffers (console/sendbuffer.py): a websocket peer that does not read is
paused, then dropped, and the console's memory stays bounded (issue 13, finding 5).

The first tests drive the mechanism in-process on a real Twisted transport with a fake
socket (deterministic: the peer takes exactly what the test lets it); the last ones replay
the attacks against the console under Daphne, as a client on another machine would.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import socket
from collections import deque

import httpx
import pytest
from autobahn.twisted.websocket import WebSocketServerProtocol
from autobahn.websocket.protocol import WebSocketProtocol as AutobahnProtocol
from daphne.server import Server
from daphne.ws_protocol import WebSocketProtocol
from twisted.internet import defer
from twisted.internet.abstract import FileDescriptor
from twisted.web.http import HTTPChannel
from websockets import ConnectionClosed
from websockets.asyncio.client import connect

from console import sendbuffer
from console.accounts.demo_logins import demo_password
from console.terminal import protocol as p
from tests import servers

MiB = 1024 * 1024


# The internals the module relies on: if an upgrade changes them, say so here -----------


def test_daphne_autobahn_and_twisted_still_have_what_sendbuffer_uses():
    # An app's send() is Server.handle_reply(protocol, message)...
    assert "send=partial(self.handle_reply, protocol)" in inspect.getsource(
        Server.create_application
    )
    assert list(inspect.signature(sendbuffer._daphne_handle_reply).parameters) == [
        "self",
        "protocol",
        "message",
    ]
    # ... which autobahn writes to its send queue or straight to the transport...
    assert issubclass(WebSocketProtocol, WebSocketServerProtocol)
    assert "self.send_queue = deque()" in inspect.getsource(AutobahnProtocol._connectionMade)
    assert "self.transport.write(data)" in inspect.getsource(AutobahnProtocol.sendData)
    assert "self.is_closed = txaio.create_future()" in inspect.getsource(AutobahnProtocol)
    assert callable(WebSocketProtocol.dropConnection)
    # ... whose buffer Twisted keeps in these fields, telling a streaming producer when
    # it has drained; Twisted's HTTP channel is that producer before the upgrade.
    transport = FileDescriptor(reactor=FakeReactor())
    assert (transport.dataBuffer, transport.offset, transport._tempDataLen) == (b"", 0, 0)
    assert "self.producer.resumeProducing()" in inspect.getsource(FileDescriptor.doWrite)
    assert "registerProducer(self, True)" in inspect.getsource(HTTPChannel.connectionMade)
    # And console.asgi installs it.
    import console.asgi  # noqa: F401

    assert Server.handle_reply is sendbuffer._handle_reply


# The mechanism, in-process ----------------------------------------------------------


class FakeReactor:
    def addWriter(self, _):
        pass

    def removeWriter(self, _):
        pass


class PeerSocket(FileDescriptor):
    """A Twisted transport whose peer reads exactly `room` bytes, when the test says."""

    connected = True

    def __init__(self):
        super().__init__(reactor=FakeReactor())
        self.room = 0
        self.aborted = False

    def writeSomeData(self, data):
        taken = min(self.room, len(data))
        self.room -= taken
        return taken

    def abortConnection(self):
        self.aborted = True


class FakeWebsocket:
    """What SendBuffer uses of Daphne's protocol."""

    def __init__(self):
        self.transport = PeerSocket()
        self.send_queue = deque()
        self.is_closed = defer.Deferred()
        self.channel_told = []
        self.transport.registerProducer(ChannelProducer(self.channel_told), True)

    def send(self, size: int) -> None:
        self.transport.write(b"x" * size)

    def dropConnection(self, abort=False):
        self.transport.abortConnection()
        self.is_closed.callback(self)


class ChannelProducer:
    """Stands for Twisted's HTTP channel, registered before the upgrade."""

    def __init__(self, told):
        self.told = told

    def pauseProducing(self):
        self.told.append("pause")

    def resumeProducing(self):
        self.told.append("resume")

    def stopProducing(self):
        self.told.append("stop")


async def test_send_returns_at_once_while_the_peer_keeps_up():
    peer = FakeWebsocket()
    buffer = sendbuffer.SendBuffer.of(peer)
    peer.send(sendbuffer.PAUSE_BYTES)
    async with asyncio.timeout(5):
        await buffer.wait_until_drained()
    assert sendbuffer.unsent_bytes(peer) == sendbuffer.PAUSE_BYTES


async def test_send_waits_while_the_peer_is_behind_and_resumes_when_it_drains():
    peer = FakeWebsocket()
    buffer = sendbuffer.SendBuffer.of(peer)
    peer.send(2 * MiB)
    waiting = asyncio.create_task(buffer.wait_until_drained())
    await asyncio.sleep(0.05)
    assert not waiting.done()
    assert sendbuffer.unsent_bytes(peer) == 2 * MiB
    # The peer reads everything: Twisted writes it out and tells the producer to resume.
    peer.transport.room = 2 * MiB
    while sendbuffer.unsent_bytes(peer):
        peer.transport.doWrite()
    async with asyncio.timeout(5):
        await waiting
    assert not peer.transport.aborted
    # The HTTP channel's producer was told what it was told before.
    assert peer.channel_told[0] == "pause" and peer.channel_told[-1] == "resume"


async def test_a_peer_that_takes_nothing_is_dropped(settings):
    settings.CONSOLE_SEND_STALL_SECONDS = 0.2
    peer = FakeWebsocket()
    peer.send(2 * MiB)
    async with asyncio.timeout(10):
        await sendbuffer.SendBuffer.of(peer).wait_until_drained()
    assert peer.transport.aborted


async def test_a_slow_peer_that_keeps_reading_is_not_dropped(settings):
    settings.CONSOLE_SEND_STALL_SECONDS = 1
    peer = FakeWebsocket()
    peer.send(2 * MiB)
    waiting = asyncio.create_task(sendbuffer.SendBuffer.of(peer).wait_until_drained())
    for _ in range(6):  # 1.8 s in all, 64 KiB every 0.3 s: longer than the stall limit
        await asyncio.sleep(0.3)
        peer.transport.room = 64 * 1024
        peer.transport.doWrite()
    assert not peer.transport.aborted
    peer.transport.room = 2 * MiB
    while sendbuffer.unsent_bytes(peer):
        peer.transport.doWrite()
    async with asyncio.timeout(5):
        await waiting
    assert not peer.transport.aborted


async def test_more_than_the_limit_unsent_is_dropped_at_once():
    peer = FakeWebsocket()
    peer.send(sendbuffer.LIMIT_BYTES + 1)
    async with asyncio.timeout(5):
        await sendbuffer.SendBuffer.of(peer).wait_until_drained()
    assert peer.transport.aborted


class FakeStreamedAnswer:
    """What wait_for_http_peer uses of Daphne's HTTP request (a Twisted Request)."""

    _disconnected = False

    def __init__(self):
        self.transport = PeerSocket()

    def send(self, size: int) -> None:
        self.transport.write(b"x" * size)


async def test_a_streamed_http_answer_is_paused_while_behind_and_its_idle_peer_dropped(
    settings,
):
    from daphne.http_protocol import WebRequest
    from twisted.web.http import Request

    # Daphne's HTTP request is a Twisted Request, with these fields.
    assert issubclass(WebRequest, Request)
    assert "self.transport = self.channel.transport" in inspect.getsource(Request.__init__)
    assert "_disconnected = False" in inspect.getsource(Request)

    settings.CONSOLE_SEND_STALL_SECONDS = 0.3
    keeping_up = FakeStreamedAnswer()
    keeping_up.send(sendbuffer.PAUSE_BYTES)
    async with asyncio.timeout(5):
        await sendbuffer.wait_for_http_peer(keeping_up)

    behind = FakeStreamedAnswer()
    behind.send(2 * MiB)
    waiting = asyncio.create_task(sendbuffer.wait_for_http_peer(behind))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    behind.transport.room = 2 * MiB
    while sendbuffer.transport_unsent(behind.transport):
        behind.transport.doWrite()
    async with asyncio.timeout(5):
        await waiting
    assert not behind.transport.aborted

    idle = FakeStreamedAnswer()
    idle.send(2 * MiB)
    async with asyncio.timeout(10):
        await sendbuffer.wait_for_http_peer(idle)
    assert idle.transport.aborted

    flooded = FakeStreamedAnswer()
    flooded.send(sendbuffer.LIMIT_BYTES + 1)
    async with asyncio.timeout(5):
        await sendbuffer.wait_for_http_peer(flooded)
    assert flooded.transport.aborted


# The attacks, against the console under Daphne -------------------------------------

POD = {"NameSpace": "default", "PodName": "api-5b8c7d-h7j2n", "ContainerName": "app"}
OUTPUT_BYTES = 100_000_000
GROWTH_LIMIT = 64 * MiB


def call(server: servers.Server, action: str, **params) -> dict:
    answer = server.call(action, CompanyID=10001, **params)
    assert answer["RetCode"] == 0, answer
    return answer


def log_in(base: str) -> str:
    """The demo operator's cookies, as a browser has them after logging in."""
    with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as http:
        http.get("/accounts/login/")
        answer = http.post(
            "/accounts/login/",
            data={
                "username": "operator",
                "password": demo_password("operator"),
                "csrfmiddlewaretoken": http.cookies["csrftoken"],
            },
            headers={"Referer": f"{base}/accounts/login/"},
        )
        assert answer.status_code == 302
        return "; ".join(f"{k}={v}" for k, v in http.cookies.items())


def tiny_socket(port: int) -> socket.socket:
    """A client socket with the smallest receive buffer the kernel allows."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.setblocking(False)
    return sock


async def growth_until_logged(server: servers.Server, marker: str, before: int) -> int:
    """Peak growth of the console's RSS above `before`, until its log says `marker`."""
    seen = server.log_path.read_text().count(marker)
    peak = 0
    async with asyncio.timeout(120):  # bounds the test; nothing here is a time assert
        while server.log_path.read_text().count(marker) == seen and peak < GROWTH_LIMIT:
            peak = max(peak, servers.rss(server.process.pid) - before)
            await asyncio.sleep(0.1)
    return max(peak, servers.rss(server.process.pid) - before)


async def read_until_closed(peer) -> int:
    """Bytes the client can still read before it learns the connection is gone."""
    received = 0
    async with asyncio.timeout(60):
        with contextlib.suppress(ConnectionClosed):
            while True:
                received += len(await peer.recv())
    return received


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    server = servers.start(
        tmp_path_factory.mktemp("sendbuffer"), "console", CONSOLE_SEND_STALL_SECONDS="2"
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def cluster_id(console):
    found = call(console, "DescribeCluster", Region="cn-bj2")["Infos"]
    return next(c["ClusterID"] for c in found if c["Name"] == "staging-api")


def socket_url(server: servers.Server, path: str) -> tuple[str, int]:
    port = int(server.url.rsplit(":", 1)[1])
    return f"ws://127.0.0.1:{port}{path}", port


async def test_a_gateway_client_that_never_reads_is_dropped_with_bounded_memory(
    console, cluster_id
):
    session = call(
        console,
        "AllocateK8SSession",
        Region="cn-bj2",
        ClusterID=cluster_id,
        CmdName=f"sh -c 'yes | head -c {OUTPUT_BYTES}'",
        **POD,
    )["SessionID"]
    url, port = socket_url(console, f"/api/session/{session}")
    before = servers.rss(console.process.pid)
    async with connect(
        url,
        sock=tiny_socket(port),
        subprotocols=["v5.channel.k8s.io"],
        max_queue=1,
        max_size=None,
        ping_interval=None,
    ) as peer:
        # The shell writes 100 MB; the client reads nothing until the console drops it.
        growth = await growth_until_logged(console, "the peer is not reading", before)
        received = await read_until_closed(peer)
    assert growth < GROWTH_LIMIT, f"console RSS grew by {growth / MiB:.0f} MiB"
    assert received < OUTPUT_BYTES // 10, "the console sent everything to a client not reading"


async def test_a_browser_socket_that_acknowledges_what_it_never_read_is_closed(console, cluster_id):
    query = httpx.QueryParams(
        {"cluster": cluster_id, "namespace": "default", "pod": POD["PodName"]}
    )
    url, port = socket_url(console, f"/ws/terminal/?{query}")
    before = servers.rss(console.process.pid)
    async with connect(
        url,
        sock=tiny_socket(port),
        additional_headers={"Cookie": log_in(console.url), "Origin": console.url},
        max_queue=1,
        max_size=None,
        ping_interval=None,
    ) as browser:
        await browser.send(bytes([p.INPUT]) + f"yes | head -c {OUTPUT_BYTES}\r".encode())
        await browser.send(bytes([p.ACK]) + str(OUTPUT_BYTES).encode())  # read nothing
        growth = await growth_until_logged(console, "acknowledged", before)
        received = await read_until_closed(browser)
    assert growth < GROWTH_LIMIT, f"console RSS grew by {growth / MiB:.0f} MiB"
    assert received < OUTPUT_BYTES // 10
