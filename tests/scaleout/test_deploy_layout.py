"""The production layout of the README, run as written: deploy/Procfile under honcho, two
Daphne workers behind nginx (deploy/nginx.conf) at one address, PostgreSQL and Redis.
Through that one address a user logs in, pages come from both workers, the live socket
passes through nginx, and a change is pushed to it whichever worker served what."""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests import servers

from .clients import csrf_token, events_until, live_socket, log_in, running_cluster
from .services import postgres_database, redis_prefix, services_required

pytestmark = pytest.mark.scaleout
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def balancer(tmp_path_factory):
    if shutil.which("nginx") is None:
        reason = "nginx is not installed (make test installs nginx-light as root)"
        pytest.fail(reason) if services_required() else pytest.skip(reason)
    workdir = tmp_path_factory.mktemp("deploy")
    with postgres_database() as database_url, redis_prefix() as (redis_url, prefix):
        port, web1, web2 = servers.free_port(), servers.free_port(), servers.free_port()
        env = servers.server_env(
            workdir,
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            CONSOLE_REDIS_PREFIX=prefix,
            WEB1_PORT=str(web1),
            WEB2_PORT=str(web2),
            BALANCER_PORT=str(port),
            BALANCER_DIR=str(workdir / "balancer"),
            LOCALCLOUD_PUBLIC_URL=f"http://127.0.0.1:{port}",
        )
        for step in (["migrate", "-v0"], ["localcloud", "seed"], ["demo_users"]):
            subprocess.run(
                [sys.executable, "manage.py", *step], cwd=ROOT, env=env, check=True,
                capture_output=True,
            )  # fmt: skip
        log_path = workdir / "honcho.log"
        honcho = Path(sys.executable).parent / "honcho"
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [str(honcho), "-f", "deploy/Procfile", "-d", str(ROOT), "start"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            # The workers first: nginx answers 502 for one that is still starting.
            for address in (f"http://127.0.0.1:{web1}", f"http://127.0.0.1:{web2}", url):
                servers.wait_ready(f"{address}/accounts/login/", process, log_path)
            yield url, workdir / "balancer" / "access.log", (web1, web2)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_one_address_serves_from_both_workers_and_pushes_through_nginx(balancer):
    url, access_log, (web1, web2) = balancer
    user = log_in(url)
    cluster_id = running_cluster(user)
    for _ in range(6):
        assert user.get(f"/clusters/{cluster_id}/").status_code == 200
    token = csrf_token(user, f"/clusters/{cluster_id}/")

    async def scenario():
        async with live_socket(url, user) as socket:
            assert json.loads(await socket.recv())["kind"] == "hello"
            for subnet in ("subnet-layout1", "subnet-layout2"):  # one through each worker
                answer = await asyncio.to_thread(
                    user.post,
                    f"/clusters/{cluster_id}/subnets/",
                    data={"subnet_ids": subnet, "csrfmiddlewaretoken": token},
                )
                assert answer.status_code in (200, 302), answer.text[:500]
                await events_until(
                    socket, lambda e: e.get("cluster") == cluster_id and e.get("source") == "action"
                )

    asyncio.run(scenario())
    served_by = access_log.read_text()
    assert f"127.0.0.1:{web1}" in served_by and f"127.0.0.1:{web2}" in served_by
    assert "subnet-layout2" in user.get(f"/clusters/{cluster_id}/").text
