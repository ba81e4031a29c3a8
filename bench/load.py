"""Requests per second and p95 latency of the cluster list and a cluster's page with 50
concurrent users: one console process, then two, in one run.

The layout is the production one (deploy/): Daphne workers behind nginx at one address
(deploy/balancer.sh), PostgreSQL and Redis, in a database and Redis key prefix of the
run's own, removed at the end. The users are 50 logged-in sessions of the demo viewer;
each loops without pause: its cluster list (the first page of 20), then one cluster's
page (a random one of the seeded clusters). Every answer is checked (status 200, the
cluster rows or the cluster's ID), so an error page is counted as an error, not timed.

The load comes from this process (asyncio + httpx) on the same machine as the servers,
so its CPU time is printed too: on a 2-core machine the client, nginx and PostgreSQL share
the cores with the workers. Timing is printed, never asserted.

    .venv/bin/python bench/load.py [--users 50] [--seconds 20] [--clusters 40]
Needs nginx (Debian's nginx-light), PostgreSQL and Redis: BENCH_POSTGRES_URL
(postgres://postgres@127.0.0.1:5432/postgres) and BENCH_REDIS_URL (redis://127.0.0.1:6379/0).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import servers  # noqa: E402
from tests.scaleout.services import postgres_database, redis_prefix  # noqa: E402

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
WARMUP_SECONDS = 3
USER = "viewer"  # from manage.py demo_users
CLUSTER_ROW = re.compile(r'data-cluster-id="([^"]+)"')
SESSION_KEY = re.compile(r"^[a-z0-9]{32}$", re.MULTILINE)

MAKE_SESSIONS = """
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
user = get_user_model().objects.get(username={user!r})
for _ in range({count}):
    s = SessionStore()
    s["_auth_user_id"] = str(user.pk)
    s["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    s["_auth_user_hash"] = user.get_session_auth_hash()
    s.create()
    print(s.session_key)
"""


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"list": [], "detail": []})
    errors: int = 0


class Layout:
    """`workers` Daphne processes behind nginx, as deploy/Procfile runs them."""

    def __init__(self, env: dict[str, str], workdir: Path, workers: int):
        self.env, self.workdir, self.workers = env, workdir, workers
        self.processes: list[subprocess.Popen] = []
        self.port = servers.free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Layout:
        ports = [servers.free_port() for _ in range(self.workers)]
        logs = self.workdir / f"{self.workers}-workers.log"
        with logs.open("w") as log:
            for port in ports:
                self.processes.append(
                    subprocess.Popen(
                        servers.console_command(port),
                        cwd=ROOT,
                        env=self.env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
            balancer_env = dict(
                self.env,
                BALANCER_PORT=str(self.port),
                WORKER_PORTS=" ".join(map(str, ports)),
                BALANCER_DIR=str(self.workdir / f"balancer-{self.workers}"),
            )
            self.processes.append(
                subprocess.Popen(
                    ["deploy/balancer.sh"],
                    cwd=ROOT,
                    env=balancer_env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        try:
            # The workers first: nginx answers 502 for one that is still starting.
            for port, process in zip(ports, self.processes[:-1], strict=True):
                servers.wait_ready(f"http://127.0.0.1:{port}/accounts/login/", process, logs)
            servers.wait_ready(f"{self.url}/accounts/login/", self.processes[-1], logs)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

    def server_cpu_seconds(self) -> float:
        """User + system CPU of the workers so far (from /proc)."""
        total = 0
        for process in self.processes[:-1]:
            fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")


async def user_loop(
    url: str, session: str, clusters: list[str], measure_from: float, stop: float, tally: Tally
):
    """One user: list, then a cluster's page, until `stop`; timed from `measure_from`."""
    async with httpx.AsyncClient(base_url=url, cookies={"sessionid": session}, timeout=30) as c:
        while time.monotonic() < stop:
            cluster = random.choice(clusters)
            for kind, path, expect in (
                ("list", "/clusters/", 'data-cluster-id="'),
                ("detail", f"/clusters/{cluster}/", cluster),
            ):
                began = time.monotonic()
                try:
                    answer = await c.get(path)
                    good = answer.status_code == 200 and expect in answer.text
                except httpx.HTTPError:
                    good = False
                if began < measure_from:
                    continue
                if good:
                    tally.latencies[kind].append(time.monotonic() - began)
                else:
                    tally.errors += 1


async def load(url: str, sessions: list[str], clusters: list[str], seconds: float) -> Tally:
    tally = Tally()
    measure_from = time.monotonic() + WARMUP_SECONDS
    stop = measure_from + seconds
    await asyncio.gather(
        *(user_loop(url, s, clusters, measure_from, stop, tally) for s in sessions)
    )
    return tally


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else 0


def report_rows(workers: int, tally: Tally, seconds: float) -> list[str]:
    rows = []
    everything = tally.latencies["list"] + tally.latencies["detail"]
    for label, values in (
        ("cluster list", tally.latencies["list"]),
        ("cluster page", tally.latencies["detail"]),
        ("both", everything),
    ):
        rows.append(
            f"{workers:>9}  {label:<13} {len(values):>8} {len(values) / seconds:>8.1f} "
            f"{percentile(values, 50) * 1000:>8.1f} {percentile(values, 95) * 1000:>8.1f}"
        )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clusters", type=int, default=40)
    args = parser.parse_args(argv)
    if shutil.which("nginx") is None:
        sys.exit("bench/load.py needs nginx: apt-get install nginx-light")

    def missing(what: str, exc: Exception) -> None:
        sys.exit(f"bench/load.py needs {what}: {exc}")

    with (
        tempfile.TemporaryDirectory() as tmp,
        postgres_database(POSTGRES_URL, "bench", missing) as database_url,
        redis_prefix(REDIS_URL, "bench", missing) as (_, prefix),
    ):
        workdir = Path(tmp)
        env = servers.server_env(
            workdir, DATABASE_URL=database_url, REDIS_URL=REDIS_URL, CONSOLE_REDIS_PREFIX=prefix
        )
        run = [sys.executable, "manage.py"]
        for step in (["migrate", "-v0"], ["localcloud", "seed", "--clusters", str(args.clusters)],
                     ["demo_users"]):  # fmt: skip
            subprocess.run([*run, *step], cwd=ROOT, env=env, check=True, capture_output=True)
        made = subprocess.run(
            [*run, "shell", "-c", MAKE_SESSIONS.format(user=USER, count=args.users)],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        )  # fmt: skip
        sessions = SESSION_KEY.findall(made.stdout)  # shell also prints what it imported

        print(
            f"{args.users} users, each: the cluster list, then a random cluster's page, no pause;"
            f" {args.seconds:.0f} s measured after {WARMUP_SECONDS} s of warm-up;"
            f" nginx in front; PostgreSQL and Redis; {os.cpu_count()} CPUs"
        )
        print("processes  page          requests    req/s   p50 ms   p95 ms")
        rates = {}
        for workers in (1, 2):
            with Layout(env, workdir, workers) as layout:
                listing = httpx.get(f"{layout.url}/clusters/", cookies={"sessionid": sessions[0]})
                clusters = CLUSTER_ROW.findall(listing.text)
                if not clusters:
                    sys.exit(
                        f"the cluster list shows no clusters: {listing.status_code}"
                        f" {listing.headers.get('location')} {listing.text[:300]}"
                    )
                client_before = resource.getrusage(resource.RUSAGE_SELF)
                server_before = layout.server_cpu_seconds()
                tally = asyncio.run(load(layout.url, sessions, clusters, args.seconds))
                client_after = resource.getrusage(resource.RUSAGE_SELF)
                server_cpu = layout.server_cpu_seconds() - server_before
            client_cpu = (client_after.ru_utime - client_before.ru_utime) + (
                client_after.ru_stime - client_before.ru_stime
            )
            for row in report_rows(workers, tally, args.seconds):
                print(row)
            print(
                f"           errors {tally.errors}; CPU over the whole run: workers"
                f" {server_cpu:.1f} s, load client {client_cpu:.1f} s"
            )
            rates[workers] = sum(map(len, tally.latencies.values())) / args.seconds
        print(f"two processes vs one: {rates[2] / rates[1]:.2f}x the requests per second")


if __name__ == "__main__":
    main()
