"""The API's request signature: SHA-1 over the sorted, flattened parameters and the key."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from .actions import scalar_text


def flatten(params: Mapping[str, Any]) -> dict[str, str]:
    """Flatten arrays to Name.N and objects in arrays to Name.N.Field; values as wire text."""
    flat: dict[str, str] = {}

    def put(key: str, value: Any) -> None:
        if value is None:
            return
        if isinstance(value, list | tuple):
            for i, item in enumerate(value):
                put(f"{key}.{i}", item)
        elif isinstance(value, Mapping):
            for sub, item in value.items():
                put(f"{key}.{sub}", item)
        else:
            flat[key] = scalar_text(value)

    for key, value in params.items():
        put(key, value)
    return flat


def signature(params: Mapping[str, Any], private_key: str) -> str:
    """Lower-case hex SHA-1 of key+value pairs sorted by key as bytes, then the private key."""
    flat = flatten({k: v for k, v in params.items() if k != "Signature"})
    payload = "".join(k + flat[k] for k in sorted(flat, key=lambda k: k.encode()))
    return hashlib.sha1((payload + private_key).encode(), usedforsecurity=False).hexdigest()


def verify(params: Mapping[str, Any], private_key: str) -> bool:
    given = params.get("Signature")
    if not isinstance(given, str):
        return False
    return hmac.compare_digest(given.lower(), signature(params, private_key))
