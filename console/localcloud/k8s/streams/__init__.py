"""The Kubernetes API's streams, apart from request/response: pod logs (logs.py), watches
(watch.py), and exec/attach, which are websockets (exec.py, routed in routing.py); an
exec or attach over HTTP (SPDY, kubectl before 1.30) is refused with a clear message.
Each stream is bounded: a few per cluster and process, and each ends with its request."""

from __future__ import annotations

from urllib.parse import unquote

from django.http import HttpRequest, HttpResponse

from ...models import Cluster
from .. import resources, server
from . import logs, watch
from .base import status

SPDY_REFUSED = (
    "localcloud speaks exec and attach over WebSocket only (v5.channel.k8s.io), as kubectl "
    "1.30 and later do; this kubectl tried SPDY: use kubectl 1.30+"
)


def answer(cluster: Cluster, request: HttpRequest, path: str) -> HttpResponse | None:
    """The streamed answer to a request, or None for an ordinary one (server.handle)."""
    match = server._PATH.match("/" + unquote(path).rstrip("/"))
    if not match or request.method not in ("GET", "POST"):
        return None
    group, version = match["group"] or "", match["core"] or match["version"]
    resource = resources.find(group, version, match["plural"])
    if resource is None or (match["ns"] and not resource.namespaced):
        return None
    sub, name = match["sub"], match["name"]
    if resource.plural == "pods" and sub in ("exec", "attach") and name:
        # The websocket upgrade never reaches here (routing.py takes it): this is SPDY.
        return status(400, "BadRequest", SPDY_REFUSED)
    if request.method != "GET":
        return None
    if resource.plural == "pods" and sub == "log" and name:
        return logs.response(cluster, match["ns"] or "", name, request.GET)
    if not sub and request.GET.get("watch") in ("1", "true"):
        return watch.response(cluster, resource, match["ns"], name, request)
    return None
