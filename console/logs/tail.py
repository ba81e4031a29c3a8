"""The live tail over the browser's socket (/ws/logs/): one poller per tenant, region,
container or workload, and filter, whatever the number of viewers and processes.

Every process with a viewer of a tail runs its poller task, but only the holder of the
tail's lease in the shared cache (console.live.watcher.hold_lease, the cluster watch's
mechanism) calls GetContainerLogs; it sends the new lines to the tail's group in the
channel layer, and each viewer's consumer delivers those after its own cursor. The
poller's cursors (per pod and container: newest ns and how many lines at it) are in the
cache too, so another process takes over where the holder stopped. A workload's poller
looks again at its pods every POD_LOOK_SECONDS, so pods that come and go are followed.

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
import time
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
from console.web.socket_login import still_logged_in
from console.web.timezones import browser_zone

from . import workload
from .forms import LogSearchForm
from .instants import format_instant
from .jsonfields import fields_of
from .linefilter import LineFilter
from .render import _matches, _styled_runs
from .workload import Stream, WorkloadError

log = logging.getLogger(__name__)
POD_LOOK_SECONDS = 5.0
MOST_CURSORS = 500  # streams a viewer remembers (pods come and go during a long tail)
# Tails one user keeps open in this process: each poller of a workload reads up to
# workload.MAX_STREAMS containers every interval for as long as its socket stays open.
MOST_TAILS_PER_USER = 10
_open_by_user: dict[int, int] = {}


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


def tail_key(
    company_id: int | None,
    region: str,
    params: dict,
    target: tuple[str, str] | None = None,
    keep: LineFilter = LineFilter(),  # noqa: B008 - frozen
) -> str:
    """The tail's name: its tenant, region, container or workload, and filter."""
    wanted = {
        k: params.get(k)
        for k in ("ClusterID", "Namespace", "Pod", "Container", "Keywords", "KeywordsIgnore")
    }
    wanted.update(company=company_id or 0, region=region, gone=bool(params.get("NotInCluster")))
    wanted.update(workload=list(target or ()), filter=keep.key())
    return hashlib.sha256(json.dumps(wanted, sort_keys=True).encode()).hexdigest()[:32]


def group_of(key: str) -> str:
    return f"logtail.{key}"


def wire_lines(lines: list[workload.Line]) -> list[list]:
    """[ns, nth line at that ns in its stream, body, pod, container] for the group."""
    return [[x.ns, x.nth, x.body, x.stream.pod, x.stream.container] for x in lines]


class Poller:
    """The poller task of one tail in this process."""

    def __init__(
        self,
        key: str,
        company_id: int | None,
        params: dict,
        after: int,
        target: tuple[str, str] | None = None,
        keep: LineFilter = LineFilter(),  # noqa: B008 - frozen
    ):
        self.key, self.company_id, self.params = key, company_id, params
        self.target, self.keep = target, keep
        self.base = (after, 0)  # where a stream not seen before starts
        self.token = uuid.uuid4().hex
        self.viewers = 0
        self.task: asyncio.Task | None = None
        self.lease_key, self.cursor_key = f"logtail:lease:{key}", f"logtail:cursor:{key}"

    async def run(self) -> None:
        interval = settings.CONSOLE_LOG_TAIL_SECONDS
        while True:
            try:
                await self.poll_once(lease_seconds=max(interval * 3, 2.0))
            except (CloudError, CloudUnavailable, WorkloadError) as exc:
                log.info("log tail %s: %s", self.key, exc)
            except asyncio.CancelledError:
                raise
            except Exception:  # a poller must outlive any one bad poll
                log.exception("log tail %s failed once", self.key)
            await asyncio.sleep(interval)

    def _call(self, key):
        extra = {"Region": self.params["Region"]}
        if self.company_id:
            extra["CompanyID"] = self.company_id
        return lambda action, **params: get_client().call(action, key=key, **params, **extra)

    async def _streams(self, call, state: dict) -> list[Stream]:
        if self.target is None:
            return [Stream(self.params["Pod"], self.params["Container"])]
        if state.get("streams") is None or time.time() - state["looked"] >= POD_LOOK_SECONDS:
            try:
                streams, _more = await workload.workload_streams(
                    call,
                    self.params["ClusterID"],
                    self.params["Namespace"],
                    *self.target,
                    self.params.get("Container", ""),
                )
            except (CloudError, CloudUnavailable, WorkloadError):
                if state.get("streams") is None:
                    raise
                return [Stream(*s) for s in state["streams"]]  # the last pods known
            state.update(streams=[[s.pod, s.container] for s in streams], looked=time.time())
        return [Stream(*s) for s in state["streams"]]

    async def poll_once(self, lease_seconds: float) -> None:
        if not await hold_lease(self.lease_key, self.token, lease_seconds):
            return
        state = await cache.aget(self.cursor_key) or {}
        call = self._call(await tenancy.signing_key(self.company_id))
        streams = await self._streams(call, state)
        cursors = {Stream(p, c): (a, n) for p, c, a, n in state.get("cursors", [])}
        params = {k: v for k, v in self.params.items() if k not in ("Pod", "Container", "Region")}
        found, moved = await workload.since(call, streams, params, cursors, self.base)
        state["cursors"] = [[s.pod, s.container, *moved[s]] for s in streams if s in moved]
        await cache.aset(self.cursor_key, state, timeout=3600)
        new = [line for line in found.lines if self.keep.keeps(line.body)]
        if new or found.missed:
            await get_channel_layer().group_send(
                group_of(self.key),
                {"type": "tail.lines", "lines": wire_lines(new), "missed": found.missed},
            )


_pollers: dict[str, Poller] = {}


def viewer_opened(key: str, company_id, params: dict, after: int, target=None, keep=None) -> None:
    poller = _pollers.setdefault(
        key, Poller(key, company_id, params, after, target, keep or LineFilter())
    )
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


def line_extra(stream: Stream, body: str, tags: bool, several: bool, words: list[str]) -> dict:
    """A line's pod tag (a workload's tail) and JSON fields, as data for logtail.js."""
    extra: dict = {}
    if tags:
        extra.update(tag=stream.label(several), colour=stream.colour)
    fields = fields_of(body) if body[:1] in "{ " else None
    if fields:
        extra["fields"] = [[key, body_pieces(value, words)] for key, value in fields]
    return extra


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
        if _open_by_user.get(user.pk, 0) >= MOST_TAILS_PER_USER:
            await self.send_json({"kind": "refused"})  # the page polls instead
            await self.close(code=4429)
            return
        region = await cloudcall.region_of(holder)
        company_id = await tenancy.acting_company(holder, user)
        self.zone, self.words = form.zone, form.cleaned_data["kw"]
        target, keep = form.target_workload, form.line_filter()
        params = {k: v for k, v in form.params().items() if k not in ("Start", "End", "LineLimit")}
        params.pop("CompanyID", None)
        if target:  # the container box narrows a workload's tail: part of its name
            params["Container"] = form.cleaned_data["container"]

        # The same calls the polling tail makes, as this user: their rights and tenant
        # decide (a refusal closes the socket; the page then polls and shows it).
        def call(action, **p):
            return cloudcall.call_as(user, region, action, company_id=company_id, **p)

        try:
            if target:
                data = form.cleaned_data
                streams, _more = await workload.workload_streams(
                    call, data["cluster"], data["namespace"], *target, data["container"]
                )
            else:
                streams = [Stream(params["Pod"], params["Container"])]
            found, _moved = await workload.since(call, streams, params, {}, (after, 0))
        except (CloudError, CloudUnavailable, PermissionDenied, WorkloadError):
            await self.send_json({"kind": "refused"})
            await self.close(code=4403)
            return
        params["Region"] = region
        self.key = tail_key(company_id, region, params, target, keep)
        self.tags = target is not None
        self.several = len({s.container for s in streams}) > 1
        self.base, self.cursors, self.last = (after, 0), {}, (after, skip)
        # The page showed the first `skip` lines at `after` (merged by time): not again.
        for line in [x for x in found.lines if x.ns == after][:skip]:
            self.cursors[line.stream] = (line.ns, line.nth + 1)
        self.user_pk = user.pk
        self.checked_login = time.monotonic()
        _open_by_user[user.pk] = _open_by_user.get(user.pk, 0) + 1
        await self.channel_layer.group_add(group_of(self.key), self.channel_name)
        viewer_opened(self.key, company_id, params, after, target, keep)
        await self.send_json({"kind": "following"})
        kept = [line for line in found.lines if keep.keeps(line.body)]
        await self.tail_lines({"lines": wire_lines(kept), "missed": found.missed})

    async def tail_lines(self, event):
        if not await self._still_allowed():
            return
        new = []
        for ns, nth, body, pod, container in event["lines"]:
            stream = Stream(pod, container)
            after, skip = self.cursors.get(stream, self.base)
            if ns > after or (ns == after and nth >= skip):
                new.append((ns, stream, body))
                self.cursors[stream] = (ns, nth + 1)
                self.last = (ns, self.last[1] + 1) if ns == self.last[0] else (ns, 1)
        while len(self.cursors) > MOST_CURSORS:
            del self.cursors[next(iter(self.cursors))]
        if not new and not event.get("missed"):
            return
        await self.send_json(
            {
                "kind": "lines",
                "missed": event.get("missed", 0),
                "cursor": list(self.last),
                "lines": [self._wire(ns, stream, body) for ns, stream, body in new],
            }
        )

    async def _still_allowed(self) -> bool:
        """Before lines go out, now and then: is the viewer still logged in? If not, the
        socket ends (4401) and the page's polling meets the login page."""
        now = time.monotonic()
        if self.key is None:  # ended: group messages may still be on their way
            return False
        if now - self.checked_login < settings.CONSOLE_SOCKET_RECHECK_SECONDS:
            return True
        self.checked_login = now
        if await still_logged_in(self.scope):
            return True
        await self.disconnect(4401)  # leaves the group and the poller now
        await self.send_json({"kind": "logged_out"})
        await self.close(code=4401)
        return False

    def _wire(self, ns: int, stream: Stream, body: str) -> list:
        """[ns, shown time, body pieces, extra]; a JSON line's pieces are its fields'."""
        extra = line_extra(stream, body, self.tags, self.several, self.words)
        pieces = [] if "fields" in extra else body_pieces(body, self.words)
        return [ns, format_instant(ns, self.zone), pieces, extra]

    async def disconnect(self, code):
        if self.key is None:
            return
        key, self.key = self.key, None
        left = _open_by_user.pop(self.user_pk, 1) - 1
        if left:
            _open_by_user[self.user_pk] = left
        await self.channel_layer.group_discard(group_of(key), self.channel_name)
        await viewer_closed(key)
