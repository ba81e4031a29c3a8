"""Events as a cluster's control plane records them: a controller's (SuccessfulCreate, ...),
the scheduler's and the kubelet's for each pod started or stopped; and their end, after
LOCALCLOUD_EVENT_TTL_SECONDS (the API server's --event-ttl) or beyond a cluster's newest
MAX_EVENTS, pruned lazily as time moves on (controllers.advance)."""

from __future__ import annotations

import secrets
import time
import uuid

from django.conf import settings
from django.db.models import Q, Subquery

from ...models import Cluster, KubeObject
from ..resources import find
from ..store import next_revision, store_for, timestamp
from ..tombstones import bury

EVENTS = find("", "v1", "events")
MAX_EVENTS = 1000  # per cluster, the newest kept

# Who writes a controller's events, as `kubectl describe` shows them under "From".
_CONTROLLERS = {
    "Deployment": "deployment-controller",
    "ReplicaSet": "replicaset-controller",
    "StatefulSet": "statefulset-controller",
    "Job": "job-controller",
    "DaemonSet": "daemonset-controller",
}


def _event(
    obj: dict,
    reason: str,
    message: str,
    source: dict,
    *,
    kind: str = "Normal",
    field_path: str = "",
) -> dict:
    meta = obj["metadata"]
    namespace = meta.get("namespace") or "default"
    involved = {
        "kind": obj["kind"],
        "namespace": namespace,
        "name": meta["name"],
        "uid": meta["uid"],
        "apiVersion": obj.get("apiVersion", ""),
    }
    if field_path:
        involved["fieldPath"] = field_path
    stamp = timestamp(time.time())
    return {
        "kind": "Event",
        "apiVersion": "v1",
        "metadata": {
            "name": f"{meta['name']}.{secrets.token_hex(8)}",
            "namespace": namespace,
            "uid": str(uuid.uuid4()),
            "creationTimestamp": stamp,
        },
        "involvedObject": involved,
        "reason": reason,
        "message": message,
        "type": kind,
        "count": 1,
        "firstTimestamp": stamp,
        "lastTimestamp": stamp,
        "source": source,
        "reportingComponent": source["component"],
        "reportingInstance": source.get("host", ""),
    }


def _write(cluster: Cluster, events: list[dict]) -> None:
    """Stored together: one block of resourceVersions, one INSERT."""
    if not events:
        return
    last = next_revision(cluster, len(events))
    for offset, event in enumerate(events, start=last - len(events) + 1):
        event["metadata"]["resourceVersion"] = str(offset)
    store_for(EVENTS).add_all(cluster, events)


def record_event(cluster: Cluster, obj: dict, reason: str, message: str) -> None:
    """A controller's event about `obj`, the workload it acts for."""
    component = _CONTROLLERS.get(obj["kind"], "localcloud-controller")
    _write(cluster, [_event(obj, reason, message, {"component": component})])


def _container_path(container: dict) -> str:
    return f"spec.containers{{{container['name']}}}"


def pod_started(cluster: Cluster, pod: dict) -> None:
    """The scheduler placed `pod` on its super node, whose kubelet started each container
    (a pod with no node to go to has no scheduler or kubelet to speak of it)."""
    node = (pod.get("spec") or {}).get("nodeName") or ""
    if not node:
        return
    meta = pod["metadata"]
    where = f"{meta.get('namespace') or 'default'}/{meta['name']}"
    scheduler = {"component": "default-scheduler"}
    events = [_event(pod, "Scheduled", f"Successfully assigned {where} to {node}", scheduler)]
    kubelet = {"component": "kubelet", "host": node}
    for container in (pod.get("spec") or {}).get("containers") or []:
        name, path = container["name"], _container_path(container)
        image = container.get("image", "")
        pulled = f'Container image "{image}" already present on machine'
        events += [
            _event(pod, "Pulled", pulled, kubelet, field_path=path),
            _event(pod, "Created", f"Created container: {name}", kubelet, field_path=path),
            _event(pod, "Started", f"Started container {name}", kubelet, field_path=path),
        ]
    _write(cluster, events)


def pod_stopping(cluster: Cluster, pod: dict) -> None:
    """The kubelet stops each container of a pod being deleted."""
    node = (pod.get("spec") or {}).get("nodeName") or ""
    if not node or (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return  # nothing runs there any more
    kubelet = {"component": "kubelet", "host": node}
    _write(
        cluster,
        [
            _event(
                pod,
                "Killing",
                f"Stopping container {container['name']}",
                kubelet,
                field_path=_container_path(container),
            )
            for container in (pod.get("spec") or {}).get("containers") or []
        ],
    )


def prune(cluster: Cluster, moment: float | None = None) -> int:
    """Forget events older than the TTL and all but the newest MAX_EVENTS, in one DELETE;
    watchers see them DELETED, as when the API server's event TTL ends. How many went.
    Cheap when there is nothing to forget: two short reads, one row's JSON looked into."""
    moment = time.time() if moment is None else moment
    cutoff = timestamp(moment - float(settings.LOCALCLOUD_EVENT_TTL_SECONDS))
    rows = KubeObject.objects.filter(cluster=cluster, resource=EVENTS.key)
    # Rows are only ever added for new events, so pk order is the order they were made in.
    beyond_cap = rows.order_by("-pk").values("pk")[MAX_EVENTS : MAX_EVENTS + 1]
    # The first pk apart: sorting rows with their JSON would read every body.
    first = rows.order_by("pk").values("pk")[:1]
    oldest = (
        rows.filter(pk=Subquery(first))
        .values_list("body__lastTimestamp", "body__metadata__creationTimestamp")
        .first()
    )
    if oldest is None or ((oldest[0] or oldest[1] or "") >= cutoff and not beyond_cap.exists()):
        return 0
    doomed = rows.filter(
        Q(body__lastTimestamp__lt=cutoff)
        | Q(body__lastTimestamp__isnull=True, body__metadata__creationTimestamp__lt=cutoff)
        | Q(pk__lte=Subquery(beyond_cap))
    )
    bodies = list(doomed.values_list("body", flat=True))
    if not bodies:
        return 0
    bury(cluster, EVENTS.key, bodies, next_revision(cluster))
    doomed.delete()
    return len(bodies)
