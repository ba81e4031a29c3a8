"""The Redis channel layer, made to live through a Redis restart.

channels_redis lets a lost connection escape from receive(), and Channels then ends the
consumer: every open socket of the process (terminals included) would be closed by a
Redis restart. Here receive() waits for Redis and, once it is back, joins the channel's
groups again (a restarted Redis has forgotten them). A consumer that asked to be told
(tell_when_lost) gets one {"type": "layer.unreachable"} message instead, so that it can
let its page know; what was sent meanwhile is lost, which costs a live page one refresh."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

import redis
from channels_redis.core import RedisChannelLayer

from console.web.sharedcache import UNREACHABLE

log = logging.getLogger(__name__)


class PatientRedisChannelLayer(RedisChannelLayer):
    retry_seconds = 1.0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.joined: dict[str, set[str]] = defaultdict(set)  # channel -> its groups
        self.told: set[str] = set()

    def tell_when_lost(self, channel: str) -> None:
        self.told.add(channel)

    async def group_add(self, group, channel):
        await self._twice(super().group_add, group, channel)
        self.joined[channel].add(group)

    async def group_send(self, group, message):
        await self._twice(super().group_send, group, message)

    @staticmethod
    async def _twice(operation, *args):
        """Once more when the first try fails: after a Redis restart the first use of a
        pooled connection finds it closed."""
        try:
            await operation(*args)
        except UNREACHABLE:
            await operation(*args)

    async def group_discard(self, group, channel):
        groups = self.joined.get(channel, set())
        groups.discard(group)
        if not groups:
            self.joined.pop(channel, None)
            self.told.discard(channel)
        await super().group_discard(group, channel)

    async def receive(self, channel):
        lost = False
        while True:
            try:
                if lost:
                    for group in list(self.joined.get(channel, ())):
                        await super().group_add(group, channel)
                    log.warning("channel layer: Redis back, %s listening again", channel)
                return await super().receive(channel)
            except redis.exceptions.TimeoutError:
                continue  # a slow read under load, not Redis gone: wait again
            except UNREACHABLE as exc:
                if channel in self.told:
                    self.told.discard(channel)
                    return {"type": "layer.unreachable"}
                if not lost:
                    log.warning("channel layer: Redis unreachable (%s); waiting for it", exc)
                    lost = True
                await asyncio.sleep(self.retry_seconds)
