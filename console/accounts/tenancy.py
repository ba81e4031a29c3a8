"""Which tenant a user acts for, and which key signs that tenant's calls."""

from __future__ import annotations

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


async def signing_key(company_id: int | None) -> tuple[str, str] | None:
    """The tenant's own key if it has one; None means the console's (admin) key."""
    if not company_id or not settings.CONSOLE_TENANT_KEYS:
        return None
    stored = await TenantKey.objects.filter(company_id=company_id).afirst()
    if stored is None:
        return None
    try:
        return stored.public_key, open_sealed(stored.private_key_encrypted)
    except ValueError:
        # Sealed under another encryption key: say so rather than fail the page.
        message = _("this tenant's stored API key cannot be decrypted; an admin must set it again")
        raise CloudUnavailable(message, "signing") from None
