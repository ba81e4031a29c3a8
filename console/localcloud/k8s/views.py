"""Each cluster's Kubernetes API over plain HTTP at /k8s/<cluster_id>/..., the address in
the kubeconfig DescribeCluster hands out, so that the real kubectl works with it."""

from __future__ import annotations

import hmac

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from ..models import Cluster
from . import server, streams


def _json(response: server.Response) -> HttpResponse:
    answer = HttpResponse(response.json, status=response.code, content_type="application/json")
    if response.warnings:  # one header, values comma-separated, as client-go reads them
        answer["Warning"] = ", ".join(
            '299 - "{}"'.format(text.replace("\\", "\\\\").replace('"', '\\"'))
            for text in response.warnings
        )
    return answer


def authorized(cluster_id: str, authorization: str) -> Cluster | None:
    """The cluster whose token the request's `Authorization: Bearer` carries, or None."""
    cluster = Cluster.objects.filter(cluster_id=cluster_id).first()
    token = authorization.removeprefix("Bearer ").strip()
    if cluster is None or not token or not hmac.compare_digest(token, cluster.kube_token):
        return None
    return cluster


def _answer(request: HttpRequest, cluster_id: str, path: str) -> HttpResponse:
    cluster = authorized(cluster_id, request.headers.get("Authorization", ""))
    if cluster is None:
        # The same answer for an unknown cluster and a wrong token: nothing to probe.
        return _json(
            server.Response(401, server.status_object(401, "Unauthorized", "Unauthorized"))
        )
    if cluster.status not in ("Running", "Abnormal"):
        message = f"the cluster is {cluster.status}"
        return _json(server.Response(503, server.status_object(503, "ServiceUnavailable", message)))
    if len(request.body) > server.MAX_BODY:
        return _json(
            server.Response(
                413,
                server.status_object(413, "RequestEntityTooLarge", "the request body is too large"),
            )
        )
    # Logs, watches and exec over SPDY answer from streams/; the rest is request/response.
    if (streamed := streams.answer(cluster, request, path)) is not None:
        return streamed
    _, query = server.parse_path(request.get_full_path())
    answer = server.handle(
        cluster,
        server.Request(
            method=request.method,
            path="/" + path,
            query=query,
            accept=request.headers.get("Accept", "application/json"),
            content_type=request.headers.get("Content-Type", "application/json"),
            body=request.body,
        ),
    )
    return _json(answer)


@csrf_exempt
@login_not_required
async def kubernetes_api(request: HttpRequest, cluster_id: str, path: str = "") -> HttpResponse:
    return await sync_to_async(_answer)(request, cluster_id, path)
