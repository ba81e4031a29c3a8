"""The overview's aggregate of one tenant's clusters in one region, kept in the shared cache.

Reading every cluster (and the super nodes of the busy ones) on each request made the
landing page cost half a second at 1,000 clusters. Instead the live watcher, which reads
the tenant's clusters anyway (console/live/watcher.py), refreshes this aggregate each
round while pages are open; a request that finds none fresh reads the clusters itself and
keeps what it read for the next one. The aggregate holds plain values only (no language,
no ClusterInfo), so any process and any user of the tenant can render it."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from django.conf import settings
from django.core.cache import cache

from console.cloud.client import CloudError, CloudUnavailable
from console.cloud.models import ClusterInfo, SuperNodeInfo
from console.live import events
from console.live.marks import fingerprint

log = logging.getLogger(__name__)

STATES = ("Running", "Creating", "Abnormal", "Deleting")
TRANSITIONAL = ("Creating", "Deleting")
DAY = 86400
EXPIRY_DAYS = 30
NEAR_LIMIT = 0.8
MAX_PAGE = 1000  # the largest Limit of DescribeSuperNode
NODE_CALLS = 10  # DescribeSuperNode calls in flight at once
# The watcher stores every CONSOLE_LIVE_WATCH_SECONDS plus the time its read takes.
MARGIN_SECONDS = 3.0
KEEP_SECONDS = 600  # an aggregate nobody refreshes is gone after this
# A cluster whose use has not moved keeps its nodes' answer this long (a limit changed
# by another client than this console is seen after at most this).
NODES_SECONDS = 60.0
TOTALS = ("AllocatedCPU", "MaxCPU", "AllocatedMemory", "MaxMemory", "AllocatedPods", "MaxPods")
CLUSTER_FIELDS = ("ClusterID", "Name", "Status", "State", "Reason", "ExpireTime", "ChargeType")
NODE_FIELDS = ("NodeName", "UsedCPU", "MaxCPU", "UsedMemory", "MaxMemory", "UsedPods", "MaxPods")

# (cluster ID, offset) -> one page of DescribeSuperNode, as the caller may call it.
NodePage = Callable[[str, int], Awaitable]


def cache_key(company_id: int | None, region: str) -> str:
    # The tenant and region are the whole scope: one group of pages, one aggregate.
    return f"overview:{events.group_name(company_id, region)}"


async def fresh(company_id: int | None, region: str) -> dict | None:
    """The kept aggregate if it is younger than a watcher round and no change made
    through the console came after its read; else None."""
    kept, changed = await _kept(company_id, region)
    if kept is None or kept["read_at"] <= changed:
        return None
    age = time.time() - kept["read_at"]
    return kept if age <= settings.CONSOLE_LIVE_WATCH_SECONDS + MARGIN_SECONDS else None


async def is_kept(company_id: int | None, region: str) -> bool:
    """Whether someone looks at the overview: only then does the watcher refresh it."""
    return (await _kept(company_id, region))[0] is not None


async def forget(company_id: int | None, region: str) -> None:
    await cache.adelete(cache_key(company_id, region))


async def refresh(
    company_id: int | None,
    region: str,
    clusters: list[ClusterInfo],
    read_at: float,
    node_page: NodePage,
) -> dict:
    """Build the aggregate from `clusters` (read from `read_at` on), reading the super
    nodes only of busy clusters that moved since the kept aggregate, and keep it."""
    previous, changed = await _kept(company_id, region)
    reusable = {}
    if previous is not None:
        reusable = {
            cid: entry
            for cid, entry in previous["nodes"].items()
            if entry["read_at"] > changed and read_at - entry["read_at"] < NODES_SECONDS
        }
    aggregate = _totals(clusters)
    aggregate["read_at"] = read_at
    aggregate["nodes"], aggregate["failures"] = await _nodes(clusters, reusable, node_page)
    try:
        await cache.aset(cache_key(company_id, region), aggregate, timeout=KEEP_SECONDS)
    except Exception:  # not kept: the next request reads again
        log.warning("overview aggregate not kept", exc_info=True)
    return aggregate


async def _kept(company_id: int | None, region: str) -> tuple[dict | None, float]:
    key, changed_key = cache_key(company_id, region), events.changed_key(company_id, region)
    try:
        found = await cache.aget_many([key, changed_key])
    except Exception:  # the shared cache down (Redis): read the clouds' answers instead
        log.warning("overview aggregate unreadable", exc_info=True)
        return None, 0.0
    return found.get(key), found.get(changed_key, 0.0)


def _brief(cluster: ClusterInfo) -> dict:
    return {name: getattr(cluster, name) for name in CLUSTER_FIELDS}


def _totals(clusters: list[ClusterInfo]) -> dict:
    counts = dict.fromkeys(STATES, 0)
    for cluster in clusters:
        counts[cluster.Status] = counts.get(cluster.Status, 0) + 1
    now = time.time()
    # ExpireTime 0 is an hourly cluster, which never expires. One already past its time is
    # listed too: it needs renewing even more.
    expiring = [
        _brief(c)
        for c in sorted(clusters, key=lambda c: c.ExpireTime)
        if 0 < c.ExpireTime <= now + EXPIRY_DAYS * DAY
    ]
    # A cluster being created turns its components ready one by one: that is not a fault.
    unready = [
        (_brief(c), c.ControllerPlaneStatus.unready())
        for c in clusters
        if c.ControllerPlaneStatus
        and c.Status not in TRANSITIONAL
        and c.ControllerPlaneStatus.unready()
    ]
    return {
        "total": len(clusters),
        "counts": counts,
        "totals": {name: sum(getattr(c, name) for c in clusters) for name in TOTALS},
        "expiring": expiring,
        "unready": unready,
        "transitional": any(c.Status in TRANSITIONAL for c in clusters),
    }


def _near_limits(node: SuperNodeInfo) -> list[str]:
    """The limits ("cpu", "memory", "pods") a node uses 80% or more of."""
    pairs = (
        ("cpu", node.UsedCPU, node.MaxCPU),
        ("memory", node.UsedMemory, node.MaxMemory),
        ("pods", node.UsedPods, node.MaxPods),
    )
    return [name for name, used, limit in pairs if limit and used / limit >= NEAR_LIMIT]


async def _all_nodes(cluster_id: str, node_page: NodePage, slots: asyncio.Semaphore) -> list:
    async with slots:
        first = await node_page(cluster_id, 0)
        nodes = list(first.Infos)
        # More than a thousand nodes in one cluster is rare: the rest page by page.
        for offset in range(MAX_PAGE, first.TotalCount, MAX_PAGE):
            nodes.extend((await node_page(cluster_id, offset)).Infos)
    return nodes


async def _nodes(clusters: list[ClusterInfo], reusable: dict, node_page: NodePage) -> tuple:
    """Cluster ID -> {mark, read_at, near: [(cluster, node, limits)]} for the busy settled
    clusters, and (cluster, error) for those whose nodes could not be read."""
    # Creating and Deleting clusters have no nodes worth checking yet (or any more).
    # A node's use is the sum of its pods, so a cluster with nothing allocated has no node
    # near a limit: skipping those keeps the overview to a few calls in a big region.
    settled = [
        c
        for c in clusters
        if c.Status in ("Running", "Abnormal")
        and (c.AllocatedPods or c.AllocatedCPU or c.AllocatedMemory)
    ]
    marks = {c.ClusterID: fingerprint(c) for c in settled}
    to_read = [
        c for c in settled if reusable.get(c.ClusterID, {}).get("mark") != marks[c.ClusterID]
    ]
    slots = asyncio.Semaphore(NODE_CALLS)
    started = time.time()
    answers = await asyncio.gather(
        *(_all_nodes(c.ClusterID, node_page, slots) for c in to_read), return_exceptions=True
    )
    read = dict(zip((c.ClusterID for c in to_read), answers, strict=True))
    nodes, failures = {}, []
    for cluster in settled:  # in the clusters' order, as the page lists them
        answer = read.get(cluster.ClusterID)
        if answer is None:
            nodes[cluster.ClusterID] = reusable[cluster.ClusterID]
        elif isinstance(answer, CloudError | CloudUnavailable):
            failures.append((_brief(cluster), _error(answer)))
        elif isinstance(answer, BaseException):
            raise answer
        else:
            near = [
                (_brief(cluster), {name: getattr(node, name) for name in NODE_FIELDS}, limits)
                for node in answer
                if (limits := _near_limits(node))
            ]
            nodes[cluster.ClusterID] = {
                "mark": marks[cluster.ClusterID],
                "read_at": started,
                "near": near,
            }
    return nodes, failures


def _error(exc: CloudError | CloudUnavailable) -> dict:
    """A failure as plain values: the page words it in the reader's language."""
    if isinstance(exc, CloudError):
        return {"ret_code": exc.ret_code, "message": exc.message, "action": exc.action}
    return {"message": exc.message, "action": exc.action}


def error_of(failure: dict) -> CloudError | CloudUnavailable:
    if "ret_code" in failure:
        return CloudError(failure["ret_code"], failure["message"], failure["action"])
    return CloudUnavailable(failure["message"], failure["action"])
