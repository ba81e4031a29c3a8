"""Deleted objects kept a few minutes (KubeTombstone), so that a watch resumed from an
older resourceVersion sees DELETED events; what is pruned raises the cluster's compacted
revision, below which a watch answers 410 Gone."""

from __future__ import annotations

import copy
import time

from django.db.models import Max

from ..models import Cluster, KubeTombstone

# Five minutes, as the API server's watch cache: kubectl resumes within seconds, and a
# client that comes back later relists (410 Gone) rather than missing a deletion.
KEEP_SECONDS = 300


def bury(cluster: Cluster, resource_key: str, objects: list[dict], revision: int) -> None:
    """Keep `objects` (just deleted, at `revision`) for watchers, and forget old ones."""
    now = time.time()
    rows = []
    for obj in objects:
        body = copy.deepcopy(obj)
        body["metadata"]["resourceVersion"] = str(revision)
        rows.append(
            KubeTombstone(
                cluster=cluster,
                resource=resource_key,
                namespace=body["metadata"].get("namespace", ""),
                name=body["metadata"]["name"],
                revision=revision,
                deleted_at=now,
                body=body,
            )
        )
    KubeTombstone.objects.bulk_create(rows)
    _prune(cluster, now - KEEP_SECONDS)


def _prune(cluster: Cluster, before: float) -> None:
    old = cluster.kube_tombstones.filter(deleted_at__lt=before)
    newest = old.aggregate(newest=Max("revision"))["newest"]
    if newest is None:
        return
    Cluster.objects.filter(pk=cluster.pk, kube_compacted_revision__lt=newest).update(
        kube_compacted_revision=newest
    )
    old.delete()


def since(cluster: Cluster, resource_key: str, revision: int) -> list[dict]:
    """Objects of one type deleted after `revision`, oldest deletion first."""
    rows = cluster.kube_tombstones.filter(resource=resource_key, revision__gt=revision)
    return [row.body for row in rows.order_by("revision", "pk")]
