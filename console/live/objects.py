"""Watching the Kubernetes objects of clusters whose workload pages are open, so that what
kubectl did (a restart, a rollback, a scaled StatefulSet) shows without a reload.

Part of the tenant's watch (watcher.py), under its lease: each process publishes the
clusters its pages watch in the shared cache, and the lease holder reads each one's
resourceVersion (one ForwardCluster list of one namespace, as the tenant) and announces
`{"kind": "objects", "cluster": ID}` when it moved. A page says which version it was
rendered from ("since"), so a change made before the first look is not missed."""

from __future__ import annotations

import json
import logging
import re
import time
from collections import Counter

from django.core.cache import cache
from django.utils.translation import gettext as _

from console.accounts import tenancy
from console.cloud.client import CloudError, CloudUnavailable
from console.cloud.shared import get_client

from .events import announce

log = logging.getLogger(__name__)

CLUSTER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
MOST_CLUSTERS = 20  # workload pages of distinct clusters watched per tenant and region
REVISION_PATH = "/api/v1/namespaces?limit=1"  # the list's resourceVersion: the cluster's


class Watched:
    """The clusters this process's pages watch for one tenant and region."""

    def __init__(self, scope: str):
        self.key, self.seen_key = f"live:objects:{scope}", f"live:objects-seen:{scope}"
        self.pages: Counter[str] = Counter()
        self.since: dict[str, int] = {}

    def add(self, cluster_id: str, since: int | None) -> bool:
        if not CLUSTER_ID.match(cluster_id):
            return False
        if cluster_id not in self.pages and len(self.pages) >= MOST_CLUSTERS:
            return False
        self.pages[cluster_id] += 1
        if since is not None:  # the oldest page decides what counts as new
            self.since[cluster_id] = min(since, self.since.get(cluster_id, since))
        return True

    def remove(self, cluster_id: str) -> None:
        self.pages[cluster_id] -= 1
        if self.pages[cluster_id] <= 0:
            del self.pages[cluster_id]
            self.since.pop(cluster_id, None)

    async def publish(self, seconds: float) -> None:
        """Tell the lease holder (maybe another process) what is watched here, for a while."""
        if not self.pages:
            return
        shared = _live(await cache.aget(self.key) or {})
        until = time.time() + seconds
        for cluster_id in self.pages:
            shared[cluster_id] = [until, self.since.get(cluster_id)]
        await cache.aset(self.key, dict(list(shared.items())[-MOST_CLUSTERS:]), timeout=seconds)

    async def poll(self, company_id: int | None, region: str) -> None:
        """As the lease holder: announce each watched cluster whose objects changed."""
        watched = _live(await cache.aget(self.key) or {})
        before = await cache.aget(self.seen_key) or {}
        after = {}
        for cluster_id, (_until, since) in watched.items():
            try:
                after[cluster_id] = await revision(company_id, region, cluster_id)
            except (CloudError, CloudUnavailable) as exc:  # gone, or not this tenant's
                log.info("live objects %s: %s", cluster_id, exc)
                continue
            was = before.get(cluster_id, since)
            if was is not None and was != after[cluster_id]:
                event = {"kind": "objects", "cluster": cluster_id, "source": "watch"}
                await announce(company_id, region, event)
        await cache.aset(self.seen_key, after, timeout=3600)


def _live(shared: dict) -> dict:
    moment = time.time()
    return {cid: entry for cid, entry in shared.items() if entry[0] > moment}


async def revision(company_id: int | None, region: str, cluster_id: str) -> int:
    """The resourceVersion of the cluster's objects: it moves on every write."""
    key = await tenancy.signing_key(company_id)
    company = {"CompanyID": company_id} if company_id else {}
    result = await get_client().call(
        "ForwardCluster",
        key=key,
        Region=region,
        ClusterID=cluster_id,
        Method="GET",
        Path=REVISION_PATH,
        **company,
    )
    if not 200 <= result.Info.ResponseCode < 300:
        raise CloudUnavailable(_("the cluster's API did not answer"), action="ForwardCluster")
    try:
        return int(json.loads(result.Info.ResponseBody)["metadata"]["resourceVersion"])
    except (ValueError, KeyError, TypeError):
        raise CloudUnavailable(_("malformed Kubernetes answer"), action="ForwardCluster") from None
