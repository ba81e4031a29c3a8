"""Terminal pages: the tabbed terminal with its pickers, pod lists, and recorded sessions."""

from __future__ import annotations

from pathlib import Path

from asgiref.sync import sync_to_async
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from console.cloud.client import CloudError, CloudUnavailable
from console.web import cloudcall
from console.web.access import admin_required
from console.web.kubeapi import api_path, kube_get, pod_summaries

from .models import TerminalSession
from .recording import read_cast

PICKER_LIMIT = 1000


async def terminal_page(request: HttpRequest) -> HttpResponse:
    """Tabs of terminals; pickers fill from the cloud; query parameters open one at once."""
    context = {
        "open": {
            k: request.GET.get(k, "")
            for k in ("kind", "cluster", "namespace", "pod", "container", "command")
        }
    }
    try:
        result = await cloudcall.call(request, "DescribeCluster", Limit=PICKER_LIMIT)
    except (CloudError, CloudUnavailable) as exc:
        context["error"] = cloudcall.error_text(exc)
    else:
        clusters = [c for c in result.Infos if c.Status in ("Running", "Abnormal")]
        context["clusters"] = clusters
        # Unless one was asked for, start from a cluster that has a pod to open a shell in.
        with_pods = next((c for c in clusters if c.AllocatedPods), None)
        asked = context["open"]["cluster"]
        context["selected"] = asked or (with_pods.ClusterID if with_pods else "")
    return render(request, "terminal/index.html", context)


async def cluster_pods(request: HttpRequest, cluster_id: str) -> HttpResponse:
    """The pods of a cluster, for its page: each with a terminal link per container."""
    context = {"cluster_id": cluster_id}
    try:
        body = await kube_get(request, cluster_id, api_path("api", "v1", "pods"))
        context["pods"] = pod_summaries(body.get("items", []))
    except (CloudError, CloudUnavailable) as exc:
        context["error"] = cloudcall.error_text(exc)
    return render(request, "terminal/_pods.html", context)


@admin_required
async def session_list(request: HttpRequest) -> HttpResponse:
    user = await request.auser()

    def load():
        # An admin sees the sessions of their own tenant.
        rows = TerminalSession.objects.select_related("user").filter(company_id=user.company_id)
        return list(rows[:200])

    return render(request, "terminal/sessions.html", {"sessions": await sync_to_async(load)()})


async def _own_session(request: HttpRequest, pk: int) -> TerminalSession:
    user = await request.auser()
    record = (
        await TerminalSession.objects.select_related("user")
        .filter(pk=pk, company_id=user.company_id)
        .afirst()
    )
    if record is None or not record.recording or not Path(record.recording).exists():
        raise Http404("No such recording")
    return record


@admin_required
async def session_player(request: HttpRequest, pk: int) -> HttpResponse:
    record = await _own_session(request, pk)
    header, _ = await sync_to_async(read_cast)(Path(record.recording))
    return render(request, "terminal/player.html", {"record": record, "header": header})


@admin_required
async def session_cast(request: HttpRequest, pk: int) -> HttpResponse:
    record = await _own_session(request, pk)
    response = FileResponse(
        open(record.recording, "rb"),  # noqa: SIM115 - closed by Django
        content_type="application/x-asciicast",
    )
    response["Content-Disposition"] = f'attachment; filename="session-{record.pk}.cast"'
    return response
