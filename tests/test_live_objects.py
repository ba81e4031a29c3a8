"""The live socket watching a cluster's Kubernetes objects for an open workload page: a
change made through the cluster's API (as kubectl makes it) is announced by cluster ID,
from the version the page was rendered at; another tenant's cluster is never polled."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from django.core.cache import cache

from console.live import watcher
from console.localcloud.k8s.server import Request, handle
from console.localcloud.models import Cluster
from tests.terminal.conftest import session_cookie
from tests.test_live import opened, retried, until

pytestmark = pytest.mark.django_db(transaction=True)
RESTART = {"spec": {"template": {"metadata": {"annotations": {"restartedAt": "now"}}}}}


@pytest.fixture(autouse=True)
def _fast_watch(settings):
    settings.CONSOLE_LIVE_WATCH_SECONDS = 0.2
    cache.clear()
    yield
    watcher._watches.clear()  # as in test_live.py: a failed test's watch ends with it


@sync_to_async
def restart_web(cluster: Cluster) -> None:
    answer = handle(
        cluster,
        Request(
            "PATCH",
            "/apis/apps/v1/namespaces/default/deployments/web",
            content_type="application/strategic-merge-patch+json",
            body=json.dumps(RESTART).encode(),
        ),
    )
    assert answer.code == 200, answer.body


async def test_a_workload_page_hears_a_restart_made_through_the_api(cloud, viewer):
    cluster = await Cluster.objects.aget(name="prod-web")
    socket = await opened(await asyncio.to_thread(session_cookie, viewer))
    shown = (await Cluster.objects.aget(pk=cluster.pk)).kube_revision
    await socket.send_json_to({"watch": "objects", "cluster": cluster.cluster_id, "since": shown})
    # Made before the watch's first look: the page's version says it is news.
    await retried(lambda: restart_web(cluster))
    seen = await until(socket, lambda e: e.get("kind") == "objects")
    assert seen[-1] == {"kind": "objects", "cluster": cluster.cluster_id, "source": "watch"}
    await retried(lambda: restart_web(cluster))
    await until(socket, lambda e: e.get("kind") == "objects")
    await socket.disconnect()
    assert not watcher._watches


async def test_another_tenants_cluster_is_never_announced(cloud, outsider):
    cluster = await Cluster.objects.aget(name="prod-web")
    socket = await opened(await asyncio.to_thread(session_cookie, outsider))
    await socket.send_json_to({"watch": "objects", "cluster": cluster.cluster_id, "since": 1})
    await retried(lambda: restart_web(cluster))
    assert await socket.receive_nothing(timeout=1.0)
    await socket.send_json_to({"watch": "objects", "cluster": "../../etc", "since": 1})
    await socket.send_json_to(["not", "an", "object"])
    assert await socket.receive_nothing(timeout=0.5)
    await socket.disconnect()
