"""Calling the cloud on behalf of the logged-in user, in the region they picked."""

from __future__ import annotations

import json
from typing import Any

from asgiref.sync import sync_to_async
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest
from django.utils.translation import gettext as _

from console.accounts import tenancy
from console.accounts.models import Role
from console.accounts.regions import SESSION_KEY, current_region
from console.audit import record as audit
from console.cloud.client import CloudError, CloudUnavailable, MaybeApplied
from console.cloud.shared import get_client
from console.live import events as live

from . import retcodes
from .roles import ACTION_ROLES, changes_state

# Allocating a terminal changes nothing a user sees; a lost answer just means no terminal.
SESSION_ACTIONS = frozenset({"AllocateK8SSession", "AllocateK8STerminal"})


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


async def acting_for(request: HttpRequest, action: str) -> tuple[int | None, str]:
    """(tenant, region) this user would call `action` in, after the same role check as
    call_as: for answers kept in a cache, read only after this says the user may ask."""
    user = await request.auser()
    _check_role(user, action)
    return await tenancy.acting_company(request, user), await region_of(request)


def _check_role(user, action: str) -> None:
    needed = ACTION_ROLES[action]
    if not (getattr(user, "is_authenticated", False) and user.has_role(needed)):
        role = str(Role(needed).label).lower()
        raise PermissionDenied(
            _("%(action)s needs the %(role)s role.") % {"action": action, "role": role}
        )


async def call_as(
    user, region: str, action: str, *, company_id: int | None, source: str = "", **params
):
    """The same outside a request (websocket consumers): the user, region and tenant given
    (the tenant from tenancy.acting_company, the one rule for pages and sockets).

    Every call passes here, so this is where the role table is enforced and where calls
    that change state are audited, whatever view or consumer made them."""
    _check_role(user, action)
    params.setdefault("Region", region)
    if company_id:
        params.setdefault("CompanyID", company_id)
    key = await tenancy.signing_key(company_id)
    if connection.settings_dict.get("OPTIONS", {}).get("pool"):
        await _release_database()
    if not changes_state(action, params):
        return await get_client().call(action, key=key, **params)
    try:
        result = await get_client().call(action, key=key, **params)
    except CloudError as exc:
        await audit.record(user, source, action, params, exc.ret_code, exc.message)
        raise
    except CloudUnavailable as exc:
        unanswered = exc.sent and action not in SESSION_ACTIONS
        note = _("no answer, may have been applied: ") if unanswered else ""
        await audit.record(user, source, action, params, None, note + exc.message)
        if unanswered:
            raise MaybeApplied(exc.message, action, sent=True) from exc
        raise
    http_status, message = _kubernetes_answer(action, result)
    await audit.record(user, source, action, params, 0, message, http_status)
    event = live.event_for(action, params, result)
    if event is not None:
        await live.announce(company_id, params["Region"], event)
    return result


@sync_to_async
def _release_database() -> None:
    """Give this request's pooled connection back while it waits on the cloud (the audit
    row takes one again): with the cloud slow, waiting requests held every connection of
    the pool, and pages that need no cloud (the audit log) waited for one."""
    if connection.connection is not None and not connection.in_atomic_block:
        connection.close()


def _kubernetes_answer(action: str, result) -> tuple[int | None, str]:
    """ForwardCluster's call succeeds whatever Kubernetes answered: its status code, and
    for a refusal the message of its Status object, are what the audit row must show."""
    if action != "ForwardCluster":
        return None, ""
    code = result.Info.ResponseCode
    if 200 <= code < 300:
        return code, ""
    try:
        body = json.loads(result.Info.ResponseBody or "{}")
    except ValueError:
        body = None
    return code, str(body.get("message", "")) if isinstance(body, dict) else ""


def error_text(exc: CloudError | CloudUnavailable) -> str:
    """What a user reads when a call fails: what it means, then the cloud's own words."""
    if isinstance(exc, MaybeApplied):
        return _(
            "The cloud did not answer: %(reason)s. The change may have been applied:"
            " check what is shown now before trying again."
        ) % {"reason": exc.message}
    if isinstance(exc, CloudUnavailable):
        # Refused before sending (or a read): the cloud saw no change.
        return _("The cloud is unavailable: %(reason)s. Nothing was changed; try again.") % {
            "reason": exc.message
        }
    return _("%(meaning)s %(message)s (RetCode %(code)s).") % {
        "meaning": retcodes.meaning(exc.ret_code),
        "message": exc.message,
        "code": exc.ret_code,
    }


def sentence(text: str) -> str:
    """Text (another system's message) ending as a sentence does, so that what a page
    writes after it reads as the next sentence."""
    text = text.strip()
    return text if not text or text[-1] in ".!?\u3002\uff01\uff1f" else f"{text}."
