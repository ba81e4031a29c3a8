"""Which tenant a user acts for, and which key signs that tenant's calls."""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from console.cloud.client import CloudUnavailable

from .models import TenantKey
from .secretbox import open_sealed

ACTING_KEY = "acting_company_id"


async def acting_company(request: HttpRequest, user) -> int | None:
    """A platform admin's picked tenant, else the user's own."""
    if getattr(user, "is_platform_admin", False):
        picked = await request.session.aget(ACTING_KEY)
        if picked:
            return int(picked)
    return getattr(user, "company_id", None)


# Every call reads its tenant's key, which changes only on the API-key page: this process
# keeps it KEY_SECONDS (no query, no decryption); the page forgets it here at once, other
# processes use a new or removed key within KEY_SECONDS.
KEY_SECONDS = 10.0
_keys: dict[int, tuple[float, tuple[str, str] | None]] = {}


def forget_signing_key(company_id: int | None = None) -> None:
    """After a tenant's key changed (None: every tenant's)."""
    if company_id is None:
        _keys.clear()
    else:
        _keys.pop(int(company_id), None)


async def signing_key(company_id: int | None) -> tuple[str, str] | None:
    """The tenant's own key if it has one; None means the console's (admin) key."""
    if not company_id or not settings.CONSOLE_TENANT_KEYS:
        return None
    kept = _keys.get(int(company_id))
    if kept is not None and kept[0] > time.monotonic():
        return kept[1]
    key = await _stored_key(company_id)
    _keys[int(company_id)] = (time.monotonic() + KEY_SECONDS, key)
    return key


async def _stored_key(company_id: int) -> tuple[str, str] | None:
    stored = await TenantKey.objects.filter(company_id=company_id).afirst()
    if stored is None:
        return None
    try:
        return stored.public_key, open_sealed(stored.private_key_encrypted)
    except ValueError:
        # Sealed under another encryption key: say so rather than fail the page.
        message = _("this tenant's stored API key cannot be decrypted; an admin must set it again")
        raise CloudUnavailable(message, "signing") from None
