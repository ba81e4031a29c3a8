"""Server time of the cluster list (1,000 clusters) and of a cluster page, with the cloud
calls each page makes and how many of them run at once.

In-process: Django's AsyncClient against the console with the embedded localcloud in a
fresh SQLite database, so the figure is the server's own time (no browser, no socket).
CloudClient.call is wrapped to count calls and the most in flight together.

    .venv/bin/python bench/pages.py [--runs 100] [--clusters 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(workdir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "console.settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ.pop("CONSOLE_CLOUD_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


class CallCounter:
    """Wraps CloudClient.call: calls per page, most in flight at once, time in calls."""

    def __init__(self):
        from console.cloud.client import CloudClient

        self.calls = 0
        self.in_flight = 0
        self.most = 0
        self.seconds = 0.0
        original = CloudClient.call
        counter = self

        async def counted(client, action, **params):
            counter.calls += 1
            counter.in_flight += 1
            counter.most = max(counter.most, counter.in_flight)
            started = time.perf_counter()
            try:
                return await original(client, action, **params)
            finally:
                counter.seconds += time.perf_counter() - started
                counter.in_flight -= 1

        CloudClient.call = counted

    def reset(self) -> None:
        self.calls = self.most = 0
        self.seconds = 0.0


async def measure(client, counter, url: str, expect: str, runs: int) -> dict:
    for _ in range(5):  # warm-up
        await client.get(url)
    times, calls, most, call_time = [], set(), 0, []
    for _ in range(runs):
        counter.reset()
        started = time.perf_counter()
        response = await client.get(url)
        times.append(time.perf_counter() - started)
        body = response.content.decode()
        if response.status_code != 200 or expect not in body:
            raise SystemExit(f"{url} answered {response.status_code} without {expect!r}")
        calls.add(counter.calls)
        most = max(most, counter.most)
        call_time.append(counter.seconds)
    times.sort()
    return {
        "median": statistics.median(times) * 1000,
        "p95": times[int(len(times) * 0.95) - 1] * 1000,
        "calls": "/".join(str(c) for c in sorted(calls)),
        "most": most,
        "sum_calls": statistics.median(call_time) * 1000,
    }


async def main(runs: int, clusters: int) -> None:
    from django.conf import settings
    from django.test import AsyncClient

    from console.accounts.models import Role, User
    from console.localcloud import seed
    from console.localcloud.models import Cluster

    await asyncio.to_thread(seed.seed)
    await asyncio.to_thread(seed.seed_many, clusters)
    user = await User.objects.acreate(username="bench", role=Role.VIEWER, company_id=10001)
    settings.ALLOWED_HOSTS.append("testserver")  # the test client's host name
    client = AsyncClient()
    await client.aforce_login(user)
    counter = CallCounter()
    prod = await Cluster.objects.aget(name="prod-web")
    total = await Cluster.objects.filter(region="cn-bj2", tenant__company_id=10001).acount()
    pages = [
        ("cluster list, page of 20", "/clusters/", "bench-0999"),
        ("cluster list, page of 100", "/clusters/?size=100", "bench-"),
        ("cluster list sorted by name (all)", "/clusters/?sort=name", "bench-0000"),
        ("cluster page (prod-web)", f"/clusters/{prod.cluster_id}/", "super-node-default"),
        ("overview", "/", "Clusters by state"),
    ]
    print(f"{total} clusters in cn-bj2; {runs} requests per page after 5 warm-up requests")
    print(
        f"{'page':36} {'median ms':>10} {'p95 ms':>8} {'calls':>6} {'at once':>8} "
        f"{'in calls ms':>12}"
    )
    for label, url, expect in pages:
        row = await measure(client, counter, url, expect, runs)
        print(
            f"{label:36} {row['median']:10.1f} {row['p95']:8.1f} {row['calls']:>6} "
            f"{row['most']:>8} {row['sum_calls']:12.1f}"
        )
    print(
        "calls: cloud calls per request; at once: most calls in flight together; "
        "in calls ms: median time spent inside calls, summed (more than the page's time "
        "when they overlap)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--clusters", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(Path(tmp))
        asyncio.run(main(args.runs, args.clusters))
