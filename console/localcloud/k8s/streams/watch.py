"""Watches (`watch=true` on a list, or on one object's URL): ADDED, MODIFIED and DELETED
events as JSON lines, as the API server streams them, with resourceVersion to resume,
410 Gone (an ERROR event) from before the kept history, timeoutSeconds, BOOKMARKs, the
initial events of sendInitialEvents, label and field selectors, and Table rows for
`kubectl get -w`.

How changes reach a watcher: it polls. Every write raises the cluster's revision
(store.next_revision), so each look first reads that one number and, only when it moved,
lists the watched objects and compares them with what the watcher last saw; deletions
come from tombstones (tombstones.py), which also let a watch resume from an earlier
resourceVersion. Polling the database needs no channel between processes (the console's
workers, `localcloud serve`, management commands all write the same tables) and misses
nothing a notification could drop; a look costs one indexed read while nothing changes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from asgiref.sync import sync_to_async
from django.db import transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from ...models import Cluster
from .. import controllers, tombstones
from ..resources import Resource
from ..selectors import SelectorError, field_matcher, label_matcher
from ..server import status_object
from ..store import store_for
from ..table import as_table
from .base import slot, status, too_many

LOOK_EVERY = 0.5  # seconds between looks at the cluster's revision
BOOKMARK_EVERY = 60.0  # seconds, as the API server sends them
DEFAULT_SECONDS = 1800  # a watch without timeoutSeconds (the API server's minimum timeout)
MAX_SECONDS = 3600

Key = tuple[str, str]  # (namespace, name)


@dataclass
class Watch:
    cluster_pk: int
    cluster_id: str
    resource: Resource
    namespace: str | None
    labels: object
    fields: object
    since: int | None  # None: from now, with the current objects as ADDED
    seconds: float
    bookmarks: bool
    initial_events: bool
    table: bool
    seen: dict[Key, dict] = field(default_factory=dict)  # what the client has been told
    revision: int = 0  # the cluster's revision at the last look


def response(
    cluster: Cluster,
    resource: Resource,
    namespace: str | None,
    name: str | None,
    request: HttpRequest,
) -> HttpResponse:
    query = request.GET
    selector = query.get("fieldSelector", "")
    if name:  # the old single-object form: GET .../pods/web?watch=true
        selector = ",".join(filter(None, [selector, f"metadata.name={name}"]))
    try:
        labels = label_matcher(query.get("labelSelector", ""))
        fields = field_matcher(selector)
    except SelectorError as exc:
        return status(400, "BadRequest", str(exc))
    since_text = query.get("resourceVersion", "")
    if since_text and not since_text.isdigit():
        return status(400, "BadRequest", f'resourceVersion: Invalid value: "{since_text}"')
    initial = query.get("sendInitialEvents") == "true"
    timeout = query.get("timeoutSeconds", "")
    seconds = min(int(timeout), MAX_SECONDS) if timeout.isdigit() else DEFAULT_SECONDS
    if (refused := too_many(cluster)) is not None:
        return refused
    watch = Watch(
        cluster_pk=cluster.pk,
        cluster_id=cluster.cluster_id,
        resource=resource,
        namespace=namespace,
        labels=labels,
        fields=fields,
        # "" and "0" start from the current state, sent as ADDED events.
        since=None if initial or since_text in ("", "0") else int(since_text),
        seconds=seconds,
        bookmarks=query.get("allowWatchBookmarks") == "true",
        initial_events=initial,
        table="as=Table" in request.headers.get("Accept", ""),
    )
    return StreamingHttpResponse(_stream(watch), content_type="application/json")


async def _stream(watch: Watch) -> AsyncIterator[bytes]:
    with slot(watch.cluster_id):
        yield b""  # the headers now, as the API server sends them, before anything happens
        loop = asyncio.get_running_loop()
        deadline = loop.time() + watch.seconds
        events = await sync_to_async(start)(watch)
        next_bookmark = loop.time() + BOOKMARK_EVERY
        while True:
            if events:
                yield b"".join(json.dumps(e).encode() + b"\n" for e in events)
            if events and events[-1]["type"] == "ERROR":
                return
            if loop.time() >= deadline:
                return
            await asyncio.sleep(min(LOOK_EVERY, max(deadline - loop.time(), 0)))
            events = await sync_to_async(look)(watch)
            if events is None:
                return  # the cluster is gone or stopped serving
            if watch.bookmarks and loop.time() >= next_bookmark:
                events.append(_bookmark(watch))
                next_bookmark = loop.time() + BOOKMARK_EVERY


def _matching(watch: Watch, cluster: Cluster) -> dict[Key, dict]:
    found = {}
    for obj in store_for(watch.resource).list(cluster, watch.namespace):
        if watch.labels(obj["metadata"].get("labels")) and watch.fields(obj):
            found[_key(obj)] = obj
    return found


def _key(obj: dict) -> Key:
    return obj["metadata"].get("namespace", ""), obj["metadata"]["name"]


def _revision(obj: dict) -> int:
    text = obj["metadata"].get("resourceVersion", "0")
    return int(text) if str(text).isdigit() else 0


def _unchanged(old: dict, new: dict) -> bool:
    """Whether the client already has `new`. Compared without resourceVersion: a node's
    is the cluster's revision, which moves with every write elsewhere."""

    def bare(obj: dict) -> dict:
        return {**obj, "metadata": {**obj["metadata"], "resourceVersion": ""}}

    return bare(old) == bare(new)


def start(watch: Watch) -> list[dict]:
    """The first events: every current object (from now), or what changed since the
    resourceVersion asked (resuming), or an ERROR 410 when that is before the history."""
    cluster = Cluster.objects.get(pk=watch.cluster_pk)
    watch.revision = cluster.kube_revision
    current = _matching(watch, cluster)
    watch.seen = dict(current)
    if watch.since is None:
        events = [_event(watch, "ADDED", obj) for obj in current.values()]
        if watch.initial_events:
            events.append(_bookmark(watch, initial_events_end=True))
        return events
    if watch.since < cluster.kube_compacted_revision:
        return [_gone(watch.since, cluster.kube_compacted_revision)]
    # Everything that changed after `since`, in resourceVersion order: deletions from the
    # tombstones, changes from the objects themselves.
    changes = [
        (_revision(obj), "DELETED", obj)
        for obj in tombstones.since(cluster, watch.resource.key, watch.since)
        if watch.labels(obj["metadata"].get("labels"))
        and watch.fields(obj)
        and (watch.namespace is None or obj["metadata"].get("namespace") == watch.namespace)
    ]
    # (A node's resourceVersion is the cluster's revision: every node would look changed.)
    changes += [
        (_revision(obj), "MODIFIED", obj)
        for obj in current.values()
        if _revision(obj) > watch.since and watch.resource.plural != "nodes"
    ]
    changes.sort(key=lambda change: change[0])
    return [_event(watch, kind, obj) for _, kind, obj in changes]


def look(watch: Watch) -> list[dict] | None:
    """What changed since the last look (nothing while the revision stands still); None
    when the watch must end."""
    cluster = Cluster.objects.filter(pk=watch.cluster_pk).first()
    if cluster is None or cluster.status not in ("Running", "Abnormal"):
        return None
    # Time moves on for jobs and daemonsets at each request; a watch waiting on them
    # (kubectl wait --for=condition=complete) is one.
    with transaction.atomic():
        controllers.advance(cluster)
    cluster.refresh_from_db(fields=["kube_revision"])
    if cluster.kube_revision == watch.revision:
        return []
    since, watch.revision = watch.revision, cluster.kube_revision
    current = _matching(watch, cluster)
    buried = {_key(obj): obj for obj in tombstones.since(cluster, watch.resource.key, since)}
    events = []
    for key, obj in watch.seen.items():
        if key not in current:
            # Gone, or no longer selected: the tombstone (its last state) if it was deleted.
            events.append(_event(watch, "DELETED", buried.get(key) or obj))
    for key, obj in current.items():
        old = watch.seen.get(key)
        if old is None:
            events.append(_event(watch, "ADDED", obj))
        elif old["metadata"].get("uid") != obj["metadata"].get("uid"):
            # Deleted and made again between two looks: both happened.
            events.append(_event(watch, "DELETED", buried.get(key) or old))
            events.append(_event(watch, "ADDED", obj))
        elif not _unchanged(old, obj):
            events.append(_event(watch, "MODIFIED", obj))
    watch.seen = current
    return events


def _event(watch: Watch, kind: str, obj: dict) -> dict:
    if watch.table:
        obj = as_table(watch.resource.kind, [obj], obj["metadata"].get("resourceVersion", ""))
    return {"type": kind, "object": obj}


def _bookmark(watch: Watch, initial_events_end: bool = False) -> dict:
    meta: dict = {"resourceVersion": str(watch.revision)}
    if initial_events_end:
        meta["annotations"] = {"k8s.io/initial-events-end": "true"}
    resource = watch.resource
    return {
        "type": "BOOKMARK",
        "object": {"kind": resource.kind, "apiVersion": resource.api_version, "metadata": meta},
    }


def _gone(since: int, oldest: int) -> dict:
    message = f"too old resource version: {since} ({oldest + 1})"
    return {"type": "ERROR", "object": status_object(410, "Expired", message)}
