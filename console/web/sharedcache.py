"""The shared cache (Redis) with a memory of this process's own while Redis is away.

What the console keeps in the cache is either worth keeping in one process for a while
(login failures, the live watcher's lease, snapshots) or cheap to lose, so an unreachable
Redis must not fail a request: each operation then goes to a local cache, and Redis is
tried again every few seconds (not at every call, which would wait on its timeout)."""

from __future__ import annotations

import logging
import time

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

log = logging.getLogger(__name__)

# Redis refused, timed out, closed the connection, or is still loading after a restart.
UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


class _Outage:
    """Whether Redis at one address is away; shared by the process's cache objects (Django
    makes one per thread and per async context)."""

    def __init__(self):
        self.since: float | None = None
        self.retry_at = 0.0


_outages: dict[str, _Outage] = {}


class RedisOrLocalCache(RedisCache):
    retry_seconds = 2.0

    def __init__(self, server, params):
        super().__init__(server, params)
        where = str(server)
        # LocMemCache keeps its entries by name: every object of this process shares them.
        self.local = LocMemCache(f"redis-fallback:{where}", {"OPTIONS": {"MAX_ENTRIES": 10000}})
        self.outage = _outages.setdefault(where, _Outage())

    @property
    def using_redis(self) -> bool:
        return self.outage.since is None

    def _either(self, name: str, *args):
        outage = self.outage
        if time.monotonic() >= outage.retry_at:
            try:
                result = getattr(RedisCache, name)(self, *args)
            except UNREACHABLE as exc:
                if outage.since is None:
                    outage.since = time.time()
                    log.warning("Redis unreachable (%s): this process's own cache meanwhile", exc)
                outage.retry_at = time.monotonic() + self.retry_seconds
            else:
                if outage.since is not None:
                    log.warning("Redis reachable again after %.0f s", time.time() - outage.since)
                    outage.since = None
                return result
        return getattr(self.local, name)(*args)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._either("add", key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._either("get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._either("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._either("touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._either("delete", key, version)

    def get_many(self, keys, version=None):
        return self._either("get_many", keys, version)

    def has_key(self, key, version=None):
        return self._either("has_key", key, version)

    def incr(self, key, delta=1, version=None):
        return self._either("incr", key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._either("set_many", data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._either("delete_many", keys, version)

    def clear(self):
        return self._either("clear")
