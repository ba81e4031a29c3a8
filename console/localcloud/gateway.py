"""localcloud's session gateway: /api/session/{SessionID}, the Kubernetes exec protocol.

Binary frames whose first byte is the stream (v5.channel.k8s.io): 0 stdin, 1 stdout,
2 stderr, 3 status (JSON, sent once at the end), 4 resize ({"Width", "Height"}).
A SessionID is single use (1009 unknown, 1010 expired or used); the PTY runs in a
sandbox (sandbox.py) around the pod's own folder with a clean environment, or a cluster
shell with its KUBECONFIG.
Output is read from the PTY only after the previous chunk was handed on, so a peer that
reads slowly slows the shell down instead of filling memory: under Daphne, send() waits
while the peer is behind and a peer that stops reading is dropped (console/sendbuffer.py,
installed by the ASGI apps); in-process, the console's queue waits (terminal/upstream.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shlex
import shutil
from pathlib import Path

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import DatabaseError

from . import oplog
from .errors import ApiError
from .handlers.clusters import kubeconfig
from .handlers.sessions import consume
from .models import Cluster, ConsoleSession, Fault
from .pty import PtyProcess
from .sandbox import EndpointRelay, NoSandbox, Shell, sandboxed, start

SUBPROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io", "channel.k8s.io")
STDIN, STDOUT, STDERR, STATUS, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255
SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SHELLS = ("bash", "sh")
# {"Width": ..., "Height": ...} fits in far less; a longer one (a JSON bomb) is ignored.
MAX_RESIZE_FRAME = 256
WAITING_CHUNKS = 2  # PTY output (64 KiB each at most) read ahead of a slow peer
# Chunks that piled up while a send waited leave as one frame of at most this much: the
# cost downstream (the console's bridge, Daphne, the browser) is per frame, not per byte.
MAX_FRAME = 128 * 1024


def status_frame(code: int, message: str = "", reason: str = "") -> bytes:
    """A Kubernetes Status object on channel 3: Success, or Failure with an exit code."""
    if code == 0 and not reason:
        body = {"metadata": {}, "status": "Success"}
    else:
        body = {
            "metadata": {},
            "status": "Failure",
            "message": message or f"command terminated with non-zero exit code: {code}",
            "reason": reason or "NonZeroExitCode",
            "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
        }
    return bytes([STATUS]) + json.dumps(body).encode()


def _workdir(*parts: str) -> Path:
    return Path(settings.LOCALCLOUD_WORK_DIR).joinpath(*parts)


def command_for(session: ConsoleSession) -> Shell:
    """What the session runs, in which folder, with which environment and kubeconfig."""
    env = {"PATH": SAFE_PATH, "TERM": "xterm-256color", "LANG": "C.UTF-8"}
    cluster = session.cluster
    if session.kind == "terminal":
        env.update(PS1=f"[{cluster.name}] kubectl $ ")
        folder = _workdir("clusters", cluster.cluster_id)
        return Shell([_shell("bash")], folder, env, cluster.cluster_id, kubeconfig(cluster))
    argv = shlex.split(session.command) if session.command else ["sh"]
    return pod_shell(cluster, session.namespace, session.pod, session.container, argv)


def pod_shell(cluster: Cluster, namespace: str, pod: str, container: str, argv: list[str]) -> Shell:
    """A command in a pod's container (here, the pod's own folder), as exec runs it."""
    env = {"PATH": SAFE_PATH, "TERM": "xterm-256color", "LANG": "C.UTF-8"}
    env.update(HOSTNAME=pod, PS1=f"{pod}:{container}$ ")
    argv = list(argv) or ["sh"]
    if argv[0] in SHELLS or Path(argv[0]).name in SHELLS:
        # `bash` where there is none falls back to sh, as users expect of a container.
        argv[0] = _shell(Path(argv[0]).name)
    folder = _workdir("pods", cluster.cluster_id, namespace, pod)
    return Shell(argv, folder, env, pod)


def _shell(preferred: str) -> str:
    for name in (preferred, "sh"):
        found = shutil.which(name, path=SAFE_PATH)
        if found:
            return found
    return "/bin/sh"


class GatewayConsumer(AsyncWebsocketConsumer):
    async def dispatch(self, message):
        # As in the console's bridge: input frames touch no database, so they skip
        # Channels' per-message connection cleanup (a hop through a worker thread).
        if message["type"] == "websocket.receive":
            await self.websocket_receive(message)
        else:
            await super().dispatch(message)

    async def connect(self):
        offered = self.scope.get("subprotocols") or []
        chosen = next((p for p in SUBPROTOCOLS if p in offered), None)
        await self.accept(subprotocol=chosen)
        self.process: PtyProcess | None = None
        self.relay: EndpointRelay | None = None
        self.sender: asyncio.Task | None = None
        session_id = self.scope["url_route"]["kwargs"]["session_id"]
        try:
            session, fault = await self._take(session_id)
        except ApiError as exc:
            await self.send(bytes_data=status_frame(exc.ret_code, exc.message, "Forbidden"))
            await self.close(code=4000 + exc.ret_code % 1000)
            return
        except DatabaseError as exc:
            # The SessionID is not used up: the client may try again with it.
            await self._refuse(f"session not opened, the cloud's database is busy: {exc}")
            return
        if not settings.LOCALCLOUD_EXEC_ENABLED or fault.drop_sessions:
            why = "dropped (injected fault)" if fault.drop_sessions else "exec is switched off"
            await self._refuse(f"session {why}")
            return
        try:
            in_sandbox = await asyncio.to_thread(sandboxed)
        except NoSandbox as exc:
            await self._refuse(f"session refused: {exc}")
            return
        shell = await database_sync_to_async(command_for)(session)
        if await self._not_found(shell):
            return
        await self._run(shell, in_sandbox)

    async def _not_found(self, shell: Shell) -> bool:
        """Say so when the command does not exist (as a container runtime does)."""
        if shutil.which(shell.argv[0], path=SAFE_PATH):
            return False
        message = f'exec: "{shell.argv[0]}": executable file not found in $PATH'
        await self.send(bytes_data=bytes([STDERR]) + message.encode() + b"\r\n")
        await self.send(bytes_data=status_frame(127, message, "InternalError"))
        await self.close()
        return True

    async def _run(self, shell: Shell, in_sandbox: bool) -> None:
        """The shell on a PTY, its output pumped to the peer (below) until it ends."""
        if in_sandbox and shell.kubeconfig:
            self.relay = await EndpointRelay.open()
            shell.relay = self.relay.folder
        self.process = start(shell, in_sandbox)
        # Chunks waiting for the peer, and room for the end mark.
        self.outbox: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=WAITING_CHUNKS + 1)
        self.ended = False
        self.sender = asyncio.create_task(self._send_output())
        self.process.start_reading(self._on_output, self._on_eof)

    async def _refuse(self, message: str) -> None:
        await self.send(bytes_data=status_frame(1, message, "InternalError"))
        await self.close(code=4500)

    @database_sync_to_async
    def _take(self, session_id: str):
        """Consume the SessionID, and write its use in localcloud's operation log."""
        source = (self.scope.get("client") or ("",))[0] or ""
        # Enough of the SessionID to find it, not enough to be one.
        logged = {"SessionID": session_id[:8] + "…"}
        try:
            session = consume(session_id)
        except ApiError as exc:
            oplog.record(logged, "OpenSession", exc.ret_code, None, source)
            raise
        logged.update(Kind=session.kind, ClusterID=session.cluster.cluster_id, PodName=session.pod)
        oplog.record(logged, "OpenSession", 0, session.tenant.company_id, source)
        return session, Fault.current()

    # PTY -> peer: at most two chunks wait (then leave as one frame); reading pauses while
    # the queue is full and resumes when send() has handed a frame on, which it does only
    # while the peer keeps up (console/sendbuffer.py), so a slow peer slows the shell down.

    def _on_output(self, data: bytes) -> None:
        self.outbox.put_nowait(data)
        if self.outbox.qsize() >= WAITING_CHUNKS:
            self.process.pause_reading()

    def _on_eof(self) -> None:
        self.ended = True  # the reader has stopped for good
        self.outbox.put_nowait(None)

    async def _send_output(self) -> None:
        chunk, held = None, False  # held: a chunk taken from the outbox, not sent yet
        while True:
            if not held:
                chunk = await self.outbox.get()
            if chunk is None:
                break
            parts, size, held = [bytes([STDOUT]), chunk], len(chunk), False
            while not self.outbox.empty():
                following = self.outbox.get_nowait()
                if following is None or size + len(following) > MAX_FRAME:
                    chunk, held = following, True
                    break
                parts.append(following)
                size += len(following)
            await self.send(bytes_data=b"".join(parts))
            if self.process is not None and not self.ended:
                self.process.resume_reading()
        await self.process.wait(timeout=2)
        code = self.process.exit_status if self.process.exit_status is not None else 1
        await self.send(bytes_data=status_frame(code))
        await self.close()

    async def receive(self, text_data=None, bytes_data=None):
        if self.process is None:
            return
        data = bytes_data if bytes_data is not None else (text_data or "").encode()
        if not data:
            return
        channel, payload = data[0], data[1:]
        if channel == STDIN:
            self.process.write(payload)
        elif channel == RESIZE and len(payload) <= MAX_RESIZE_FRAME:
            with contextlib.suppress(ValueError, TypeError, KeyError):
                size = json.loads(payload)
                self.process.resize(int(size["Height"]), int(size["Width"]))

    async def disconnect(self, code):
        if self.sender is not None and not self.sender.done():
            self.sender.cancel()
        if self.process is not None:
            await self.process.terminate()
        if self.relay is not None:
            await self.relay.close()
