"""The browser's live socket (/ws/live/): pushes "this cluster or super node changed" to
an open page, which then re-reads the part of itself that shows it (static/js/live.js)."""

from __future__ import annotations

from types import SimpleNamespace

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from console.accounts import tenancy
from console.web import cloudcall

from . import watcher
from .events import group_name


class LiveConsumer(AsyncJsonWebsocketConsumer):
    scope_key: tuple[int | None, str] | None = None

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        company_id, region = await self._tenant_and_region(user)
        self.scope_key = (company_id, region)
        await self.channel_layer.group_add(group_name(company_id, region), self.channel_name)
        await self.accept()
        watcher.page_opened(company_id, region)
        await self.send_json({"kind": "hello", "region": region})

    async def disconnect(self, code):
        if self.scope_key is None:
            return
        company_id, region = self.scope_key
        self.scope_key = None
        await self.channel_layer.group_discard(group_name(company_id, region), self.channel_name)
        await watcher.page_closed(company_id, region)

    async def receive_json(self, content, **kwargs):
        """The page only listens; anything it sends is ignored."""

    async def cloud_changed(self, event):
        await self.send_json({k: v for k, v in event.items() if k != "type"})

    async def _tenant_and_region(self, user) -> tuple[int | None, str]:
        """The tenant and region the user's pages show, chosen as for a page."""
        session_holder = SimpleNamespace(session=self.scope["session"])
        region = await cloudcall.region_of(session_holder)
        return await tenancy.acting_company(session_holder, user), region
