"""pods/exec and pods/attach over WebSocket (v5.channel.k8s.io, v4.channel.k8s.io), as
kubectl 1.30 and later speak them: the session gateway's frames and sandboxed PTY for a
terminal (-t, with resize), pipes for the rest (stdout and stderr apart, stdin closed by
v5's CLOSE frame), the exit code in the Status on channel 3. Attach starts the
container's shell, the one process a pod here has.

The cluster's token is checked before the upgrade is accepted (a refused upgrade is a
403, after which kubectl retries over SPDY and gets the API's 401); a missing pod or
container is a Status on channel 3, as the API server sends it."""

from __future__ import annotations

import asyncio
import contextlib
import json
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.conf import settings

from ... import oplog
from ...gateway import (
    CLOSE,
    STATUS,
    STDERR,
    STDIN,
    STDOUT,
    GatewayConsumer,
    pod_shell,
    status_frame,
)
from ...pipes import PipeProcess
from ...sandbox import NoSandbox, Shell, sandboxed, start_piped
from ..server import status_object
from ..views import authorized
from .base import full, slot

# kubectl 1.30+ offers v5 first; v4 has no way to close stdin (`exec -i` with a pipe
# never ends there), which is why v5 was made. Older framings are not offered by it.
SUBPROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")
MAX_EXECS_PER_CLUSTER = 8  # sandboxes one cluster's token may hold open in one process


class Refused(Exception):
    """An exec the API server would refuse: the Status it sends on channel 3."""

    def __init__(self, code: int, reason: str, message: str):
        super().__init__(message)
        self.status = status_object(code, reason, message)


class ExecConsumer(GatewayConsumer):
    async def connect(self):
        self.process = self.piped = self.relay = self.sender = None
        self.held = contextlib.ExitStack()
        kwargs = self.scope["url_route"]["kwargs"]
        self.cluster = await database_sync_to_async(authorized)(
            kwargs["cluster_id"], _header(self.scope, b"authorization")
        )
        offered = self.scope.get("subprotocols") or []
        chosen = next((p for p in SUBPROTOCOLS if p in offered), None)
        if self.cluster is None or chosen is None:
            await self.close()  # the upgrade is refused: 403
            return
        await self.accept(subprotocol=chosen)
        query = parse_qs(self.scope.get("query_string", b"").decode(), keep_blank_values=True)
        self.tty = _flag(query, "tty")
        self.wants = {ch: _flag(query, name) for ch, name in ((1, "stdout"), (2, "stderr"))}
        try:
            shell = await self._shell(kwargs, query)
            in_sandbox = await self._sandbox()
        except Refused as exc:
            await self.send(bytes_data=bytes([STATUS]) + json.dumps(exc.status).encode())
            await self.close()
            return
        if await self._not_found(shell):
            return
        self.held.enter_context(slot(f"{self.cluster.cluster_id}/exec"))
        if self.tty:
            await self._run(shell, in_sandbox)
        else:
            self.piped = await start_piped(shell, in_sandbox, stdin=_flag(query, "stdin"))
            self.sender = asyncio.create_task(self._pump(self.piped))

    async def _shell(self, kwargs: dict, query: dict) -> Shell:
        if full(f"{self.cluster.cluster_id}/exec", MAX_EXECS_PER_CLUSTER):
            raise Refused(
                429,
                "TooManyRequests",
                f"too many exec sessions open on this cluster (at most {MAX_EXECS_PER_CLUSTER})",
            )
        command = query.get("command") or []
        if kwargs["action"] == "attach":
            command = ["sh"]  # the container's process: its shell
        elif not command:
            message = "you must specify at least one command for the container"
            raise Refused(400, "BadRequest", message)
        return await database_sync_to_async(self._pod_shell)(kwargs, query, command)

    def _pod_shell(self, kwargs: dict, query: dict, command: list[str]) -> Shell:
        namespace, name = kwargs["namespace"], kwargs["pod"]
        pod = self.cluster.pods.filter(namespace=namespace, name=name).first()
        source = (self.scope.get("client") or ("",))[0] or ""
        logged = {"ClusterID": self.cluster.cluster_id, "Namespace": namespace, "PodName": name}
        if pod is None:
            oplog.record(logged, "KubectlExec", 404, self.cluster.tenant.company_id, source)
            raise Refused(404, "NotFound", f'pods "{name}" not found')
        names = [c["name"] for c in pod.containers]
        container = (query.get("container") or [""])[0] or (names[0] if len(names) == 1 else "")
        if container not in names:
            raise Refused(
                400,
                "BadRequest",
                f"container {container} is not valid for pod {name}"
                if container
                else f"a container name must be specified for pod {name}, "
                f"choose one of: [{' '.join(names)}]",
            )
        logged.update(Container=container, Command=" ".join(command)[:200])
        oplog.record(logged, "KubectlExec", 0, self.cluster.tenant.company_id, source)
        return pod_shell(self.cluster, namespace, name, container, command)

    async def _sandbox(self) -> bool:
        if not settings.LOCALCLOUD_EXEC_ENABLED:
            raise Refused(403, "Forbidden", "exec is switched off on this localcloud")
        try:
            return await asyncio.to_thread(sandboxed)
        except NoSandbox as exc:
            raise Refused(500, "InternalError", str(exc)) from None

    async def _pump(self, piped: PipeProcess) -> None:
        """stdout and stderr to their channels, each read only after its last chunk was
        sent (so a slow peer slows the command down); then the exit code."""

        async def copy(channel: int) -> None:
            while chunk := await piped.read(channel):
                if self.wants[channel]:
                    await self.send(bytes_data=bytes([channel]) + chunk)

        await asyncio.gather(copy(STDOUT), copy(STDERR))
        code = await piped.wait()
        await self.send(bytes_data=status_frame(code if code >= 0 else 128 - code))
        await self.close()

    async def receive(self, text_data=None, bytes_data=None):
        data = bytes_data if bytes_data is not None else (text_data or "").encode()
        if self.piped is None:
            if data[:1] == bytes([CLOSE]) and data[1:2] == bytes([STDIN]) and self.process:
                self.process.write(b"\x04")  # end of input on a terminal: Ctrl-D
                return
            await super().receive(bytes_data=data)
            return
        if not data:
            return
        if data[0] == STDIN:
            self.piped.write(data[1:])
        elif data[0] == CLOSE and data[1:2] == bytes([STDIN]):
            self.piped.close_stdin()
        # A resize means nothing without a terminal.

    async def disconnect(self, code):
        with contextlib.suppress(AttributeError):
            self.held.close()
        if getattr(self, "piped", None) is not None:
            if self.sender is not None and not self.sender.done():
                self.sender.cancel()
            await self.piped.terminate()
            return
        await super().disconnect(code)


def _header(scope: dict, name: bytes) -> str:
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            return value.decode("latin1")
    return ""


def _flag(query: dict, name: str) -> bool:
    return (query.get(name) or [""])[0].lower() in ("1", "true")
