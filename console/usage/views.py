"""Usage charts as fragments that pages load with htmx after they render: a cluster's
CPU and memory, the region's overview, super nodes with their busiest pods, pods with a
sparkline each, and one pod's containers. Reading one marks the cluster watched."""

from __future__ import annotations

import asyncio

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from console.accounts import tenancy
from console.cloud.client import CloudError, CloudUnavailable
from console.clusters.lookup import all_clusters
from console.web import cloudcall

from . import charts, history, sampler
from .history import Scope

OVERVIEW_CLUSTERS = 10  # the overview samples at most this many clusters, busiest first
BUSIEST = 5
PODS_SHOWN = 50


async def _scope(request: HttpRequest, cluster_id: str) -> Scope:
    user = await request.auser()
    company = await tenancy.acting_company(request, user)
    return Scope(company, await cloudcall.region_of(request), cluster_id)


async def _watched(scope: Scope) -> dict | None:
    """The cluster's record after sampling it if due here; a cluster that answered is
    kept watched (one the tenant cannot reach is not sampled again in the background)."""
    await sampler.sample_if_due(scope)
    kept = await history.cluster(scope)
    if kept is None or kept["state"] != "error":
        await sampler.viewed(scope)
    return kept


def _fragment(request: HttpRequest, template: str, context: dict, heading: str) -> HttpResponse:
    """The fragment for htmx; a page around it when the address is opened directly."""
    if request.htmx:
        return render(request, template, context)
    return render(request, "usage/page.html", {**context, "fragment": template, "heading": heading})


def _note(kept: dict | None) -> dict:
    """What to say instead of (or above) a chart: no metrics API, a failed look, or no
    sample yet."""
    if kept is None or (not kept["at"] and not kept["state"]):
        return {"note": "collecting"}
    if kept["state"] in ("missing", "error"):
        return {"note": kept["state"], "message": kept["message"]}
    return {}


@require_GET
@vary_on_headers("HX-Request")
async def cluster_usage(request: HttpRequest, cluster_id: str) -> HttpResponse:
    scope = await _scope(request, cluster_id)
    kept = await _watched(scope)
    context = {"cluster_id": cluster_id, **_note(kept)}
    if kept and kept["at"]:
        context.update(charts=charts.cluster_charts(kept), sampled=kept["at"][-1],
                       cpu_nanocores=kept["cpu"][-1], memory_kib=kept["memory"][-1])  # fmt: skip
    return _fragment(request, "usage/_cluster.html", context, _("Usage, last hour"))


def _summed(records: list[dict]) -> dict:
    """One record of several clusters: each series added up per sample time."""
    total = history.empty_cluster()
    times = sorted({t for kept in records for t in kept["at"]})[-history.POINTS :]
    index = {t: i for i, t in enumerate(times)}
    total["at"] = times
    for name in history.CLUSTER_SERIES[1:]:
        total[name] = [0] * len(times)
        for kept in records:
            for t, value in zip(kept["at"], kept[name], strict=False):
                if t in index:
                    total[name][index[t]] += value
    total["state"] = "ok" if times else ""
    return total


@require_GET
@vary_on_headers("HX-Request")
async def overview_usage(request: HttpRequest) -> HttpResponse:
    try:
        clusters, _total = await all_clusters(request)
    except (CloudError, CloudUnavailable) as exc:
        context = {"note": "error", "message": cloudcall.error_text(exc)}
        return _fragment(request, "usage/_overview.html", context, _("Usage, last hour"))
    running = [c for c in clusters if c.Status in ("Running", "Abnormal")]
    running.sort(key=lambda c: (c.AllocatedCPU, c.AllocatedMemory), reverse=True)
    shown = running[:OVERVIEW_CLUSTERS]
    scopes = [await _scope(request, c.ClusterID) for c in shown]
    records = await asyncio.gather(*(_watched(s) for s in scopes))
    sampled = [kept for kept in records if kept and kept["at"]]
    context = {"shown": len(shown), "running": len(running)}
    if sampled:
        context["charts"] = charts.cluster_charts(_summed(sampled))
    elif any(kept and kept["state"] == "missing" for kept in records):
        context.update(note="missing")
    else:
        context.update(note="collecting" if shown else "none")
    return _fragment(request, "usage/_overview.html", context, _("Usage, last hour"))


@require_GET
@vary_on_headers("HX-Request")
async def nodes_usage(request: HttpRequest, cluster_id: str) -> HttpResponse:
    """Used CPU and memory of each super node now and over the hour, busiest pods beside."""
    scope = await _scope(request, cluster_id)
    kept = await _watched(scope)
    context = {"cluster_id": cluster_id, **_note(kept)}
    if kept and kept["at"]:
        rows = []
        for name, node in sorted(kept["nodes"].items()):
            cpu = [charts.cores(v) for v in node["cpu"]]
            memory = [charts.gib(v) for v in node["memory"]]
            rows.append({"name": name, "cpu": charts.sparkline(node["at"], cpu, "cores"),
                         "memory": charts.sparkline(node["at"], memory, "GiB"),
                         "cpu_now": node["cpu"][-1]})  # fmt: skip
        busiest = sorted(kept["pods_now"].items(), key=lambda p: p[1][0], reverse=True)
        context.update(
            nodes=rows,
            sampled=kept["at"][-1],
            busiest=[(pod, charts.number(charts.cores(v[0])), charts.number(charts.gib(v[1])))
                     for pod, v in busiest[:BUSIEST]],
        )  # fmt: skip
    return _fragment(request, "usage/_nodes.html", context, _("Used per super node, last hour"))


@require_GET
@vary_on_headers("HX-Request")
async def pods_usage(request: HttpRequest, cluster_id: str) -> HttpResponse:
    """The pods by their usage now (sort=cpu or memory), each with its hour as a sparkline."""
    scope = await _scope(request, cluster_id)
    kept = await _watched(scope)
    sort = request.GET.get("sort") if request.GET.get("sort") in ("cpu", "memory") else "cpu"
    context = {"cluster_id": cluster_id, "sort": sort, **_note(kept)}
    if kept and kept["at"]:
        column = 0 if sort == "cpu" else 1
        ordered = sorted(kept["pods_now"].items(), key=lambda p: (-p[1][column], p[0]))
        names = [pod for pod, _now in ordered[:PODS_SHOWN]]
        found = await history.pods(scope, names)
        rows = []
        for name in names:
            pod = found.get(name)
            if pod is None:
                continue
            cpu, memory = _pod_totals(pod)
            namespace, short = name.split("/", 1)
            rows.append({"namespace": namespace, "name": short,
                         "cpu": charts.sparkline(pod["at"], cpu, "cores"),
                         "memory": charts.sparkline(pod["at"], memory, "GiB"),
                         "cpu_now": kept["pods_now"][name][0]})  # fmt: skip
        context.update(pods=rows, more=max(0, len(ordered) - PODS_SHOWN), sampled=kept["at"][-1])
    return _fragment(request, "usage/_pods.html", context, _("Pods by usage"))


def _pod_totals(pod: dict) -> tuple[list, list]:
    """A pod's CPU (cores) and memory (GiB) at each sample: its containers added up."""
    cpu, memory = [], []
    for i in range(len(pod["at"])):
        parts = [s for s in pod["containers"].values() if i < len(s["cpu"])]
        c = [s["cpu"][i] for s in parts if s["cpu"][i] is not None]
        m = [s["memory"][i] for s in parts if s["memory"][i] is not None]
        cpu.append(charts.cores(sum(c)) if c else None)
        memory.append(charts.gib(sum(m)) if m else None)
    return cpu, memory


@require_GET
@vary_on_headers("HX-Request")
async def pod_usage(request: HttpRequest, cluster_id: str, namespace: str, name: str):
    """One pod's page of charts: CPU and memory of each container over the hour."""
    if len(namespace) > 63 or len(name) > 253:
        raise Http404("no such pod")
    scope = await _scope(request, cluster_id)
    kept = await _watched(scope)
    pod = (await history.pods(scope, [f"{namespace}/{name}"])).get(f"{namespace}/{name}")
    context = {"cluster_id": cluster_id, "namespace": namespace, "name": name, **_note(kept)}
    if pod:
        context["containers"] = [
            (container, charts.container_charts(pod["at"], series))
            for container, series in sorted(pod["containers"].items())
        ]
    elif not context.get("note"):
        context["note"] = "no-pod"
    return render(request, "usage/_pod.html" if request.htmx else "usage/pod.html", context)
