"""The browser's live socket (/ws/live/): pushes "this cluster or super node changed" to
an open page, which then re-reads the part of itself that shows it (static/js/live.js)."""

from __future__ import annotations

import contextlib
import logging
from types import SimpleNamespace

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from console.accounts import tenancy
from console.web import cloudcall
from console.web.sharedcache import UNREACHABLE

from . import watcher
from .events import group_name

log = logging.getLogger(__name__)


class LiveConsumer(AsyncJsonWebsocketConsumer):
    scope_key: tuple[int | None, str] | None = None
    MOST_WATCHED = 4  # workload pages' clusters one socket may ask to watch

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        company_id, region = await self._tenant_and_region(user)
        self.watched: list[str] = []
        try:
            await self.channel_layer.group_add(group_name(company_id, region), self.channel_name)
        except UNREACHABLE as exc:
            # Redis away: refused, so the page keeps polling and tries again (live.js).
            log.warning("live socket refused, channel layer unreachable: %s", exc)
            await self.close(code=4503)
            return
        self.scope_key = (company_id, region)
        if hasattr(self.channel_layer, "tell_when_lost"):
            self.channel_layer.tell_when_lost(self.channel_name)
        await self.accept()
        watcher.page_opened(company_id, region)
        await self.send_json({"kind": "hello", "region": region})

    async def disconnect(self, code):
        if self.scope_key is None:
            return
        company_id, region = self.scope_key
        self.scope_key = None
        for cluster_id in self.watched:
            watcher.objects_closed(company_id, region, cluster_id)
        await watcher.page_closed(company_id, region)
        # Redis away: the group's entry expires by itself (group_expiry).
        with contextlib.suppress(*UNREACHABLE):
            await self.channel_layer.group_discard(
                group_name(company_id, region), self.channel_name
            )

    async def receive_json(self, content, **kwargs):
        """A workload page asks for its cluster's objects to be watched:
        {"watch": "objects", "cluster": ID, "since": resourceVersion}; nothing else is heard.
        The events name the ID only, and the page re-reads through its own view, so asking
        for another tenant's cluster gets nothing (the watch reads as this tenant)."""
        if self.scope_key is None or not isinstance(content, dict):
            return
        cluster_id = content.get("cluster")
        if content.get("watch") != "objects" or not isinstance(cluster_id, str):
            return
        if cluster_id in self.watched or len(self.watched) >= self.MOST_WATCHED:
            return
        if watcher.objects_opened(*self.scope_key, cluster_id, content.get("since")):
            self.watched.append(cluster_id)

    async def layer_unreachable(self, event):
        """Redis went away: no change can reach this page now, so it polls (live.js) and
        comes back, re-reading what it missed, once a socket opens again."""
        await self.close(code=4503)

    async def cloud_changed(self, event):
        await self.send_json({k: v for k, v in event.items() if k != "type"})

    async def _tenant_and_region(self, user) -> tuple[int | None, str]:
        """The tenant and region the user's pages show, chosen as for a page."""
        session_holder = SimpleNamespace(session=self.scope["session"])
        region = await cloudcall.region_of(session_holder)
        return await tenancy.acting_company(session_holder, user), region
