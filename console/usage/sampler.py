"""Sampling the usage of clusters someone is looking at, through ForwardCluster: every
CONSOLE_USAGE_SECONDS, the metrics API's pods and nodes and DescribeCluster's allocated
and maximum, into history.py.

A page that shows a chart marks its cluster watched for CONSOLE_USAGE_WATCH_SECONDS and
makes sure this process runs a sampler task for it; only the holder of the cluster's lease
in the shared cache samples (console.live.watcher.hold_lease, the one mechanism of the
cluster watch and the log tail), so several processes and pages cost one sample per
interval. The task ends when nobody has looked for a while."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from console.accounts import tenancy
from console.cloud.client import CloudError, CloudUnavailable
from console.cloud.shared import get_client
from console.live.watcher import free_lease, hold_lease

from . import history
from .history import Sample, Scope

log = logging.getLogger(__name__)

METRICS = "/apis/metrics.k8s.io/v1beta1"
PROCESS_TOKEN = uuid.uuid4().hex  # this process's name as a lease holder


class NoMetrics(Exception):
    """The cluster's API has no metrics.k8s.io (404), or answered something else."""

    def __init__(self, state: str, message: str):
        super().__init__(message)
        self.state, self.message = state, message


def _interval() -> float:
    return settings.CONSOLE_USAGE_SECONDS


def _viewed_key(scope: Scope) -> str:
    return f"usage:viewed:{scope.key}"


def _lease_key(scope: Scope) -> str:
    return f"usage:lease:{scope.key}"


def nanocores(quantity: str) -> int:
    """A CPU quantity ("123456n", "250u", "12m", "2") in nanocores."""
    text = str(quantity).strip()
    for suffix, scale in (("n", 1), ("u", 1_000), ("m", 1_000_000)):
        if text.endswith(suffix):
            return round(float(text[: -len(suffix)]) * scale)
    return round(float(text) * 1e9)


def kib(quantity: str) -> int:
    """A memory quantity ("1234Ki", "12Mi", "1Gi", "1000k", bytes) in KiB."""
    text = str(quantity).strip()
    for suffix, scale in (("Ki", 1), ("Mi", 1024), ("Gi", 1024**2), ("Ti", 1024**3),
                          ("k", 1000 / 1024), ("M", 1e6 / 1024), ("G", 1e9 / 1024)):  # fmt: skip
        if text.endswith(suffix):
            return round(float(text[: -len(suffix)]) * scale)
    return round(float(text) / 1024)


def _epoch(stamp: str) -> int:
    try:
        return int(datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())
    except (TypeError, ValueError):
        return int(time.time())


async def _forward_get(scope: Scope, path: str) -> dict:
    key = await tenancy.signing_key(scope.company_id)
    company = {"CompanyID": scope.company_id} if scope.company_id else {}
    result = await get_client().call(
        "ForwardCluster", key=key, Region=scope.region, ClusterID=scope.cluster_id,
        Method="GET", Path=path, Accept="application/json", **company,
    )  # fmt: skip
    code = result.Info.ResponseCode
    try:
        body = json.loads(result.Info.ResponseBody or "{}")
    except ValueError:
        raise NoMetrics("error", f"{path}: not JSON") from None
    if code == 404:
        raise NoMetrics("missing", str(body.get("message", "")) if isinstance(body, dict) else "")
    if not 200 <= code < 300 or not isinstance(body, dict):
        message = body.get("message", "") if isinstance(body, dict) else ""
        raise NoMetrics("error", f"{code} {message}".strip())
    return body


def _name(value) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 253 and "/" not in value


async def take_sample(scope: Scope) -> Sample:
    """One look: pods and nodes from the metrics API, allocated and maximum from the cloud."""
    key = await tenancy.signing_key(scope.company_id)
    company = {"CompanyID": scope.company_id} if scope.company_id else {}
    # One after the other: the pods first, so a cloud without metrics costs one call.
    pods = await _forward_get(scope, f"{METRICS}/pods")
    nodes = await _forward_get(scope, f"{METRICS}/nodes")
    described = await get_client().call(
        "DescribeCluster", key=key, Region=scope.region, ClusterIDs=[scope.cluster_id], **company
    )
    items = pods.get("items") or []
    stamps = [i.get("timestamp") for i in items + (nodes.get("items") or []) if i.get("timestamp")]
    sample = Sample(at=max((_epoch(s) for s in stamps), default=int(time.time())))
    for item in items:
        meta = item.get("metadata") or {}
        if not all(_name(meta.get(key)) for key in ("namespace", "name")):
            continue  # no pod of Kubernetes is named so: nothing a page could link to
        name = f"{meta['namespace']}/{meta['name']}"
        sample.pods[name] = {
            c.get("name", ""): (nanocores(c["usage"]["cpu"]), kib(c["usage"]["memory"]))
            for c in item.get("containers") or []
        }
        for cpu, memory in sample.pods[name].values():
            sample.cpu += cpu
            sample.memory += memory
    for item in nodes.get("items") or []:
        usage = item.get("usage") or {}
        sample.nodes[(item.get("metadata") or {}).get("name", "")] = (
            nanocores(usage.get("cpu", "0")),
            kib(usage.get("memory", "0")),
        )
    if described.Infos:
        info = described.Infos[0]
        sample.allocated_cpu, sample.allocated_memory = info.AllocatedCPU, info.AllocatedMemory
        sample.max_cpu, sample.max_memory = info.MaxCPU, info.MaxMemory
    return sample


async def sample_if_due(scope: Scope, token: str = PROCESS_TOKEN) -> bool:
    """Sample once if this holder has the lease and the last sample is an interval old:
    True when it sampled."""
    if not await hold_lease(_lease_key(scope), token, _interval() * 3):
        return False
    kept = await history.cluster(scope)
    if kept and kept["at"] and time.time() - kept["at"][-1] < _interval():
        return False
    try:
        sample = await take_sample(scope)
    except NoMetrics as exc:
        await history.record_failure(scope, exc.state, exc.message)
        return True
    except (CloudError, CloudUnavailable) as exc:
        await history.record_failure(scope, "error", exc.message)
        return True
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
        # The cluster serves metrics.k8s.io itself: its answer is the tenant's to shape.
        await history.record_failure(scope, "error", _("the metrics API's answer is malformed"))
        return True
    await history.record(scope, sample)
    return True


async def _run(scope: Scope) -> None:
    try:
        while await cache.aget(_viewed_key(scope)) is not None:
            try:
                await sample_if_due(scope)
            except asyncio.CancelledError:
                raise
            except Exception:  # a sampler must outlive any one bad look
                log.exception("usage sampler %s failed once", scope.key)
            await asyncio.sleep(_interval())
    finally:
        await free_lease(_lease_key(scope), PROCESS_TOKEN)


_tasks: dict[Scope, asyncio.Task] = {}
MOST_TASKS = 200  # clusters one process samples at once; more wait for a page's own look


async def viewed(scope: Scope) -> None:
    """A page shows this cluster's usage: keep it watched a while, and sample it from this
    process too (the lease decides which process actually does)."""
    await cache.aset(_viewed_key(scope), time.time(), timeout=settings.CONSOLE_USAGE_WATCH_SECONDS)
    loop = asyncio.get_running_loop()
    task = _tasks.get(scope)
    # A task of another (closed) loop never runs again: tests start a loop per test.
    if task is None or task.done() or task.get_loop() is not loop:
        for old in [s for s, t in _tasks.items() if t.done() or t.get_loop().is_closed()]:
            del _tasks[old]
        if len(_tasks) < MOST_TASKS:
            _tasks[scope] = loop.create_task(_run(scope))
