"""The production layout of the README, run as written: deploy/Procfile under honcho, two
Daphne workers behind nginx (deploy/nginx.conf) at one address, PostgreSQL and Redis.
Through that one address a user logs in, pages come from both workers, the live socket
passes through nginx, and a change is pushed to it whichever worker served what."""

from __future__ import annotations

import asyncio
import json

import pytest

from .clients import csrf_token, events_until, live_socket, log_in, running_cluster
from .layout import production_layout

pytestmark = pytest.mark.scaleout


@pytest.fixture(scope="module")
def balancer(tmp_path_factory):
    with production_layout(tmp_path_factory.mktemp("deploy")) as layout:
        yield layout.url, layout.access_log, layout.worker_ports


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
