"""Time in localcloud: clusters finish creating and deleting when their moment has come.

State is advanced lazily at the start of each call, from times stored in the database, so
it is exact across restarts and needs no background worker.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import transaction

from console.cloud.models import CONTROL_PLANE_COMPONENTS

from .models import Cluster, SuperNode


def now() -> float:
    return time.time()


def plan_control_plane(start: float, ha: bool, seconds: float | None = None) -> dict:
    """Each component becomes ready at its own moment, one after another, the last after
    `seconds` (LOCALCLOUD_CREATE_SECONDS unless given)."""
    seconds = settings.LOCALCLOUD_CREATE_SECONDS if seconds is None else seconds
    step = seconds / len(CONTROL_PLANE_COMPONENTS)
    return {
        name: {"ready_at": start + step * (i + 1), "replicas": 3 if ha and name == "ETCD" else 1}
        for i, name in enumerate(CONTROL_PLANE_COMPONENTS)
    }


def advance() -> None:
    moment = now()
    with transaction.atomic():
        created = list(
            Cluster.objects.filter(status="Creating", ready_time__lte=moment).values_list(
                "pk", flat=True
            )
        )
        if created:
            Cluster.objects.filter(pk__in=created).update(status="Running", update_time=int(moment))
            SuperNode.objects.filter(cluster_id__in=created, status="Creating").update(
                status="Ready"
            )
        Cluster.objects.filter(status="Deleting", gone_time__lte=moment).delete()


def start_deleting(cluster: Cluster) -> None:
    moment = now()
    cluster.status = "Deleting"
    cluster.gone_time = moment + settings.LOCALCLOUD_DELETE_SECONDS
    cluster.update_time = int(moment)
    cluster.save(update_fields=["status", "gone_time", "update_time"])
    cluster.super_nodes.update(status="Deleting")
