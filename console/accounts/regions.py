"""The region a user works in: kept in the session, one of CONSOLE_REGIONS."""

from __future__ import annotations

from django.conf import settings

SESSION_KEY = "region"


def current_region(request) -> str:
    region = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if region in settings.CONSOLE_REGIONS:
        return region
    return settings.CONSOLE_REGIONS[0]
