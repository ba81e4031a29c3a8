"""Calling the cloud on behalf of the logged-in user, in the region they picked."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from console.accounts import tenancy
from console.accounts.regions import SESSION_KEY, current_region
from console.audit import record as audit
from console.cloud import actions
from console.cloud.client import CloudError, CloudUnavailable
from console.cloud.shared import get_client
from console.live import events as live

from .roles import ACTION_ROLES, changes_state


async def region_of(request: HttpRequest) -> str:
    # Load the session without blocking the loop; current_region then reads its cache.
    await request.session.aget(SESSION_KEY)
    return current_region(request)


async def call(request: HttpRequest, action: str, **params: Any):
    """One action for this user: Region from their pick, CompanyID from their tenant."""
    user = await request.auser()
    source = request.META.get("REMOTE_ADDR", "")
    company = await tenancy.acting_company(request, user)
    return await call_as(
        user, await region_of(request), action, source=source, company_id=company, **params
    )


async def call_as(
    user, region: str, action: str, *, source: str = "", company_id: int | None = None, **params
):
    """The same outside a request (websocket consumers): the user and region given.

    Every call passes here, so this is where the role table is enforced and where calls
    that change state are audited, whatever view or consumer made them."""
    needed = ACTION_ROLES[action]
    if not (getattr(user, "is_authenticated", False) and user.has_role(needed)):
        raise PermissionDenied(f"{action} needs the {needed} role.")
    params.setdefault("Region", region)
    company = company_id or getattr(user, "company_id", None)
    if company:
        params.setdefault("CompanyID", company)
    key = await tenancy.signing_key(company)
    if not changes_state(action, params):
        return await get_client().call(action, key=key, **params)
    try:
        result = await get_client().call(action, key=key, **params)
    except CloudError as exc:
        await audit.record(user, source, action, params, exc.ret_code, exc.message)
        raise
    except CloudUnavailable as exc:
        await audit.record(user, source, action, params, None, exc.message)
        raise
    await audit.record(user, source, action, params, 0, "")
    event = live.event_for(action, params, result)
    if event is not None:
        await live.announce(company, params["Region"], event)
    return result


_FRIENDLY = {
    actions.NOT_FOUND: "It no longer exists, or it belongs to another tenant.",
    actions.WRONG_STATE: "It is not in a state that allows this right now.",
    actions.QUOTA_EXCEEDED: "Your quota does not allow this.",
    actions.BALANCE_INSUFFICIENT: "Your account balance is too low for this purchase.",
    actions.TOO_FREQUENT: "The cloud is busy; please try again in a moment.",
    actions.NO_PERMISSION: "You do not have permission for this.",
}


def error_text(exc: CloudError | CloudUnavailable) -> str:
    """What a user reads when a call fails: the cloud's words, and what they mean."""
    if isinstance(exc, CloudUnavailable):
        return f"The cloud is unavailable: {exc.message}. Nothing was changed; try again."
    hint = _FRIENDLY.get(exc.ret_code, "")
    return f"{exc.message} (RetCode {exc.ret_code}). {hint}".strip()
