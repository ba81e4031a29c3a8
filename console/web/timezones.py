"""The browser's time zone: console.js keeps it in the `tz` cookie, and a middleware makes
it each request's current zone, so every time a page shows or reads is the browser's
(UTC until the browser has said)."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from urllib.parse import unquote
from zoneinfo import ZoneInfo, available_timezones

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest
from django.utils import timezone

COOKIE = "tz"
MAX_NAME = 64


@lru_cache(maxsize=1)
def _known_names() -> frozenset[str]:
    return frozenset(available_timezones())


def zone_named(text: str) -> ZoneInfo | None:
    """The IANA zone a cookie names, written plain (`Asia/Shanghai`) or URL-encoded
    (`Asia%2FShanghai`, as console.js writes it); None for anything else."""
    name = unquote(text or "").strip()
    if not name or len(name) > MAX_NAME or name not in _known_names():
        return None
    return ZoneInfo(name)


def browser_zone(request: HttpRequest) -> tzinfo:
    return zone_named(request.COOKIES.get(COOKIE, "")) or UTC


def offset_text(moment: datetime) -> str:
    """`UTC+08:00` for an aware time (`UTC` when it is UTC itself)."""
    offset = moment.utcoffset()
    if not offset:
        return "UTC"
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def zone_label(zone: tzinfo | None = None) -> str:
    """`Asia/Shanghai (UTC+08:00)` for the given or current zone, now; `UTC` for UTC."""
    zone = zone or timezone.get_current_timezone()
    name, offset = str(zone), offset_text(datetime.now(zone))
    return offset if name == offset or name in ("UTC", "Etc/UTC") else f"{name} ({offset})"


class BrowserZoneMiddleware:
    """Activates the browser's zone for the request: the `date` filter, the console's
    time filters and date lookups in queries all follow it."""

    sync_capable = async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        timezone.activate(browser_zone(request))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    async def __acall__(self, request: HttpRequest):
        timezone.activate(browser_zone(request))
        try:
            return await self.get_response(request)
        finally:
            timezone.deactivate()
