"""The browser's time zone, which console.js keeps in the `tz` cookie (UTC until it has)."""

from __future__ import annotations

from datetime import UTC, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.http import HttpRequest

COOKIE = "tz"


def browser_zone(request: HttpRequest) -> tzinfo:
    name = request.COOKIES.get(COOKIE, "")
    if not name or len(name) > 64:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC
