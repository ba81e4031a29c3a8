"""Decoding requests of the wire protocol: form, JSON or query; arrays native or Name.N."""

from __future__ import annotations

import json
import re
from typing import Any

from django.http import HttpRequest

from console.cloud import actions, signing

from .errors import ApiError

_INDEXED = re.compile(r"^(?P<name>[A-Za-z0-9_]+)\.(?P<index>\d+)$")

MAX_BODY = 1024 * 1024
# A parameter is at most an object in an array (depth 3); far deeper is an attack on the
# parser (and on signing.flatten, which recurses), so it is refused before either runs.
MAX_DEPTH = 32
_TOO_DEEP = f"Request body is nested more than {MAX_DEPTH} levels deep"


def read_params(request: HttpRequest) -> tuple[dict[str, str], dict[str, Any]]:
    """The parameters twice over, from one parse of the request.

    flat: every parameter as wire text, arrays flattened (what the signature covers);
    native: a JSON body's own top-level values (empty for a form or a query string).
    """
    if request.method == "GET":
        return {k: request.GET.get(k, "") for k in request.GET}, {}
    content_type = request.content_type or ""
    if content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise ApiError(actions.BAD_FORMAT, "Request body is not valid JSON") from None
        except RecursionError:  # deeper than the parser's own stack allows
            raise ApiError(actions.BAD_FORMAT, _TOO_DEEP) from None
        if not isinstance(data, dict):
            raise ApiError(actions.BAD_FORMAT, "Request body must be a JSON object")
        if depth(data) > MAX_DEPTH:
            raise ApiError(actions.BAD_FORMAT, _TOO_DEEP)
        return signing.flatten(data), data
    params = {k: request.POST.get(k, "") for k in request.POST}
    # A query string on a POST still counts (some SDKs put Action there).
    for key in request.GET:
        params.setdefault(key, request.GET.get(key, ""))
    return params, {}


def depth(value: Any, limit: int = MAX_DEPTH) -> int:
    """How deeply arrays and objects nest in a decoded JSON value, without recursing (and
    without walking further than one level past `limit`)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level <= limit:
                children = item.values() if isinstance(item, dict) else item
                stack.extend((child, level + 1) for child in children)
    return deepest


def structured(
    action: actions.Action, flat: dict[str, str], native: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Fold Name.N keys back into lists for the action's array parameters.

    Values a JSON body gave natively are validated as given, so an array or object where
    a single value belongs is refused (RetCode 4) rather than flattened out of sight.
    """
    out: dict[str, Any] = {}
    arrays: dict[str, list[tuple[int, str]]] = {}
    array_names = {p.name for p in action.params if p.type == actions.STRING_ARRAY}
    for key, value in flat.items():
        match = _INDEXED.match(key)
        if match and match["name"] in array_names:
            arrays.setdefault(match["name"], []).append((int(match["index"]), value))
        else:
            out[key] = value
    for name, items in arrays.items():
        out[name] = [value for _, value in sorted(items)]
    for name, value in (native or {}).items():
        if action.param(name) is not None:
            out[name] = value
    return out
