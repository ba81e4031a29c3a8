"""Two console processes on two ports, one PostgreSQL and one Redis: a user logged in on
one is logged in on the other, and a change made through one is pushed to a live page
socket of the other (through the Redis channel layer), as is the cluster's own progress
that the other process's watcher sees."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from tests import servers
from tests.conftest import CREATE_CLUSTER_FORM

from .clients import csrf_token, events_until, live_socket, log_in, running_cluster
from .services import postgres_database, redis_prefix

pytestmark = pytest.mark.scaleout


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """Console A and console B sharing one database, Redis and work folder."""
    workdir = tmp_path_factory.mktemp("scaleout")
    with postgres_database() as database_url, redis_prefix() as (redis_url, prefix):
        shared = {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CONSOLE_REDIS_PREFIX": prefix,
            "LOCALCLOUD_WORK_DIR": str(workdir / "work"),
            "CONSOLE_LIVE_WATCH_SECONDS": "0.5",
        }
        a = servers.start(workdir / "a", "console", **shared)
        try:
            b = servers.start(workdir / "b", "console", seed=False, **shared)
        except BaseException:
            a.stop()
            raise
        try:
            yield a, b
        finally:
            a.stop()
            b.stop()


def test_a_login_on_one_process_is_valid_on_the_other(pair):
    a, b = pair
    client = log_in(a.url)
    client.base_url = b.url
    page = client.get("/clusters/")
    assert page.status_code == 200
    assert "prod-web" in page.text


def test_a_change_through_one_process_is_pushed_to_a_page_of_the_other(pair):
    a, b = pair
    through_a = log_in(a.url)
    cluster_id = running_cluster(through_a)
    token = csrf_token(through_a, f"/clusters/{cluster_id}/")

    async def scenario():
        async with live_socket(b.url, through_a) as socket:
            hello = json.loads(await socket.recv())
            assert hello["kind"] == "hello"
            answer = await asyncio.to_thread(
                through_a.post,
                f"/clusters/{cluster_id}/subnets/",
                data={"subnet_ids": "subnet-pushed1", "csrfmiddlewaretoken": token},
            )
            assert answer.status_code in (200, 302), answer.text[:500]
            return await events_until(
                socket, lambda e: e.get("cluster") == cluster_id and e.get("source") == "action"
            )

    seen = asyncio.run(scenario())
    assert seen[-1] == {
        "kind": "cluster",
        "cluster": cluster_id,
        "change": "changed",
        "source": "action",
    }
    # And the page that hears it shows the change when it re-reads its part.
    detail = httpx.get(f"{b.url}/clusters/{cluster_id}/", cookies=through_a.cookies)
    assert "subnet-pushed1" in detail.text


def test_the_lifecycle_seen_by_one_process_reaches_pages_of_both(pair):
    a, b = pair
    through_a = log_in(a.url)
    token = csrf_token(through_a, "/clusters/new/")
    form = {**CREATE_CLUSTER_FORM, "name": "pushed-cluster", "csrfmiddlewaretoken": token}

    async def scenario():
        async with live_socket(a.url, through_a) as on_a, live_socket(b.url, through_a) as on_b:
            for socket in (on_a, on_b):
                assert json.loads(await socket.recv())["kind"] == "hello"
            answer = await asyncio.to_thread(through_a.post, "/clusters/new/", data=form)
            assert answer.status_code == 302, answer.text[:800]
            cluster_id = answer.headers["location"].rstrip("/").rsplit("/", 1)[-1]

            def settled(e):
                return e.get("cluster") == cluster_id and e.get("status") == "Running"

            # Created through A, Creating for 2 s, then Running: whichever process holds
            # the watch lease sees it, and both pages hear of it.
            return cluster_id, await events_until(on_a, settled), await events_until(on_b, settled)

    cluster_id, seen_a, seen_b = asyncio.run(scenario())
    assert {
        "kind": "cluster",
        "cluster": cluster_id,
        "change": "added",
        "source": "action",
    } in seen_a
    assert seen_a[-1]["source"] == seen_b[-1]["source"] == "watch"
    page = httpx.get(f"{b.url}/clusters/{cluster_id}/", cookies=through_a.cookies)
    assert "Running" in page.text
