"""What production does to the layout, in short: a worker killed with kill -9, Redis
restarted, PostgreSQL restarted. Pages keep answering (or say "database unavailable"
while PostgreSQL is away), nothing answers 500, and everything comes back without
restarting a worker. Redis and PostgreSQL here are private ones (tests/scaleout/private.py)
so that they can be stopped; bench/chaos.py runs the same faults under load."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import time

import httpx
import pytest
import websockets

from tests import servers

from . import private
from .clients import csrf_token, events_until, live_socket, log_in, running_cluster
from .layout import production_layout
from .procs import worker_pid
from .services import services_required

pytestmark = pytest.mark.scaleout


def _until(check, seconds: float = 30.0, every: float = 0.3):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(every)
    pytest.fail(f"not so within {seconds} s: {check}")


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).json()["status"] == "ok"
    except (httpx.HTTPError, ValueError):
        return False


# A killed worker ------------------------------------------------------------------


@pytest.fixture(scope="module")
def layout(tmp_path_factory):
    with production_layout(tmp_path_factory.mktemp("resilience")) as running:
        yield running


def test_a_killed_worker_costs_no_page_and_is_started_again(layout):
    user = log_in(layout.url)
    web1, _web2 = layout.worker_ports
    direct = f"http://127.0.0.1:{web1}"
    killed = worker_pid(web1)
    assert killed is not None

    async def socket_on_the_killed_worker():
        async with live_socket(direct, user) as socket:
            assert json.loads(await socket.recv())["kind"] == "hello"
            os.kill(killed, signal.SIGKILL)
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(socket.recv(), 10)
        # The page's script opens a new one through nginx: the other worker answers.
        async with live_socket(layout.url, user) as socket:
            assert json.loads(await socket.recv())["kind"] == "hello"

    asyncio.run(socket_on_the_killed_worker())
    # nginx skips the dead worker: every page of a user who keeps clicking is served.
    statuses = [user.get("/clusters/").status_code for _ in range(12)]
    assert statuses == [200] * 12
    # deploy/worker.sh starts it again, and it serves.
    _until(lambda: worker_pid(web1) not in (None, killed) and _healthy(direct))
    assert user.get("/healthz").json() == {"status": "ok", "database": "ok", "redis": "ok"}


# Redis and PostgreSQL restarted ---------------------------------------------------


@pytest.fixture(scope="module")
def alone(tmp_path_factory):
    """One console process on a private Redis and PostgreSQL that the tests restart."""
    if reason := private.missing():
        pytest.fail(reason) if services_required() else pytest.skip(reason)
    workdir = tmp_path_factory.mktemp("restarts")
    redis = private.PrivateRedis(workdir)
    postgres = private.PrivatePostgres()
    redis.start()
    postgres.start()
    try:
        server = servers.start(
            workdir / "console",
            "console",
            DATABASE_URL=postgres.database("console"),
            REDIS_URL=redis.url,
            CONSOLE_LIVE_WATCH_SECONDS="0.5",
            CONSOLE_LOGIN_FAILURES="2",
        )
        try:
            yield server, redis, postgres
        finally:
            server.stop()
            assert "Internal Server Error" not in server.log_path.read_text()
    finally:
        redis.stop()
        postgres.stop()
        postgres.remove()


def _failed_login(url: str, username: str) -> int:
    with httpx.Client(base_url=url, timeout=10) as client:
        page = client.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
        form = {"username": username, "password": "wrong", "csrfmiddlewaretoken": token}
        return client.post("/accounts/login/", data=form).status_code


def test_redis_gone_then_back(alone):
    server, redis, _postgres = alone
    user = log_in(server.url)
    cluster_id = running_cluster(user)
    token = csrf_token(user, f"/clusters/{cluster_id}/")

    async def told_when_redis_goes():
        async with live_socket(server.url, user) as socket:
            assert json.loads(await socket.recv())["kind"] == "hello"
            redis.stop()
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(socket.recv(), 10)
            return closed.value.rcvd.code

    # The page is told (4503): live.js shows "polling" and refreshes on a timer.
    assert asyncio.run(told_when_redis_goes()) == 4503
    assert user.get("/clusters/").status_code == 200
    assert user.get(f"/clusters/{cluster_id}/").status_code == 200
    assert user.get("/healthz").json()["status"] == "degraded"
    # Login throttling keeps counting, in the process's own memory.
    assert [_failed_login(server.url, "operator") for _ in range(3)][-1] == 429

    redis.start()
    _until(lambda: _healthy(server.url))

    async def live_again():
        async with live_socket(server.url, user) as socket:
            assert json.loads(await socket.recv())["kind"] == "hello"
            answer = await asyncio.to_thread(
                user.post,
                f"/clusters/{cluster_id}/subnets/",
                data={"subnet_ids": "subnet-after-redis", "csrfmiddlewaretoken": token},
            )
            assert answer.status_code in (200, 302)
            await events_until(socket, lambda e: e.get("cluster") == cluster_id)

    asyncio.run(live_again())


def test_postgres_restarted(alone):
    server, _redis, postgres = alone
    user = log_in(server.url)
    assert user.get("/clusters/").status_code == 200
    postgres.stop()
    try:
        page = user.get("/clusters/")
        assert page.status_code == 503 and "Database unavailable" in page.text
        assert page.headers["Retry-After"] == "5"
        # A balancer's or a supervisor's probe carries no session cookie.
        health = httpx.get(f"{server.url}/healthz", timeout=10)
        assert (health.status_code, health.json()["database"]) == (503, "unavailable")
    finally:
        postgres.start()
    # The same worker serves again: its pool replaced the connections the restart cut.
    _until(lambda: user.get("/clusters/").status_code == 200)
    assert _healthy(server.url)
