"""The connection from the console to the session gateway for one SessionID.

A real cloud (or localcloud in its own process) is reached over a websocket. The
embedded localcloud is called in-process through ASGI, with a bounded queue in the
gateway's send path: when the console stops reading, the gateway's send waits, and the
gateway stops reading its PTY. That is backpressure Daphne cannot give (daphne #170).
"""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit, urlunsplit

import websockets
from django.conf import settings
from websockets.asyncio.client import connect

SUBPROTOCOL = "v5.channel.k8s.io"
QUEUE_FRAMES = 4  # frames (of at most 128 KiB) waiting between gateway and bridge
# Output frames waiting in the queue are handed to the bridge as one, up to this size:
# the bridge's cost (recording, Daphne, the browser's) is per frame.
MAX_FRAME = 128 * 1024
OUTPUT_CHANNELS = (1, 2)  # stdout, stderr


class UpstreamClosed(Exception):
    pass


def session_url(session_id: str) -> str | None:
    """The gateway URL for a SessionID; None for the embedded localcloud (in-process)."""
    if settings.CONSOLE_SESSION_URL:
        return settings.CONSOLE_SESSION_URL.replace("{SessionID}", session_id)
    if not settings.CONSOLE_CLOUD_URL:
        return None
    parts = urlsplit(settings.CONSOLE_CLOUD_URL)
    scheme = "wss" if parts.scheme == "https" else "ws"
    path = parts.path.rstrip("/") + f"/api/session/{session_id}"
    return urlunsplit((scheme, parts.netloc, path, "", ""))


async def open_upstream(session_id: str):
    url = session_url(session_id)
    if url is None:
        upstream = InProcessUpstream(session_id)
        await upstream.start()
        return upstream
    return await WebsocketUpstream.open(url)


class WebsocketUpstream:
    def __init__(self, socket):
        self.socket = socket

    @classmethod
    async def open(cls, url: str) -> WebsocketUpstream:
        socket = await connect(
            url,
            subprotocols=[SUBPROTOCOL],
            max_size=4 * 1024 * 1024,
            max_queue=QUEUE_FRAMES,
            ping_interval=20,
            open_timeout=10,
        )
        return cls(socket)

    async def recv(self) -> bytes | None:
        try:
            frame = await self.socket.recv()
        except websockets.ConnectionClosed:
            return None
        return frame if isinstance(frame, bytes) else frame.encode()

    async def send(self, frame: bytes) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            await self.socket.send(frame)

    async def close(self) -> None:
        await self.socket.close()


class InProcessUpstream:
    """Runs the console's own ASGI app for /api/session/{id} as a websocket peer."""

    def __init__(self, session_id: str):
        self.session_id = session_id
        self.to_app: asyncio.Queue[dict] = asyncio.Queue()
        self.from_app: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=QUEUE_FRAMES)
        self.accepted = asyncio.Event()
        self.task: asyncio.Task | None = None
        self.closed = False
        self.held: list[bytes | None] = []  # a frame taken from the queue, not handed on

    async def start(self) -> None:
        from console.asgi import application  # lazy: console.asgi routes to this app

        scope = {
            "type": "websocket",
            "path": f"/api/session/{self.session_id}",
            "raw_path": f"/api/session/{self.session_id}".encode(),
            "query_string": b"",
            "headers": [(b"host", b"localcloud.internal")],
            "subprotocols": [SUBPROTOCOL],
            "client": ("127.0.0.1", 0),
            "server": ("localcloud.internal", 80),
        }
        await self.to_app.put({"type": "websocket.connect"})
        self.task = asyncio.create_task(application(scope, self.to_app.get, self._from_app))
        self.task.add_done_callback(lambda _: self._finish())
        waiter = asyncio.create_task(self.accepted.wait())
        await asyncio.wait({waiter, self.task}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
        if not self.accepted.is_set():
            waiter.cancel()
            raise UpstreamClosed("the session gateway did not accept the connection")

    def _finish(self) -> None:
        if not self.closed:
            self.closed = True
            with contextlib.suppress(asyncio.QueueFull):
                self.from_app.put_nowait(None)

    async def _from_app(self, message: dict) -> None:
        kind = message["type"]
        if kind == "websocket.accept":
            self.accepted.set()
        elif kind == "websocket.send":
            data = message.get("bytes")
            if data is None:
                data = (message.get("text") or "").encode()
            await self.from_app.put(data)  # waits while the bridge is not reading
        elif kind == "websocket.close":
            self.accepted.set()
            self.closed = True
            await self.from_app.put(None)

    async def recv(self) -> bytes | None:
        if self.held:
            frame = self.held.pop()
        elif self.closed and self.from_app.empty():
            return None
        else:
            frame = await self.from_app.get()
        if not frame or frame[0] not in OUTPUT_CHANNELS or self.from_app.empty():
            return frame
        # Output of the same stream that waits behind it goes along, up to MAX_FRAME.
        parts, size = [frame], len(frame)
        while not self.from_app.empty():
            following = self.from_app.get_nowait()
            if not following or following[0] != frame[0] or size + len(following) > MAX_FRAME:
                self.held.append(following)
                break
            parts.append(memoryview(following)[1:])
            size += len(following) - 1
        return b"".join(parts) if len(parts) > 1 else frame

    async def send(self, frame: bytes) -> None:
        if not self.closed:
            await self.to_app.put({"type": "websocket.receive", "bytes": frame})

    async def close(self) -> None:
        if self.task is None or self.task.done():
            return
        await self.to_app.put({"type": "websocket.disconnect", "code": 1000})
        # Let the gateway end its process; keep draining so its sends never block.
        try:
            async with asyncio.timeout(5):
                while not self.task.done():
                    getter = asyncio.create_task(self.from_app.get())
                    await asyncio.wait({getter, self.task}, return_when=asyncio.FIRST_COMPLETED)
                    getter.cancel()
        except TimeoutError:
            self.task.cancel()
