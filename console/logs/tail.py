"""The live tail over the browser's socket (/ws/logs/): one poller per tenant, region,
container and filter, whatever the number of viewers and processes.

Every process with a viewer of a tail runs its poller task, but only the holder of the
tail's lease in the shared cache (console.live.watcher.hold_lease, the cluster watch's
mechanism) calls GetContainerLogs; it sends the new lines to the tail's group in the
channel layer, and each viewer's consumer delivers those after its own cursor. The
poller's cursor (newest ns and how many lines at it) is in the cache too, so another
process takes over where the holder stopped.

Lines go to the browser as data: the time as shown, and the body as (text, classes,
marked) pieces from the page's own ANSI parser (render.py); static/js/logtail.js builds
them with textContent, never markup."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import logging
import uuid
from types import SimpleNamespace

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import QueryDict

from console.accounts import tenancy
from console.cloud.client import CloudError, CloudUnavailable
from console.cloud.shared import get_client
from console.live.watcher import free_lease, hold_lease
from console.web import cloudcall
from console.web.timezones import browser_zone

from .forms import MAX_LINES, LogSearchForm
from .instants import format_instant
from .render import _matches, _styled_runs

log = logging.getLogger(__name__)


def body_pieces(body: str, keywords: list[str]) -> list[list]:
    """[text, classes, marked] pieces of a body: what log_body_html shows, as data."""
    text, runs = _styled_runs(body)
    marks = _matches(text, list(keywords))
    cuts = sorted({0, len(text), *(p for r in runs for p in r[:2]), *(p for m in marks for p in m)})
    pieces: list[list] = []
    for start, end in itertools.pairwise(cuts):
        classes = next((c for s, e, c in runs if s <= start < e), "")
        marked = any(s <= start < e for s, e in marks)
        pieces.append([text[start:end], classes, marked])
    return pieces


def tail_key(company_id: int | None, region: str, params: dict) -> str:
    """The tail's name: its tenant, region, container and filter."""
    wanted = {
        k: params.get(k)
        for k in ("ClusterID", "Namespace", "Pod", "Container", "Keywords", "KeywordsIgnore")
    }
    wanted.update(company=company_id or 0, region=region, gone=bool(params.get("NotInCluster")))
    return hashlib.sha256(json.dumps(wanted, sort_keys=True).encode()).hexdigest()[:32]


def group_of(key: str) -> str:
    return f"logtail.{key}"


def numbered(infos) -> list[list]:
    """[ns, nth line at that ns, body] of an answer (Start is inclusive, so an answer from
    the cursor holds again the lines at the cursor's time, and counts from the first)."""
    out, previous, nth = [], None, 0
    for info in infos:
        nth = nth + 1 if info.Time == previous else 0
        previous = info.Time
        out.append([info.Time, nth, info.Body])
    return out


class Poller:
    """The poller task of one tail in this process."""

    def __init__(self, key: str, company_id: int | None, params: dict, after: int, skip: int):
        self.key, self.company_id, self.params = key, company_id, params
        self.first_cursor = [after, skip]
        self.token = uuid.uuid4().hex
        self.viewers = 0
        self.task: asyncio.Task | None = None
        self.lease_key, self.cursor_key = f"logtail:lease:{key}", f"logtail:cursor:{key}"

    async def run(self) -> None:
        interval = settings.CONSOLE_LOG_TAIL_SECONDS
        while True:
            try:
                await self.poll_once(lease_seconds=max(interval * 3, 2.0))
            except (CloudError, CloudUnavailable) as exc:
                log.info("log tail %s: %s", self.key, exc)
            except asyncio.CancelledError:
                raise
            except Exception:  # a poller must outlive any one bad poll
                log.exception("log tail %s failed once", self.key)
            await asyncio.sleep(interval)

    async def poll_once(self, lease_seconds: float) -> None:
        if not await hold_lease(self.lease_key, self.token, lease_seconds):
            return
        after, skip = await cache.aget(self.cursor_key) or self.first_cursor
        key = await tenancy.signing_key(self.company_id)
        params = {**self.params, "Start": after, "LineLimit": MAX_LINES}
        if self.company_id:
            params["CompanyID"] = self.company_id
        answer = await get_client().call("GetContainerLogs", key=key, **params)
        infos = list(answer.Infos)
        missed = max(0, answer.TotalCount - len(infos))
        new = [line for line in numbered(infos) if _after(line, after, skip)]
        if new:
            await cache.aset(self.cursor_key, [new[-1][0], new[-1][1] + 1], timeout=3600)
        if new or missed:
            await get_channel_layer().group_send(
                group_of(self.key), {"type": "tail.lines", "lines": new, "missed": missed}
            )


def _after(line: list, after: int, skip: int) -> bool:
    """Is this [ns, nth, body] past the cursor (after, skip)?"""
    return line[0] > after or (line[0] == after and line[1] >= skip)


_pollers: dict[str, Poller] = {}


def viewer_opened(key: str, company_id, params: dict, after: int, skip: int) -> None:
    poller = _pollers.setdefault(key, Poller(key, company_id, params, after, skip))
    poller.viewers += 1
    loop = asyncio.get_running_loop()
    if poller.task is None or poller.task.done() or poller.task.get_loop() is not loop:
        poller.task = loop.create_task(poller.run())


async def viewer_closed(key: str) -> None:
    poller = _pollers.get(key)
    if poller is None:
        return
    poller.viewers -= 1
    if poller.viewers > 0:
        return
    del _pollers[key]
    if poller.task is not None:
        poller.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await poller.task
    await free_lease(poller.lease_key, poller.token)


class LogTailConsumer(AsyncJsonWebsocketConsumer):
    """{"tail": "<the tail's query string>"} subscribes; then {"kind": "lines", ...}."""

    key: str | None = None

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        await self.accept()

    async def receive_json(self, content, **kwargs):
        if self.key is not None or not isinstance(content, dict):
            return
        query = content.get("tail")
        if not isinstance(query, str) or len(query) > 8192:
            return
        get = QueryDict(query)
        holder = SimpleNamespace(
            session=self.scope["session"], COOKIES=self.scope.get("cookies", {})
        )
        form = LogSearchForm(get, local_zone=browser_zone(holder))
        try:
            after, skip = int(get.get("after", "")), int(get.get("skip", "0"))
        except ValueError:
            after = skip = -1
        if not form.is_valid() or after < 0 or skip < 0:
            await self.send_json({"kind": "refused"})
            await self.close(code=4400)
            return
        user = self.scope["user"]
        region = await cloudcall.region_of(holder)
        company_id = await tenancy.acting_company(holder, user)
        self.zone, self.words = form.zone, form.cleaned_data["kw"]
        params = {**form.params(), "Start": after, "LineLimit": MAX_LINES}
        params.pop("End")
        params.pop("CompanyID", None)
        # The same call the polling tail makes, as this user: their rights and tenant
        # decide (a refusal closes the socket; the page then polls and shows it).
        try:
            answer = await cloudcall.call_as(
                user, region, "GetContainerLogs", company_id=company_id, **params
            )
        except (CloudError, CloudUnavailable, PermissionDenied):
            await self.send_json({"kind": "refused"})
            await self.close(code=4403)
            return
        params.pop("Start")
        params.pop("LineLimit")
        params["Region"] = region
        self.key = tail_key(company_id, region, params)
        self.cursor = (after, skip)
        await self.channel_layer.group_add(group_of(self.key), self.channel_name)
        viewer_opened(self.key, company_id, params, after, skip)
        await self.send_json({"kind": "following"})
        infos = list(answer.Infos)
        await self.tail_lines(
            {
                "lines": numbered(infos),
                "missed": max(0, answer.TotalCount - len(infos)),
            }
        )

    async def tail_lines(self, event):
        new = [line for line in event["lines"] if _after(line, *self.cursor)]
        if new:
            self.cursor = (new[-1][0], new[-1][1] + 1)
        if not new and not event.get("missed"):
            return
        await self.send_json(
            {
                "kind": "lines",
                "missed": event.get("missed", 0),
                "cursor": list(self.cursor),
                "lines": [
                    [ns, format_instant(ns, self.zone), body_pieces(body, self.words)]
                    for ns, _nth, body in new
                ],
            }
        )

    async def disconnect(self, code):
        if self.key is None:
            return
        key, self.key = self.key, None
        await self.channel_layer.group_discard(group_of(key), self.channel_name)
        await viewer_closed(key)
