"""The live log tail across two console processes sharing Redis: viewers on both see
every new line once, from one poller (one lease in the shared cache)."""

from __future__ import annotations

import asyncio
import json
import re
import time
from urllib.parse import urlencode

import pytest
import redis
import websockets

from .clients import log_in
from .services import REDIS_URL
from .test_two_processes import pair  # noqa: F401 - the two processes

pytestmark = pytest.mark.scaleout


def tail_socket(base_url: str, client):
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    return websockets.connect(
        base_url.replace("http://", "ws://") + "/ws/logs/",
        origin=base_url,
        additional_headers={"Cookie": cookie},
    )


async def bodies(socket, count: int, seconds: float = 15.0) -> list[str]:
    seen: list[str] = []
    async with asyncio.timeout(seconds):
        while len(seen) < count:
            message = json.loads(await socket.recv())
            if message["kind"] == "lines":
                seen += ["".join(p[0] for p in line[2]) for line in message["lines"]]
    return seen


def test_viewers_on_both_processes_share_one_poller(pair):  # noqa: F811
    a, b = pair
    client = log_in(a.url, "viewer")
    page = client.get("/clusters/?q=prod-web").text
    cluster = re.search(r'data-cluster-id="([^"]+)"', page)[1]
    query = urlencode(
        {
            "cluster": cluster,
            "namespace": "default",
            "pod": "web-6f7d9c-x2k4p",
            "container": "nginx",
            "kw": "scaled",
            "tail": "1",
            "after": time.time_ns(),
            "skip": 0,
        }
    )

    async def scenario():
        async with tail_socket(a.url, client) as on_a, tail_socket(b.url, client) as on_b:
            for socket in (on_a, on_b):
                await socket.send(json.dumps({"tail": query}))
                assert json.loads(await socket.recv())["kind"] == "following"
            for n in range(3):
                await asyncio.to_thread(
                    a.manage,
                    "localcloud",
                    "log",
                    cluster,
                    "default",
                    "web-6f7d9c-x2k4p",
                    "nginx",
                    f"scaled {n}",
                )
            seen = await bodies(on_a, 3), await bodies(on_b, 3)
            store = redis.Redis.from_url(REDIS_URL)
            leases = list(store.scan_iter(f"*{a.env['CONSOLE_REDIS_PREFIX']}*logtail:lease*"))
            store.close()
            # Nothing comes again on either socket.
            for socket in (on_a, on_b):
                with pytest.raises(TimeoutError):
                    await asyncio.wait_for(socket.recv(), 2.0)
            return seen, leases

    (seen_a, seen_b), leases = asyncio.run(scenario())
    assert seen_a == seen_b == ["scaled 0", "scaled 1", "scaled 2"]
    assert len(leases) == 1  # one poller for the tail, in one of the two processes
