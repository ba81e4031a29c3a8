"""What users see when a part of the production layout fails: the 50-user load of
bench/load.py, with open live pages and terminals, while one fault at a time is injected:
kill -9 of one worker; a Redis restart; a PostgreSQL restart; the cloud answering in 5 s;
the cloud refusing connections for 20 s. For each it prints the requests, the errors by
kind, the time until pages are normal again, and what users saw. `--soak MINUTES` instead
runs the load with terminals opened and closed every few seconds and prints the workers'
memory, open files and child processes at the start, middle and end.

The layout is deploy/'s: two workers under deploy/worker.sh (which starts a dead one
again) behind nginx (deploy/balancer.sh), localcloud as its own process (so that it can
refuse connections), and a Redis and a PostgreSQL of the run's own (tests/scaleout/
private.py) so that they can be restarted without touching the machine's.

    .venv/bin/python bench/chaos.py [--users 50] [--only kill,redis,postgres,slow,refused]
    .venv/bin/python bench/chaos.py --soak 30
Needs nginx, redis-server and PostgreSQL's server binaries (/usr/lib/postgresql/*/bin).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import dataclasses
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import websockets

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load import MAKE_SESSIONS, SESSION_KEY  # noqa: E402
from terminal import POD, ConsoleTerminal  # noqa: E402

from tests import servers  # noqa: E402
from tests.scaleout import private  # noqa: E402
from tests.scaleout.procs import usage, worker_pid  # noqa: E402

CLOUD_TIMEOUT = 3  # CONSOLE_CLOUD_TIMEOUT of the run: pages give up on the cloud after it
NORMAL_WINDOW = 3.0  # pages are normal again after this long with every answer good
WATCH_AT_LEAST = 15.0  # seconds watched after each repair: sockets and workers come back
LIVE_PAGES = 10
TERMINALS = 4
CLUSTER_ROW = re.compile(r'data-cluster-id="([^"]+)"')


@dataclass
class Seen:
    """Every answer of the run: (time, kind), kind "ok" or what the user saw instead."""

    answers: list[tuple[float, str]] = field(default_factory=list)
    samples: dict[str, str] = field(default_factory=dict)
    slow_free_pages: list[float] = field(default_factory=list)  # (time) audit page latencies

    def note(self, kind: str, sample: str = "") -> None:
        self.answers.append((time.monotonic(), kind))
        if kind != "ok" and kind not in self.samples:
            self.samples[kind] = sample[:160]


def classify(answer: httpx.Response, expect: str) -> tuple[str, str]:
    text = answer.text
    if answer.status_code == 503 and "Database unavailable" in text:
        return "503 database unavailable", ""
    if answer.status_code == 502 and "K8S Console" in text and 'role="alert"' in text:
        # The cluster's page, saying why it cannot be shown (the console's own 502).
        return "page: the cluster cannot be read now (the console's 502)", ""
    if answer.status_code != 200:
        title = re.search(r"<title>(.*?)</title>", text, re.S)
        return f"HTTP {answer.status_code}", title[1].strip() if title else text[:160]
    if "did not answer in time" in text:
        return "page: the cloud did not answer in time", ""
    if "The cloud is unavailable" in text:
        alert = re.search(r'role="alert"[^>]*>(.*?)</', text, re.S)
        return "page: the cloud is unavailable", alert[1].strip() if alert else ""
    if expect not in text:
        return "page without its content", text[:160]
    return "ok", ""


class Layout:
    """Private Redis and PostgreSQL, localcloud, two workers under worker.sh, nginx."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.redis = private.PrivateRedis(workdir)
        self.postgres = private.PrivatePostgres()
        self.cloud_port = servers.free_port()
        self.ports = (servers.free_port(), servers.free_port())
        self.url = f"http://127.0.0.1:{servers.free_port()}"
        self.processes: dict[str, subprocess.Popen] = {}
        self.log = (workdir / "layout.log").open("w")

    def start(self) -> None:
        self.redis.start()
        self.postgres.start()
        self.env = servers.server_env(
            self.workdir,
            DATABASE_URL=self.postgres.database("chaos"),
            REDIS_URL=self.redis.url,
            CONSOLE_CLOUD_URL=f"http://127.0.0.1:{self.cloud_port}",
            CONSOLE_CLOUD_TIMEOUT=str(CLOUD_TIMEOUT),
            LOCALCLOUD_PUBLIC_URL=f"http://127.0.0.1:{self.cloud_port}",
            CONSOLE_KEY_FILE=str(self.workdir / "console-key.env"),
            CONSOLE_LIVE_WATCH_SECONDS="2",
        )
        for step in (
            ["migrate", "-v0"],
            ["localcloud", "seed", "--clusters", "40"],
            ["demo_users"],
        ):
            self.manage(*step)
        self.start_cloud()
        for port in self.ports:
            self.spawn(f"worker {port}", ["deploy/worker.sh", str(port)], self.env)
        balancer = dict(
            self.env,
            BALANCER_PORT=self.url.rsplit(":", 1)[1],
            WORKER_PORTS=" ".join(map(str, self.ports)),
            BALANCER_DIR=str(self.workdir / "balancer"),
        )
        self.spawn("balancer", ["deploy/balancer.sh"], balancer)
        for port in self.ports:
            wait_for(f"http://127.0.0.1:{port}/healthz", 60)
        wait_for(f"{self.url}/healthz", 30)

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=True,
            capture_output=True, text=True,
        )  # fmt: skip
        return done.stdout

    def spawn(self, name: str, command: list[str], env: dict) -> None:
        self.processes[name] = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def start_cloud(self) -> None:
        command = [
            sys.executable,
            "manage.py",
            "localcloud",
            "serve",
            "--port",
            str(self.cloud_port),
        ]
        self.spawn("cloud", command, self.env)
        wait_for(f"http://127.0.0.1:{self.cloud_port}/api", 30)

    def stop_cloud(self) -> None:
        process = self.processes.pop("cloud")
        process.kill()
        process.wait()

    def worker_pids(self) -> list[int]:
        return [pid for port in self.ports if (pid := worker_pid(port)) is not None]

    def stop(self) -> None:
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.redis.stop()
        with contextlib.suppress(subprocess.CalledProcessError):
            self.postgres.stop()
        self.postgres.remove()


def wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(url, timeout=2)
            return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


async def user_loop(url: str, session: str, clusters: list[str], seen: Seen, stop: asyncio.Event):
    async with httpx.AsyncClient(base_url=url, cookies={"sessionid": session}, timeout=30) as c:
        while not stop.is_set():
            cluster = random.choice(clusters)
            for path, expect in (
                ("/clusters/", 'data-cluster-id="'),
                (f"/clusters/{cluster}/", cluster),
            ):
                try:
                    kind, sample = classify(await c.get(path), expect)
                except httpx.HTTPError as exc:
                    kind, sample = f"connection: {type(exc).__name__}", str(exc)
                seen.note(kind, sample)


async def audit_loop(url: str, session: str, seen: Seen, stop: asyncio.Event):
    """An admin on the audit page, which needs no cloud: its latency while the cloud fails."""
    async with httpx.AsyncClient(base_url=url, cookies={"sessionid": session}, timeout=30) as c:
        while not stop.is_set():
            began = time.monotonic()
            with contextlib.suppress(httpx.HTTPError):
                if (await c.get("/audit/")).status_code == 200:
                    seen.slow_free_pages.append(time.monotonic() - began)
            await asyncio.sleep(0.5)


async def live_page(url: str, session: str, tally: collections.Counter, stop: asyncio.Event):
    """A page's live socket as live.js keeps it: reconnect after a close, counting both."""
    ws = url.replace("http://", "ws://") + "/ws/live/"
    while not stop.is_set():
        try:
            async with websockets.connect(
                ws, origin=url, additional_headers={"Cookie": f"sessionid={session}"}
            ) as socket:
                tally["live sockets opened"] += 1
                while not stop.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(socket.recv(), 1)
        except (OSError, websockets.WebSocketException):
            pass
        if not stop.is_set():
            tally["live sockets closed under a page"] += 1
            await asyncio.sleep(1)


async def terminal_loop(
    url: str, session: str, cluster: str, tally: collections.Counter, stop: asyncio.Event,
    hold: float,
):  # fmt: skip
    """Open a pod terminal, type, keep it `hold` seconds, close; again until stopped."""
    while not stop.is_set():
        try:
            term = await ConsoleTerminal.open(url, f"sessionid={session}", cluster)
        except Exception as exc:  # refused, or the layout is failing: counted, tried again
            tally[f"terminal refused: {type(exc).__name__}"] += 1
            await asyncio.sleep(1)
            continue
        tally["terminals opened"] += 1
        try:
            await term.type("echo chaos-$((6*7))\n")
            deadline = time.monotonic() + hold
            while time.monotonic() < deadline and not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(term.read(), 1)
        except websockets.ConnectionClosed:
            tally["terminals disconnected"] += 1
        finally:
            with contextlib.suppress(Exception):
                await term.close()


@dataclass
class Scenario:
    name: str
    inject: object  # callable(layout) -> None, run in a thread
    restore: object | None  # callable(layout) -> None after `lasting` seconds
    lasting: float


def scenarios(only: set[str]) -> list[tuple[str, Scenario]]:
    def kill_worker(layout: Layout) -> None:
        os.kill(worker_pid(layout.ports[0]), signal.SIGKILL)

    def latency(ms: int):
        return lambda layout: layout.manage("localcloud", "faults", "--latency-ms", str(ms))

    all_ = [
        ("kill", Scenario("kill -9 of one worker", kill_worker, None, 0)),
        ("redis", Scenario("Redis restart (down 5 s)", lambda la: la.redis.stop(),
                           lambda la: la.redis.start(), 5)),
        ("postgres", Scenario("PostgreSQL restart (down 5 s)", lambda la: la.postgres.stop(),
                              lambda la: la.postgres.start(), 5)),
        ("slow", Scenario("the cloud answering in 5 s (for 20 s)", latency(5000), latency(0), 20)),
        ("refused", Scenario("the cloud refusing connections for 20 s",
                             lambda la: la.stop_cloud(), lambda la: la.start_cloud(), 20)),
    ]  # fmt: skip
    return [(key, s) for key, s in all_ if not only or key in only]


def report(name: str, seen: Seen, began: float, restored: float, tally, extra: str) -> None:
    during = [(t, k) for t, k in seen.answers if t >= began]
    kinds = collections.Counter(k for _, k in during)
    bad_times = [t for t, k in during if k != "ok"]
    # Normal again: the end of the last bad answer, measured from the repair (or the
    # injection, for a fault that repairs itself).
    normal_after = max(0.0, (max(bad_times) - restored)) if bad_times else 0.0
    errors = {k: n for k, n in kinds.items() if k != "ok"}
    print(f"\n== {name}")
    print(f"   requests {sum(kinds.values())}, good {kinds['ok']}, errors {sum(errors.values())}")
    for kind, count in sorted(errors.items(), key=lambda kv: -kv[1]):
        sample = seen.samples.get(kind, "")
        print(f"     {count:>6}  {kind}" + (f"  (e.g. {sample!r})" if sample else ""))
    print(f"   pages normal again {normal_after:.1f} s after the repair")
    print(f"   sockets and terminals: {dict(tally)}")
    if extra:
        print(f"   {extra}")


async def run_scenarios(layout: Layout, sessions, admin, operator, clusters, only, pod_cluster):
    seen, stop = Seen(), asyncio.Event()
    tally: collections.Counter = collections.Counter()
    tasks = [asyncio.create_task(user_loop(layout.url, s, clusters, seen, stop)) for s in sessions]
    tasks.append(asyncio.create_task(audit_loop(layout.url, admin, seen, stop)))
    tasks += [asyncio.create_task(live_page(layout.url, sessions[i], tally, stop))
              for i in range(LIVE_PAGES)]  # fmt: skip
    tasks += [asyncio.create_task(terminal_loop(layout.url, operator, pod_cluster, tally, stop, 30))
              for _ in range(TERMINALS)]  # fmt: skip
    await asyncio.sleep(8)  # warm-up: every user past the first page
    try:
        for _key, scenario in scenarios(only):
            await asyncio.sleep(5)
            tally.clear()
            seen.slow_free_pages.clear()
            began = time.monotonic()
            await asyncio.to_thread(scenario.inject, layout)
            await asyncio.sleep(scenario.lasting)
            if scenario.restore is not None:
                await asyncio.to_thread(scenario.restore, layout)
            restored = time.monotonic()
            await settle(seen, restored, 60)
            audit = sorted(seen.slow_free_pages)
            extra = (
                f"audit page (no cloud) meanwhile: {len(audit)} loads, slowest"
                f" {audit[-1] * 1000:.0f} ms"
                if audit
                else "audit page: no load finished"
            )
            report(scenario.name, seen, began, restored, tally, extra)
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)


async def settle(seen: Seen, since: float, most: float) -> None:
    """Until NORMAL_WINDOW seconds of good answers after `since` (at most `most` s)."""
    deadline = since + most
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        now = time.monotonic()
        recent = [k for t, k in seen.answers if t >= max(since, now - NORMAL_WINDOW)]
        if now - since >= WATCH_AT_LEAST and recent and all(k == "ok" for k in recent):
            return


async def steady_usage(pid: int, looks: int = 5):
    """A worker's figures, its open files the fewest of a few looks a second apart: the
    connections in flight come and go, a leak stays."""
    seen = []
    for _ in range(looks):
        seen.append(usage(pid))
        await asyncio.sleep(1)
    files = min(u.open_files for u in seen)
    return dataclasses.replace(seen[-1], open_files=files)


async def soak(layout, sessions, operator, clusters, pod_cluster, minutes: float) -> None:
    seen, stop = Seen(), asyncio.Event()
    tally: collections.Counter = collections.Counter()
    tasks = [asyncio.create_task(user_loop(layout.url, s, clusters, seen, stop)) for s in sessions]
    tasks += [asyncio.create_task(live_page(layout.url, sessions[i], tally, stop))
              for i in range(LIVE_PAGES)]  # fmt: skip
    tasks += [asyncio.create_task(terminal_loop(layout.url, operator, pod_cluster, tally, stop, 3))
              for _ in range(TERMINALS)]  # fmt: skip
    samples = []
    print("when     worker  RSS MB  open files  children")
    for label, wait in (("start", 20), ("middle", minutes * 30), ("end", minutes * 30)):
        await asyncio.sleep(wait)
        row = [(pid, await steady_usage(pid)) for pid in layout.worker_pids()]
        samples.append(row)
        for pid, u in row:
            print(f"{label:<8} {pid:>6} {u.rss_mb:>7.1f} {u.open_files:>11} {u.children:>9}")
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    kinds = collections.Counter(k for _, k in seen.answers)
    print(f"requests {sum(kinds.values())}, errors {sum(kinds.values()) - kinds['ok']}"
          f" { {k: n for k, n in kinds.items() if k != 'ok'} }; {dict(tally)}")  # fmt: skip
    # Flat: memory within 25 % of the middle (caches and pools have filled by then), no
    # child left over, and open files no more than 10 above the most seen at the start or
    # the middle: connections in flight come and go by a dozen between looks under load
    # (105-122 in one 30-minute run), so only a rise above all of them is a leak.
    start, middle, end = dict(samples[0]), dict(samples[1]), dict(samples[2])
    flat = all(
        pid in middle
        and end[pid].rss_mb <= middle[pid].rss_mb * 1.25
        and end[pid].open_files <= max(start[pid].open_files, middle[pid].open_files) + 10
        and end[pid].children <= middle[pid].children
        for pid in end
    )
    print(f"flat: {'yes' if flat else 'no'} (goal: yes; memory within 25 % of the middle,"
          f" open files within 10 of the most at start or middle, no more children)")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    sys.stdout.reconfigure(line_buffering=True)  # figures as they come, even into a file
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--only", default="", help="kill,redis,postgres,slow,refused")
    parser.add_argument(
        "--soak", type=float, nargs="?", const=30, default=None,
        help="minutes of load with terminals opened and closed (default 30)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if shutil.which("nginx") is None or (reason := private.missing()):
        sys.exit(f"bench/chaos.py needs nginx, redis-server and PostgreSQL: {reason or 'nginx'}")
    with tempfile.TemporaryDirectory() as tmp:
        layout = Layout(Path(tmp))
        try:
            layout.start()
            made = layout.manage(
                "shell", "-c", MAKE_SESSIONS.format(user="viewer", count=args.users)
            )
            sessions = SESSION_KEY.findall(made)
            admin = SESSION_KEY.findall(
                layout.manage("shell", "-c", MAKE_SESSIONS.format(user="admin", count=1))
            )[0]
            operator = SESSION_KEY.findall(
                layout.manage("shell", "-c", MAKE_SESSIONS.format(user="operator", count=1))
            )[0]
            pod_cluster = layout.manage(
                "shell", "-c",
                "from console.localcloud.models import Pod;"
                f"print(Pod.objects.filter(name={POD['pod']!r}).first().cluster.cluster_id)",
            ).split()[-1]  # fmt: skip
            listing = httpx.get(f"{layout.url}/clusters/", cookies={"sessionid": sessions[0]})
            clusters = CLUSTER_ROW.findall(listing.text)
            print(
                f"{args.users} users on the cluster list and pages, {LIVE_PAGES} live pages,"
                f" {TERMINALS} terminals; two workers behind nginx; CONSOLE_CLOUD_TIMEOUT"
                f" {CLOUD_TIMEOUT} s; {os.cpu_count()} CPUs"
            )
            if args.soak is not None:
                print(f"soak: {args.soak:g} minutes, terminals opened and closed every 3 s")
                asyncio.run(soak(layout, sessions, operator, clusters, pod_cluster, args.soak))
            else:
                only = {k for k in args.only.split(",") if k}
                asyncio.run(
                    run_scenarios(layout, sessions, admin, operator, clusters, only, pod_cluster)
                )
        finally:
            layout.stop()
            kept = Path(tempfile.gettempdir()) / "chaos-logs"  # for a look afterwards
            shutil.rmtree(kept, ignore_errors=True)
            kept.mkdir()
            shutil.copy(Path(tmp) / "layout.log", kept)
            with contextlib.suppress(OSError):
                shutil.copy(Path(tmp) / "balancer" / "error.log", kept / "nginx-error.log")
            print(f"logs kept in {kept}")
            log = (Path(tmp) / "layout.log").read_text()
            errors = log.count("Internal Server Error")
            print(f"\nconsole log: {errors} 'Internal Server Error' (goal: 0)")


if __name__ == "__main__":
    main()
