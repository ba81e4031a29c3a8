"""Watching the cloud for cluster changes nobody announced: the lifecycle moving on
(Creating -> Running, Deleting -> gone), or a change made by kubectl, an SDK or another
console. The cloud offers no push, so one process polls DescribeCluster for each tenant
and region that has open pages, keeps the overview's aggregate up to date from what it
read (console/dashboard/summary.py), and announces what changed through the channel
layer; and, for clusters whose workload pages are open, the resourceVersion of their
objects (objects.py).

Every process with open pages runs a watch task, but only the holder of a lease in the
shared cache polls: with Redis, one DescribeCluster every interval for a tenant and
region whatever the number of processes and pages. When the holder stops, its lease
runs out and another process takes over, starting from the snapshot it left."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid

from django.conf import settings
from django.core.cache import cache

from console.accounts import tenancy
from console.cloud.client import CloudError, CloudUnavailable
from console.cloud.models import ClusterInfo
from console.cloud.shared import get_client
from console.dashboard import summary

from .events import announce
from .marks import fingerprint
from .objects import Watched

log = logging.getLogger(__name__)

PAGE = 100
MOST_CLUSTERS = 1000


def changes(before: dict[str, list], after: dict[str, list]) -> list[dict]:
    """Events that turn the pages' view of `before` into `after` (ID -> [mark, status])."""
    events = [
        {
            "kind": "cluster",
            "cluster": cid,
            "change": "added" if cid not in before else "changed",
            "status": status,
            "source": "watch",
        }
        for cid, (mark, status) in after.items()
        if cid not in before or before[cid][0] != mark
    ]
    events += [
        {"kind": "cluster", "cluster": cid, "change": "removed", "source": "watch"}
        for cid in before
        if cid not in after
    ]
    return events


async def read_clusters(company_id: int | None, region: str) -> list[ClusterInfo]:
    """The tenant's clusters in the region (at most MOST_CLUSTERS), page by page."""
    key = await tenancy.signing_key(company_id)
    company = {"CompanyID": company_id} if company_id else {}
    clusters: list[ClusterInfo] = []
    offset = 0
    while offset < MOST_CLUSTERS:
        page = await get_client().call(
            "DescribeCluster", key=key, Region=region, Limit=PAGE, Offset=offset, **company
        )
        clusters.extend(page.Infos)
        offset += PAGE
        if not page.Infos or offset >= page.TotalCount:
            break
    return clusters


def marks_of(clusters: list[ClusterInfo]) -> dict[str, list]:
    """ClusterID -> [fingerprint, Status]: what changes() compares."""
    return {c.ClusterID: [fingerprint(c), c.Status] for c in clusters}


async def snapshot(company_id: int | None, region: str) -> dict[str, list]:
    return marks_of(await read_clusters(company_id, region))


async def keep_overview(company_id: int | None, region: str, clusters, read_at: float) -> None:
    """Refresh the overview's aggregate from the clusters just read, when someone looks at
    the overview (it is kept): its next request then reads no cluster at all."""
    if not await summary.is_kept(company_id, region):
        return
    key = await tenancy.signing_key(company_id)
    company = {"CompanyID": company_id} if company_id else {}

    def node_page(cluster_id: str, offset: int):
        return get_client().call(
            "DescribeSuperNode",
            key=key,
            Region=region,
            ClusterID=cluster_id,
            Limit=summary.MAX_PAGE,
            Offset=offset,
            **company,
        )

    try:
        await summary.refresh(company_id, region, clusters, read_at, node_page)
    except Exception:  # the pages' events must go out whatever happened here
        log.exception("overview of %s/%s not kept", company_id, region)
        await summary.forget(company_id, region)  # the next request reads for itself


async def hold_lease(key: str, token: str, seconds: float) -> bool:
    """Take or keep the lease `key` in the shared cache for `seconds`: True while this
    holder (`token`) has it. The one way a single process is chosen to poll (the cluster
    watch here, the log tail in console/logs/tail.py)."""
    if await cache.aadd(key, token, timeout=seconds):
        return True
    if await cache.aget(key) == token:
        await cache.aset(key, token, timeout=seconds)
        return True
    return False


async def free_lease(key: str, token: str) -> None:
    if await cache.aget(key) == token:
        await cache.adelete(key)


class Watch:
    """The watch task of one tenant and region in this process."""

    def __init__(self, company_id: int | None, region: str):
        self.company_id, self.region = company_id, region
        self.token = uuid.uuid4().hex
        self.pages = 0
        self.task: asyncio.Task | None = None
        scope = f"{int(company_id or 0)}:{region}"
        self.lease_key, self.snapshot_key = f"live:lease:{scope}", f"live:snapshot:{scope}"
        self.objects = Watched(scope)

    async def holds_lease(self, seconds: float) -> bool:
        return await hold_lease(self.lease_key, self.token, seconds)

    async def run(self) -> None:
        interval = settings.CONSOLE_LIVE_WATCH_SECONDS
        while True:
            try:
                await self.objects.publish(seconds=interval * 3)
                await self.poll_once(lease_seconds=interval * 3)
            except (CloudError, CloudUnavailable) as exc:
                log.info("live watch %s/%s: %s", self.company_id, self.region, exc)
            except asyncio.CancelledError:
                raise
            except Exception:  # a watcher must outlive any one bad poll
                log.exception("live watch %s/%s failed once", self.company_id, self.region)
            await asyncio.sleep(interval)

    async def poll_once(self, lease_seconds: float) -> None:
        if not await self.holds_lease(lease_seconds):
            return
        before = await cache.aget(self.snapshot_key)
        read_at = time.time()
        clusters = await read_clusters(self.company_id, self.region)
        after = marks_of(clusters)
        await cache.aset(self.snapshot_key, after, timeout=3600)
        # Kept before the pages hear of a change, so the overview they re-read has it.
        await keep_overview(self.company_id, self.region, clusters, read_at)
        # The first look has nothing to compare: pages were rendered from the same state.
        for event in changes(before, after) if before is not None else []:
            await announce(self.company_id, self.region, event)
        await self.objects.poll(self.company_id, self.region)

    async def release(self) -> None:
        await free_lease(self.lease_key, self.token)


_watches: dict[tuple[int | None, str], Watch] = {}


def page_opened(company_id: int | None, region: str) -> None:
    """A page of this tenant and region subscribed here: make sure it is watched."""
    watch = _watches.setdefault((company_id, region), Watch(company_id, region))
    watch.pages += 1
    loop = asyncio.get_running_loop()
    # A task of another (closed) loop never runs again: tests start a loop per test.
    if watch.task is None or watch.task.done() or watch.task.get_loop() is not loop:
        watch.task = loop.create_task(watch.run())


def objects_opened(company_id: int | None, region: str, cluster_id: str, since) -> bool:
    """A workload page of `cluster_id` (rendered at resourceVersion `since`) on a socket
    of this tenant and region: its objects are watched too. False when refused."""
    watch = _watches.get((company_id, region))
    since = int(since) if str(since).isdigit() else None
    return watch is not None and watch.objects.add(cluster_id, since)


def objects_closed(company_id: int | None, region: str, cluster_id: str) -> None:
    watch = _watches.get((company_id, region))
    if watch is not None:
        watch.objects.remove(cluster_id)


async def page_closed(company_id: int | None, region: str) -> None:
    """The last page closing stops the task and frees the lease for other processes."""
    watch = _watches.get((company_id, region))
    if watch is None:
        return
    watch.pages -= 1
    if watch.pages > 0:
        return
    del _watches[(company_id, region)]
    if watch.task is not None:
        watch.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watch.task
    await watch.release()
