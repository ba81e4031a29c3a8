"""Template context every page needs: the regions and the one the user has picked."""

from __future__ import annotations

from django.conf import settings

from .regions import current_region


def console_context(request) -> dict:
    return {"regions": settings.CONSOLE_REGIONS, "region": current_region(request)}
