"""The console's only way into a cluster's Kubernetes API: ForwardCluster, with the path,
method and body checked here first, because the console must never become a proxy to
anything else (another host, another path, a write by a viewer)."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _

from console.cloud.client import CloudUnavailable

from . import cloudcall, secret_values

MAX_BODY = 512 * 1024
READ_METHODS = {"GET"}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# /api/... or /apis/... made of safe characters, with an optional query string.
_API_PATH = re.compile(r"^/(api|apis|version)(/[A-Za-z0-9._:-]+)*/?(\?[A-Za-z0-9._~%=&,!()-]*)?$")


class KubeError(Exception):
    """A Kubernetes answer other than success: its code and the Status message."""

    def __init__(self, code: int, message: str, reason: str = ""):
        super().__init__(message)
        self.code, self.message, self.reason = code, message, reason


def api_path(*segments: str) -> str:
    """A path under the API server with each name escaped, so a name cannot add a segment."""
    return "/" + "/".join(quote(s, safe="") for s in segments)


def check_path(path: str) -> None:
    """Only paths of the Kubernetes API: no absolute URL, no `..`, no empty segment."""
    if not _API_PATH.match(path) or ".." in path or "//" in path:
        raise PermissionDenied(_("Only paths of the Kubernetes API can be forwarded."))


async def forward(
    request: HttpRequest,
    cluster_id: str,
    method: str,
    path: str,
    body: dict | None = None,
    content_type: str = "application/json",
    accept: str = "application/json",
) -> dict:
    """One checked request; the decoded JSON answer (Secrets hidden from viewers), or
    KubeError for a non-2xx answer."""
    method = method.upper()
    check_path(path)
    user = await request.auser()
    if method in WRITE_METHODS:
        if not user.has_role("operator"):
            raise PermissionDenied(_("Changing a cluster's objects needs the operator role."))
    elif method not in READ_METHODS:
        raise PermissionDenied(_("%(method)s is not forwarded.") % {"method": method})
    params = {"ClusterID": cluster_id, "Method": method, "Path": path, "Accept": accept}
    language = getattr(request, "LANGUAGE_CODE", "en") or "en"
    params["Language"] = "zh" if language.startswith("zh") else "en"
    if body is not None:
        text = json.dumps(body)
        if len(text.encode()) > MAX_BODY:
            limit = _("The object is larger than %(size)d KB.") % {"size": MAX_BODY // 1024}
            raise KubeError(413, limit)
        params.update(RequestBody=text, ContentType=content_type)
    result = await cloudcall.call(request, "ForwardCluster", **params)
    try:
        answer = json.loads(result.Info.ResponseBody or "{}")
    except ValueError:
        raise CloudUnavailable(_("malformed Kubernetes answer"), action="ForwardCluster") from None
    if not 200 <= result.Info.ResponseCode < 300:
        message = answer.get("message") if isinstance(answer, dict) else ""
        reason = answer.get("reason", "") if isinstance(answer, dict) else ""
        message = message or _("Kubernetes refused.")
        raise KubeError(result.Info.ResponseCode, message, reason)
    # Here rather than in each view, so no page, list or future view can show a viewer a
    # Secret's values. Operators see them: they edit Secrets, and have a shell anyway.
    if not user.has_role("operator"):
        answer = secret_values.for_viewer(path, answer)
    return answer


async def kube_get(request: HttpRequest, cluster_id: str, path: str) -> dict:
    """GET a path of the cluster's Kubernetes API; a non-200 answer is an error."""
    try:
        return await forward(request, cluster_id, "GET", path)
    except KubeError as exc:
        text = _("Kubernetes answered %(code)s: %(message)s") % {
            "code": exc.code,
            "message": exc.message,
        }
        raise CloudUnavailable(text, action="ForwardCluster") from None


def pod_summaries(items: list[dict]) -> list[dict]:
    """Namespace, name, phase and container names of each pod object."""
    return [
        {
            "namespace": pod["metadata"].get("namespace", ""),
            "name": pod["metadata"]["name"],
            "phase": (pod.get("status") or {}).get("phase", ""),
            "containers": [c["name"] for c in (pod.get("spec") or {}).get("containers", [])],
        }
        for pod in items
    ]
