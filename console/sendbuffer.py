"""Bounded send buffers for Daphne's websockets (and streamed HTTP answers, see
wait_for_http_peer): send() waits while the peer is behind, and a peer that stays behind
is dropped.

Daphne's websocket send never pushes back (daphne issue #170): autobahn hands every
message to the Twisted transport, whose buffer grows for as long as the peer does not
read, so one client that stops reading makes the console's memory grow without bound.
An ASGI app cannot see that buffer, so `install()` wraps Daphne's `Server.handle_reply`
(the coroutine an app's `send` awaits) once per process:

- after a `websocket.send`, while more than PAUSE_BYTES are unsent (autobahn's send queue
  plus the transport's buffer), the send waits until the transport has drained. An app
  that awaits its sends (the gateway's PTY pump, the terminal bridge) therefore stops
  reading its source while the peer is behind, as uvicorn's send does;
- a peer that takes nothing for CONSOLE_SEND_STALL_SECONDS while behind, or lets more
  than LIMIT_BYTES pile up (sends from several tasks at once), is disconnected (TCP
  abort: it is not reading a close frame either), and the app gets websocket.disconnect.

The drain is signalled by Twisted itself: the transport calls its streaming producer's
resumeProducing() when its buffer has emptied. The producer Twisted's HTTP channel
registered before the upgrade stays in place behind ours and is told everything it was
told before. (With TLS terminated by Daphne itself the socket is wrapped: the buffer is
measured under the wrapper and re-checked every second instead; the production layout
terminates TLS in nginx.) tests/test_sendbuffer.py fails if Daphne, autobahn or Twisted
change the internals used here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import txaio
from daphne.http_protocol import WebRequest
from daphne.server import Server
from daphne.ws_protocol import WebSocketProtocol
from django.conf import settings
from twisted.internet.abstract import FileDescriptor
from twisted.internet.interfaces import IPushProducer
from zope.interface import implementer

PAUSE_BYTES = 1024 * 1024  # send() waits above this many unsent bytes
LIMIT_BYTES = 4 * 1024 * 1024  # and the peer is dropped above this
STATE = "_console_send_buffer"  # the per-connection SendBuffer, on Daphne's protocol
log = logging.getLogger(__name__)


def unsent_bytes(protocol: WebSocketProtocol) -> int:
    """Bytes given to this websocket that have not reached the kernel yet."""
    queued = sum(len(data) for data, _sync in protocol.send_queue)
    return queued + transport_unsent(protocol.transport)


def transport_unsent(transport) -> int:
    """Bytes a Twisted transport holds that have not reached the kernel yet."""
    while not isinstance(transport, FileDescriptor):  # TLS in Daphne wraps the socket
        transport = getattr(transport, "transport", None)
        if transport is None:
            return 0
    return len(transport.dataBuffer) - transport.offset + transport._tempDataLen


@implementer(IPushProducer)
class SendBuffer:
    """One websocket's drain signal, registered as its transport's producer."""

    def __init__(self, protocol: WebSocketProtocol):
        self.protocol = protocol
        self.drained = asyncio.Event()
        self.closed = False
        transport = protocol.transport
        self.inner = transport.producer if isinstance(transport, FileDescriptor) else None
        if isinstance(transport, FileDescriptor):
            if self.inner is not None:
                transport.unregisterProducer()
            transport.registerProducer(self, True)
        txaio.add_callbacks(protocol.is_closed, self._closed, self._closed)

    @classmethod
    def of(cls, protocol: WebSocketProtocol) -> SendBuffer:
        found = getattr(protocol, STATE, None)
        if found is None:
            found = cls(protocol)
            setattr(protocol, STATE, found)
        return found

    # IPushProducer: called by the transport --------------------------------------------

    def pauseProducing(self) -> None:
        self.drained.clear()
        if self.inner is not None:
            self.inner.pauseProducing()

    def resumeProducing(self) -> None:
        self.drained.set()
        if self.inner is not None:
            self.inner.resumeProducing()

    def stopProducing(self) -> None:
        self._closed(None)
        if self.inner is not None:
            self.inner.stopProducing()

    def _closed(self, result):
        self.closed = True
        self.drained.set()
        return result

    # Called after each send ---------------------------------------------------------

    async def wait_until_drained(self) -> None:
        """Return at once while the peer keeps up; else wait for the buffer to drain, and
        drop a peer that lets too much pile up or takes nothing for too long."""
        if self.closed or unsent_bytes(self.protocol) <= PAUSE_BYTES:
            return
        if unsent_bytes(self.protocol) > LIMIT_BYTES:
            self.drop(f"more than {LIMIT_BYTES} bytes unsent")
            return
        loop = asyncio.get_running_loop()
        stall = settings.CONSOLE_SEND_STALL_SECONDS
        least, deadline = unsent_bytes(self.protocol), loop.time() + stall
        while not self.closed and (unsent := unsent_bytes(self.protocol)) > PAUSE_BYTES:
            if unsent < least:  # the peer took something: it is slow, not gone
                least, deadline = unsent, loop.time() + stall
            left = deadline - loop.time()
            if left <= 0:
                self.drop(f"nothing read for {stall:g} s")
                return
            self.drained.clear()
            # Twisted signals the drain; the timeout only re-checks (and bounds) the wait.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(left, 1.0)):
                    await self.drained.wait()

    def drop(self, why: str) -> None:
        """Abort the connection: the peer is not reading, so no close frame would reach it."""
        protocol = self.protocol
        log.warning("websocket %s dropped: the peer is not reading (%s)", protocol, why)
        protocol.wasClean = False
        protocol.wasNotCleanReason = f"the peer is not reading ({why})"
        protocol.dropConnection(abort=True)
        self._closed(None)


async def wait_for_http_peer(request: WebRequest) -> None:
    """The same bounds for a streamed HTTP answer (`kubectl logs -f`, a watch): wait
    while more than PAUSE_BYTES are unsent, drop a peer past LIMIT_BYTES or that takes
    nothing for CONSOLE_SEND_STALL_SECONDS. Looked at every 0.1 s while behind: the HTTP
    channel is its transport's producer, so no drain signal reaches us."""
    transport = request.transport
    if transport is None or transport_unsent(transport) <= PAUSE_BYTES:
        return
    loop = asyncio.get_running_loop()
    stall = settings.CONSOLE_SEND_STALL_SECONDS
    least, deadline = transport_unsent(transport), loop.time() + stall
    while not request._disconnected and (unsent := transport_unsent(transport)) > PAUSE_BYTES:
        if unsent < least:  # the peer took something: it is slow, not gone
            least, deadline = unsent, loop.time() + stall
        if unsent > LIMIT_BYTES or loop.time() >= deadline:
            log.warning("HTTP stream %s dropped: the peer is not reading", request)
            transport.abortConnection()  # Daphne then tells the app http.disconnect
            return
        await asyncio.sleep(0.1)


async def _handle_reply(self: Server, protocol, message: dict) -> None:
    if isinstance(protocol, WebRequest):
        await _daphne_handle_reply(self, protocol, message)
        if message["type"] == "http.response.body" and message.get("more_body"):
            await wait_for_http_peer(protocol)
        return
    if not isinstance(protocol, WebSocketProtocol):
        await _daphne_handle_reply(self, protocol, message)
        return
    buffer = getattr(protocol, STATE, None)
    if buffer is not None and buffer.closed:
        return  # dropped: Daphne learns it a moment later, and would raise until then
    await _daphne_handle_reply(self, protocol, message)
    if message["type"] == "websocket.send" and protocol.state == WebSocketProtocol.STATE_OPEN:
        await SendBuffer.of(protocol).wait_until_drained()


_daphne_handle_reply = Server.handle_reply


def install() -> None:
    """Bound every websocket that Daphne serves in this process (idempotent)."""
    if Server.handle_reply is not _handle_reply:
        Server.handle_reply = _handle_reply
