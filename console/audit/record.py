"""Writing audit rows, with what must not be stored masked."""

from __future__ import annotations

import re

from .models import AuditEntry

MASK = "***"
_SECRET = re.compile(r"password|secret|token|privatekey|signature|kubeconfig", re.I)
MAX_VALUE = 300  # characters of one parameter kept


def masked(params: dict) -> dict:
    """Parameters as stored: secrets masked, request bodies left out, long values cut."""
    shown = {}
    for key, value in params.items():
        if _SECRET.search(key):
            shown[key] = MASK
        elif key == "RequestBody":
            shown[key] = f"<{len(str(value))} characters>"
        else:
            text = value if isinstance(value, int | float | bool | list) else str(value)
            if isinstance(text, str) and len(text) > MAX_VALUE:
                text = text[:MAX_VALUE] + "…"
            shown[key] = text
    return shown


async def record(
    user,
    source: str,
    action: str,
    params: dict,
    ret_code,
    message: str,
    http_status: int | None = None,
) -> None:
    await AuditEntry.objects.acreate(
        user=user if getattr(user, "pk", None) else None,
        username=getattr(user, "username", "") or "",
        company_id=params.get("CompanyID") or getattr(user, "company_id", None),
        action=action,
        params=masked(params),
        ret_code=ret_code,
        message=message[:500],
        source=source[:64],
        http_status=http_status,
    )
