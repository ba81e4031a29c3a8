"""What a viewer may read of a cluster's Secrets: names, types and keys, never a value."""

from __future__ import annotations

import re
from typing import Any

HIDDEN = "••••••"
# Fields of a Secret a viewer sees; anything else (a field a client slipped in) is left out.
SHOWN_FIELDS = ("apiVersion", "kind", "metadata", "type", "immutable", "data", "stringData")
# A path naming secrets (a collection or one of them, in one namespace or all).
_SECRETS_PATH = re.compile(r"^/api/v1/(namespaces/[^/?]+/)?secrets(/[^/?]+)?/?(\?|$)")


def hide_secret(obj: dict) -> dict:
    """One Secret as a viewer may see it: its keys, not its values.

    Annotations are hidden too, not only data: `kubectl apply` copies the whole manifest,
    values included, into kubectl.kubernetes.io/last-applied-configuration, and other tools
    write what they like there."""
    shown = {k: v for k, v in obj.items() if k in SHOWN_FIELDS}
    for field in ("data", "stringData"):
        if isinstance(obj.get(field), dict):
            shown[field] = dict.fromkeys(obj[field], HIDDEN)
        else:
            shown.pop(field, None)  # not a mapping of keys: nothing a viewer needs
    meta = obj.get("metadata")
    if isinstance(meta, dict) and "annotations" in meta:
        notes = meta["annotations"]
        hidden = dict.fromkeys(notes, HIDDEN) if isinstance(notes, dict) else HIDDEN
        shown["metadata"] = {**meta, "annotations": hidden}
    return shown


def for_viewer(path: str, answer: Any) -> Any:
    """A Kubernetes answer with its Secrets hidden: one Secret, or the Secrets of a list.

    List items often carry no `kind` of their own, so every item of a list read from a
    path of secrets is hidden whatever it says it is."""
    if not isinstance(answer, dict):
        return answer
    path_of_secrets = _SECRETS_PATH.match(path)
    if answer.get("kind") == "Secret" or (path_of_secrets and path_of_secrets[2]):
        return hide_secret(answer)
    of_secrets = bool(path_of_secrets) or answer.get("kind") == "SecretList"
    items = answer.get("items")
    if not isinstance(items, list):
        return hide_secret(answer) if of_secrets else answer
    return {**answer, "items": [_item(item, of_secrets) for item in items]}


def _item(item: Any, of_secrets: bool) -> Any:
    if not isinstance(item, dict):
        return HIDDEN if of_secrets else item
    return hide_secret(item) if of_secrets or item.get("kind") == "Secret" else item
