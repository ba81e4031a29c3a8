"""The events of one object (those whose involvedObject is it), newest first, as
`kubectl describe` lists them under the object."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest

from console.web.kubeapi import api_path, forward

from .errors import FORWARD_ERRORS, failure

MAX_EVENTS = 50


def _when(event: dict) -> str:
    return (
        event.get("lastTimestamp")
        or event.get("eventTime")
        or (event.get("metadata") or {}).get("creationTimestamp")
        or ""
    )


def _version(event: dict) -> int:
    text = str((event.get("metadata") or {}).get("resourceVersion", ""))
    return int(text) if text.isdigit() else 0


async def events_of(request: HttpRequest, cluster_id: str, obj: dict) -> dict:
    """{"events": [...]} or {"events_error": text}: a page shows the object anyway."""
    meta = obj.get("metadata") or {}
    namespace = meta.get("namespace") or "default"
    selector = f"involvedObject.kind={obj.get('kind', '')},involvedObject.name={meta.get('name')}"
    path = api_path("api", "v1", "namespaces", namespace, "events")
    try:
        answer = await forward(
            request, cluster_id, "GET", f"{path}?{urlencode({'fieldSelector': selector})}"
        )
    except FORWARD_ERRORS as exc:
        return {"events": [], "events_error": failure(exc)}
    uid = meta.get("uid")
    # Same kind and name, but a namesake deleted earlier is another object.
    found = [
        e
        for e in answer.get("items") or []
        if (e.get("involvedObject") or {}).get("uid") in (None, "", uid)
    ]
    # Events of one second (a pod's Scheduled, Pulled, Created, Started) in the order
    # they were written, which their resourceVersions keep.
    found.sort(key=lambda e: (_when(e), _version(e)), reverse=True)
    return {
        "events": [
            {
                "type": e.get("type", ""),
                "reason": e.get("reason", ""),
                "message": e.get("message", ""),
                "count": e.get("count") or 1,
                "when": _when(e),
            }
            for e in found[:MAX_EVENTS]
        ]
    }
