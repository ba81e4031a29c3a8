"""The /api endpoint: decode, inject faults, authenticate, validate, dispatch, answer."""

from __future__ import annotations

import asyncio
import logging
import random

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from console.cloud import actions

from . import auth, handlers, lifecycle, oplog, wire
from .errors import ApiError
from .models import Fault

log = logging.getLogger(__name__)


def _answer(action_name: str, ret_code: int = 0, message: str = "", **fields) -> JsonResponse:
    body = {"RetCode": ret_code, "Action": f"{action_name}Response", "Message": message}
    body.update(fields)
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


def _injected_error(fault: Fault, action_name: str) -> HttpResponse | None:
    if fault.error_rate and random.random() < fault.error_rate:
        if fault.error_kind == "retcode":
            return _answer(action_name, actions.TOO_FREQUENT, "Request too frequent (injected)")
        if fault.error_kind == "malformed":
            return HttpResponse("<html>upstream proxy error</html>", content_type="text/html")
        return HttpResponse("Service Unavailable (injected)", status=503)
    return None


@csrf_exempt
@login_not_required
async def api(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    fault = await sync_to_async(Fault.current)()
    if fault.latency_ms:
        # Sleep on the event loop: a slow cloud must not block the console's sync thread.
        await asyncio.sleep(fault.latency_ms / 1000)
    return await sync_to_async(_handle)(request, fault)


def _handle(request: HttpRequest, fault: Fault) -> HttpResponse:
    if len(request.body) > wire.MAX_BODY:
        return HttpResponse(status=413)
    try:
        flat, native = wire.read_params(request)
    except ApiError as exc:
        return _answer("Unknown", exc.ret_code, exc.message)
    action_name = flat.get("Action", "")
    injected = _injected_error(fault, action_name or "Unknown")
    if injected is not None:
        return injected
    tenant: list[int] = []  # the tenant the call acted for, once known
    try:
        fields = _dispatch(action_name, flat, native, tenant)
    except ApiError as exc:
        response, ret_code = (
            _answer(action_name or "Unknown", exc.ret_code, exc.message),
            exc.ret_code,
        )
    else:
        response, ret_code = _answer(action_name, **fields), actions.OK
    source = request.META.get("REMOTE_ADDR", "")
    oplog.record(flat, action_name or "Unknown", ret_code, tenant[-1] if tenant else None, source)
    return response


def _dispatch(action_name: str, flat: dict, native: dict, tenant: list[int]) -> dict:
    if not action_name:
        raise ApiError(actions.MISSING_ACTION, "Missing Action")
    spec = actions.ACTIONS.get(action_name)
    if spec is None:
        raise ApiError(actions.NO_SUCH_ACTION, f"Action [{action_name}] does not exist")
    caller = auth.authenticate(flat)
    tenant.append(caller.tenant.company_id)
    try:
        params = actions.validate(spec, wire.structured(spec, flat, native))
    except actions.InvalidParams as exc:
        raise ApiError(exc.ret_code, exc.message) from None
    call = auth.resolve(caller, params)
    tenant.append(call.tenant.company_id)
    lifecycle.advance()
    return handlers.HANDLERS[action_name](call, params)
