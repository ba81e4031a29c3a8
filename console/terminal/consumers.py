"""The browser's terminal socket (/ws/terminal/): a thin, authenticated, recorded bridge.

It allocates a session through CloudClient for the tenant the user acts for, opens the
gateway (console.terminal.upstream) and copies bytes both ways. Flow control is end to
end (console.terminal.bridge): xterm.js acknowledges what it has written, and the bridge
stops reading the gateway while more than HIGH_WATER bytes are unacknowledged; an
acknowledgement the browser has not earned closes the socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from console.accounts import tenancy
from console.cloud.client import CloudError, CloudUnavailable
from console.web.cloudcall import call_as, error_text, region_of
from console.web.socket_login import still_logged_in

from . import protocol as p
from .bridge import ForgedAck, Stalled, Window
from .models import EXITED, TerminalSession
from .recording import Recorder
from .upstream import UpstreamClosed, open_upstream

PING_SECONDS = 25
log = logging.getLogger(__name__)


def socket_language(scope) -> str:
    """The page's language for a socket, chosen as LocaleMiddleware chooses it for a page:
    the language cookie, else the browser's Accept-Language."""
    request = HttpRequest()
    request.COOKIES = dict(scope.get("cookies") or {})
    for name, value in scope.get("headers") or []:
        if name.lower() == b"accept-language":
            request.META["HTTP_ACCEPT_LANGUAGE"] = value.decode("latin-1")
    return translation.get_language_from_request(request)


@dataclass
class Target:
    kind: str
    cluster_id: str
    namespace: str = ""
    pod: str = ""
    container: str = ""
    command: str = ""
    cols: int = 80
    rows: int = 24

    @classmethod
    def from_query(cls, query: bytes) -> Target:
        q = {k: v[0] for k, v in parse_qs(query.decode()).items()}

        def size(name: str, default: int) -> int:
            try:
                return max(2, min(int(q.get(name, default)), 1000))
            except ValueError:
                return default

        return cls(
            kind="terminal" if q.get("kind") == "terminal" else "exec",
            cluster_id=q.get("cluster", ""),
            namespace=q.get("namespace", "") or "default",
            pod=q.get("pod", ""),
            container=q.get("container", ""),
            command=q.get("command", "")[:500],
            cols=size("cols", 80),
            rows=size("rows", 24),
        )

    async def allocate(self, user, region: str, company_id: int | None, source: str = "") -> str:
        if self.kind == "terminal":
            result = await call_as(
                user,
                region,
                "AllocateK8STerminal",
                source=source,
                company_id=company_id,
                ClusterID=self.cluster_id,
            )
        else:
            params = {
                "ClusterID": self.cluster_id,
                "NameSpace": self.namespace,
                "PodName": self.pod,
            }
            if self.container:
                params["ContainerName"] = self.container
            if self.command:
                params["CmdName"] = self.command
            result = await call_as(
                user, region, "AllocateK8SSession", source=source, company_id=company_id, **params
            )
        return result.SessionID


class TerminalConsumer(AsyncWebsocketConsumer):
    upstream = None
    record: TerminalSession | None = None
    recorder: Recorder | None = None

    async def dispatch(self, message):
        # Channels closes stale database connections before every message, a hop through
        # a worker thread; keystrokes touch no database (what does uses
        # database_sync_to_async, which does that cleanup itself), so they skip it.
        if message["type"] == "websocket.receive":
            await self.websocket_receive(message)
        else:
            await super().dispatch(message)

    async def connect(self):
        self.user = self.scope.get("user")
        if self.user is None or not self.user.is_authenticated:
            await self.close(code=4401)
            return
        await self.accept()
        self.language = socket_language(self.scope)
        self.tasks: list[asyncio.Task] = []
        self.end_reason = gettext_noop("closed by the browser")
        self.exit_code: int | None = None
        if not self.user.has_role("operator"):
            await self._end(
                "refused",
                *self._say(gettext_noop("Terminals need the operator role; you are a viewer.")),
                code=4403,
            )
            return
        target = Target.from_query(self.scope.get("query_string", b""))
        if not target.cluster_id or (target.kind == "exec" and not target.pod):
            await self._end(
                "error",
                *self._say(gettext_noop("Pick a cluster, and a pod for a pod terminal.")),
                code=4400,
            )
            return
        company_id, region = await self._tenant_and_region()
        try:
            client = self.scope.get("client") or ("", 0)
            session_id = await target.allocate(self.user, region, company_id, source=str(client[0]))
            self.upstream = await open_upstream(session_id)
        except (CloudError, CloudUnavailable) as exc:
            with translation.override(self.language):
                shown = error_text(exc)
            with translation.override(settings.LANGUAGE_CODE):
                reason = error_text(exc)
            await self._end("error", reason, shown, code=4502)
            return
        except (UpstreamClosed, OSError) as exc:
            await self._end(
                "error",
                *self._say(
                    gettext_noop("The session gateway could not be reached: %(error)s"), error=exc
                ),
                code=4502,
            )
            return
        try:
            await self._start_record(target, company_id, region)
        except (OSError, DatabaseError) as exc:
            log.warning("terminal session not recorded: %s", exc)
            if settings.CONSOLE_RECORDING_REQUIRED:
                await self.upstream.close()
                await self._end(
                    "error",
                    *self._say(
                        gettext_noop("Recording failed, so the session was refused: %(error)s"),
                        error=exc,
                    ),
                    code=4500,
                )
                return
        self.window = Window()
        self.started = self.last_input = time.monotonic()
        self.target = target
        await self.upstream.send(
            bytes([p.K8S_RESIZE])
            + json.dumps({"Width": target.cols, "Height": target.rows}).encode()
        )
        with translation.override(self.language):
            title = self._title(target)
        await self.send(bytes_data=p.status("connected", title))
        self.tasks = [asyncio.create_task(self._pump()), asyncio.create_task(self._watch())]

    # Setup ------------------------------------------------------------------

    async def _tenant_and_region(self) -> tuple[int | None, str]:
        """The tenant (a platform admin's pick) and region, chosen as for a page."""
        session_holder = SimpleNamespace(session=self.scope["session"])
        region = await region_of(session_holder)
        return await tenancy.acting_company(session_holder, self.user), region

    def _say(self, message: str, **params) -> tuple[str, str]:
        """A message (marked with gettext_noop) as recorded, in English, and as the user
        reads it, in the language of their page."""
        recorded = message % params if params else message
        with translation.override(self.language):
            shown = _(message) % params if params else _(message)
        return recorded, shown

    def _title(self, target: Target) -> str:
        """The tab's title, in the active language (English in the recording's header)."""
        if target.kind == "terminal":
            return _("cluster shell of %(cluster)s") % {"cluster": target.cluster_id}
        return f"{target.namespace}/{target.pod}" + (
            f"/{target.container}" if target.container else ""
        )

    @database_sync_to_async
    def _start_record(self, target: Target, company_id: int | None, region: str) -> None:
        client = self.scope.get("client") or ("", 0)
        path = (
            Path(settings.CONSOLE_RECORDINGS_DIR)
            / timezone.now().strftime("%Y/%m/%d")
            / (f"{uuid.uuid4().hex}.cast")
        )
        self.record = TerminalSession.objects.create(
            user=self.user,
            company_id=company_id,
            region=region,
            kind=target.kind,
            cluster_id=target.cluster_id,
            namespace=target.namespace if target.pod else "",
            pod=target.pod,
            container=target.container,
            command=target.command,
            source_address=client[0] or "",
            recording=str(path),
        )
        with translation.override(settings.LANGUAGE_CODE):
            title = self._title(target)
        self.recorder = Recorder(path, target.cols, target.rows, title)

    # Upstream -> browser ----------------------------------------------------

    async def _pump(self) -> None:
        while True:
            try:
                await self.window.wait_open(settings.CONSOLE_SEND_STALL_SECONDS)
            except Stalled:
                message = gettext_noop("Closed: the browser stopped reading the output.")
                await self._end("closed", *self._say(message), code=4408)
                return
            frame = await self.upstream.recv()
            if frame is None:
                break
            if not frame:
                continue
            channel, payload = frame[0], memoryview(frame)[1:]  # a view: frames are large
            if channel in (p.K8S_STDOUT, p.K8S_STDERR) and payload:
                self.window.sending(len(payload))
                if self.record is not None:
                    self.record.bytes_out += len(payload)
                if self.recorder is not None:
                    self.recorder.output(payload)
                await self.send(bytes_data=bytes([p.OUTPUT]) + payload)
            elif channel == p.K8S_STATUS:
                self.exit_code, message = p.exit_code_of(bytes(payload))
                self.end_reason = message or EXITED % {"code": self.exit_code}
        if self.exit_code is None:
            self.end_reason = gettext_noop("the session gateway closed the connection")
        state = "exited" if self.exit_code is not None else "closed"
        with translation.override(self.language):
            shown = TerminalSession.translated_reason(self.end_reason)
        await self._end(state, self.end_reason, shown, exit_code=self.exit_code)

    # Browser -> upstream ----------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if self.upstream is None:
            return
        data = bytes_data if bytes_data is not None else (text_data or "").encode()
        if not data:
            return
        kind, payload = data[0], data[1:]
        if kind == p.INPUT:
            self.last_input = time.monotonic()
            if self.recorder is not None:
                self.recorder.input_timing()
            await self.upstream.send(bytes([p.K8S_STDIN]) + payload)
        elif kind == p.RESIZE and len(payload) <= p.MAX_RESIZE_FRAME:
            with contextlib.suppress(ValueError, TypeError, KeyError):
                size = json.loads(payload)
                cols = max(2, min(int(size["cols"]), 1000))
                rows = max(2, min(int(size["rows"]), 1000))
                if self.recorder is not None:
                    self.recorder.resize(cols, rows)
                await self.upstream.send(
                    bytes([p.K8S_RESIZE]) + json.dumps({"Width": cols, "Height": rows}).encode()
                )
        elif kind == p.ACK:
            try:
                self.window.acknowledge(payload)
            except ForgedAck as exc:
                log.warning("terminal socket of %s closed: %s", self.user, exc)
                message = gettext_noop("Closed: the browser acknowledged output it was not sent.")
                await self._end("error", *self._say(message), code=4400)

    # Limits -----------------------------------------------------------------

    async def _watch(self) -> None:
        """Keep-alive, idle timeout, maximum duration, and the user still being logged in."""
        last_check = time.monotonic()
        while True:
            await asyncio.sleep(
                min(
                    PING_SECONDS,
                    settings.CONSOLE_TERMINAL_IDLE_SECONDS,
                    settings.CONSOLE_TERMINAL_MAX_SECONDS,
                )
            )
            now = time.monotonic()
            if now - self.last_input >= settings.CONSOLE_TERMINAL_IDLE_SECONDS:
                await self._end(
                    "closed", *self._say(gettext_noop("Closed after being idle.")), code=4408
                )
                return
            if now - self.started >= settings.CONSOLE_TERMINAL_MAX_SECONDS:
                await self._end(
                    "closed",
                    *self._say(gettext_noop("Closed: the maximum session length was reached.")),
                    code=4408,
                )
                return
            if now - last_check >= settings.CONSOLE_TERMINAL_RECHECK_SECONDS:
                last_check = now
                if not await still_logged_in(self.scope):
                    await self._end(
                        "closed",
                        *self._say(gettext_noop("Closed: you have been logged out.")),
                        code=4401,
                    )
                    return
            await self.send(bytes_data=bytes([p.PING]))

    # Ending -----------------------------------------------------------------

    async def _end(
        self,
        state: str,
        message: str,
        shown: str | None = None,
        *,
        code: int = 1000,
        exit_code: int | None = None,
    ) -> None:
        """End the session: `message` is recorded (in English), `shown` (the same in the
        user's language) is sent to the browser."""
        self.end_reason = message or self.end_reason
        shown = message if shown is None else shown
        with contextlib.suppress(Exception):
            await self.send(bytes_data=p.status(state, shown, exit_code))
        await self.close(code=code)
        await self._cleanup()

    async def disconnect(self, code):
        await self._cleanup()

    async def _cleanup(self) -> None:
        current = asyncio.current_task()
        for task in getattr(self, "tasks", []):
            if task is not current and not task.done():
                task.cancel()
        upstream, self.upstream = self.upstream, None
        if upstream is not None:
            with contextlib.suppress(Exception):
                await upstream.close()
        if self.recorder is not None:
            self.recorder.close()
            self.recorder = None
        if self.record is not None and self.record.ended_at is None:
            self.record.ended_at = timezone.now()
            self.record.end_reason = self.end_reason[:200]
            self.record.exit_code = self.exit_code
            await database_sync_to_async(self.record.save)()
