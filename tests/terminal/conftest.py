"""Driving the terminal socket without a browser: WebsocketCommunicator on console.asgi."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.db import SessionStore

from console.terminal import protocol as p

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


def session_cookie(user) -> bytes:
    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    store["_auth_user_hash"] = user.get_session_auth_hash()
    store.create()
    return f"sessionid={store.session_key}".encode()


def communicator(
    cookie: bytes | None = None, query: str = "", origin=ORIGIN, path: str = "/ws/terminal/"
):
    """A browser's socket to `path` of console.asgi, with its cookie and Origin."""
    from console.asgi import application

    headers = [(b"host", b"127.0.0.1:8000")]
    if origin:
        headers.append(origin)
    if cookie is not None:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, f"{path}?{query}", headers=headers)


def processes_in(folder: str | Path) -> list[int]:
    """Processes whose working folder is `folder` or one inside it (the pod shells).

    Compared by inode: a sandboxed shell's folder has another path in its own mount
    namespace (its home), so the host's /proc cannot say where it is by name.
    """
    folders = set()
    for root, _, _ in os.walk(folder):
        info = os.stat(root)
        folders.add((info.st_dev, info.st_ino))
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            info = os.stat(entry / "cwd")
        except OSError:
            continue
        if (info.st_dev, info.st_ino) in folders:
            found.append(int(entry.name))
    return found


class Screen:
    """What the browser would have received: output text and status messages."""

    def __init__(self, comm: WebsocketCommunicator):
        self.comm = comm
        self.text = ""
        self.statuses: list[dict] = []

    async def read(self, timeout: float = 5) -> bool:
        """One frame; False when the socket closed."""
        message = await self.comm.receive_output(timeout)
        if message["type"] == "websocket.close":
            return False
        data = message.get("bytes") or b""
        if data[:1] == bytes([p.OUTPUT]):
            self.text += data[1:].decode(errors="replace")
            await self.comm.send_to(bytes_data=bytes([p.ACK]) + str(len(data) - 1).encode())
        elif data[:1] == bytes([p.STATUS]):
            self.statuses.append(json.loads(data[1:]))
        return True

    async def until(self, predicate, timeout: float = 10) -> None:
        import asyncio

        async with asyncio.timeout(timeout):
            while not predicate(self):
                if not await self.read(timeout):
                    break
        assert predicate(self), (self.text[-500:], self.statuses)

    async def type(self, text: str) -> None:
        await self.comm.send_to(bytes_data=bytes([p.INPUT]) + text.encode())


@pytest.fixture
def pod_query(cloud):
    from console.localcloud.models import Cluster

    cid = Cluster.objects.get(name="staging-api").cluster_id
    return f"cluster={cid}&namespace=default&pod=api-5b8c7d-h7j2n&container=app&cols=80&rows=24"


@pytest.fixture
def operator_cookie(operator):
    return session_cookie(operator)


@pytest.fixture
def viewer_cookie(viewer):
    return session_cookie(viewer)
