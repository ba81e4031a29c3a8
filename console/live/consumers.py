"""The browser's live socket (/ws/live/): pushes "this cluster or super node changed" to
an open page, which then re-reads the part of itself that shows it (static/js/live.js)."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from console.accounts.regions import SESSION_KEY
from console.accounts.tenancy import ACTING_KEY

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

    @database_sync_to_async
    def _tenant_and_region(self, user) -> tuple[int | None, str]:
        session = self.scope["session"]
        region = session.get(SESSION_KEY)
        if region not in settings.CONSOLE_REGIONS:
            region = settings.CONSOLE_REGIONS[0]
        company_id = user.company_id
        if user.is_platform_admin and session.get(ACTING_KEY):
            company_id = int(session[ACTING_KEY])
        return company_id, region
