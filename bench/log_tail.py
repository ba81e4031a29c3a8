"""The live log tail over the socket (/ws/logs/): upstream calls and delivery delay with
50 viewers of one container, and a browser tailing a chatty container.

1. `--viewers` (50) websocket clients, logged in as a browser is, follow one container's
   tail on a console under Daphne (tests/servers.py); lines are written every 0.25 s for
   `--seconds` (20). Printed: GetContainerLogs answered per second in that time (counted
   in localcloud's own operation log; goal <= 1.2) and the delay from a line's write to
   its arrival at each viewer (goal: p99 <= 1.5 s), and whether every viewer got every
   line exactly once.
2. Chromium follows the tail of a container writing 1,000 lines a second for `--minutes`
   (10); printed: the JS heap (after a garbage collection) at start and end (goal < 150
   MB), the lines kept in the page, and then how soon it paints the next frame and how
   long 'Wrap long lines' takes to apply (responsive: goal < 200 ms each).

    .venv/bin/python bench/log_tail.py [--viewers 50] [--seconds 20] [--minutes 10]
        [--no-browser]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORK = Path(tempfile.mkdtemp(prefix="bench-logtail-"))
DATABASE_URL = f"sqlite:///{WORK / 'db.sqlite3'}"
os.environ["DJANGO_SETTINGS_MODULE"] = "console.settings"
os.environ["DATABASE_URL"] = DATABASE_URL
os.environ["LOCALCLOUD_WORK_DIR"] = str(WORK / "work")

import django  # noqa: E402

django.setup()

import httpx  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import close_old_connections  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from console.accounts.models import Role, User  # noqa: E402
from console.localcloud import logstore, seed  # noqa: E402
from console.localcloud.models import Cluster, Operation  # noqa: E402
from console.logs.tail import MOST_TAILS_PER_USER  # noqa: E402
from tests import servers  # noqa: E402

POD, CONTAINER = "benchtail-7c9d5-gone1", "app"  # gone: the demo writer leaves it alone
CALLS_GOAL = 1.2  # GetContainerLogs per second, whatever the number of viewers
DELAY_GOAL = 1.5  # seconds from write to a viewer
HEAP_GOAL = 150  # MB
CLICK_GOAL = 0.2  # seconds


def verdict(met: bool) -> str:
    return "goal: met" if met else "goal: NOT MET"


def write(cluster_id: str, bodies: list[str]) -> None:
    now = time.time_ns()
    lines = [(now + i, body) for i, body in enumerate(bodies)]
    logstore.append(cluster_id, "default", POD, CONTAINER, lines)


def log_in(url: str, username: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=20)
    page = client.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    client.post(
        "/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
    )
    return client


def viewer_logins(viewers: int) -> list[tuple[str, str]]:
    """Enough viewers of the demo tenant for `viewers` sockets: the console keeps at most
    MOST_TAILS_PER_USER tails open per user (50 viewers are 50 people, not one)."""
    logins = []
    for n in range(-(-viewers // MOST_TAILS_PER_USER)):
        username, password = f"bench-viewer-{n}", secrets.token_urlsafe(16)
        user = User.objects.create_user(username, password=password)
        user.role, user.company_id = Role.VIEWER, seed.DEMO_TENANT
        user.save()
        logins.append((username, password))
    return logins


def tail_query(cluster_id: str, word: str, **extra) -> dict:
    return {
        "cluster": cluster_id,
        "namespace": "default",
        "pod": POD,
        "container": CONTAINER,
        "gone": "1",
        "kw": word,
        "tail": "1",
        **extra,
    }


async def viewers_figures(
    url: str, cluster_id: str, viewers: int, seconds: float, logins: list[tuple[str, str]]
) -> None:
    cookies = []
    for username, password in logins:
        client = log_in(url, username, password)
        cookies.append("; ".join(f"{k}={v}" for k, v in client.cookies.items()))
    query = urlencode(tail_query(cluster_id, "benchtail", after=time.time_ns(), skip=0))
    received: list[list[tuple[int, float]]] = [[] for _ in range(viewers)]
    sockets = []
    for n in range(viewers):
        socket = await connect(
            url.replace("http://", "ws://") + "/ws/logs/",
            origin=url,
            additional_headers={"Cookie": cookies[n // MOST_TAILS_PER_USER]},
        )
        await socket.send(json.dumps({"tail": query}))
        assert json.loads(await socket.recv())["kind"] == "following"
        sockets.append(socket)

    async def listen(n: int, socket) -> None:
        async for raw in socket:
            message = json.loads(raw)
            arrived = time.time_ns()
            for line in message.get("lines", []):
                text = "".join(p[0] for p in line[2]).split()
                received[n].append((int(text[1]), (arrived - int(text[2])) / 1e9))

    listeners = [asyncio.create_task(listen(n, s)) for n, s in enumerate(sockets)]
    started = time.time()
    written = 0
    while time.time() - started < seconds:
        await asyncio.to_thread(write, cluster_id, [f"benchtail {written} {time.time_ns()}"])
        written += 1
        await asyncio.sleep(0.25)
    ended = time.time()
    await asyncio.sleep(DELAY_GOAL + 1)
    for socket in sockets:
        await socket.close()
    for task in listeners:
        task.cancel()
    calls = await asyncio.to_thread(count_calls, started, ended)
    delays = sorted(d for got in received for _, d in got)
    once = all([n for n, _ in got] == list(range(written)) for got in received)
    rate = calls / (ended - started)
    print(f"\n{viewers} viewers of one tail, a line every 0.25 s for {seconds:.0f} s:")
    print(
        f"  GetContainerLogs per second: {rate:.2f}"
        f"  (goal <= {CALLS_GOAL}: {verdict(rate <= CALLS_GOAL)})"
    )
    p50 = statistics.median(delays) if delays else float("nan")
    p99 = delays[int(len(delays) * 0.99) - 1] if delays else float("nan")
    print(
        f"  delay write -> viewer: p50 {p50:.2f} s, p99 {p99:.2f} s,"
        f" max {max(delays, default=0):.2f} s"
        f"  (goal p99 <= {DELAY_GOAL} s: {verdict(p99 <= DELAY_GOAL)})"
    )
    print(f"  every viewer got each of the {written} lines exactly once: {once}")


def count_calls(started: float, ended: float) -> int:
    from datetime import UTC, datetime

    close_old_connections()
    return Operation.objects.filter(
        action="GetContainerLogs",
        time__gte=datetime.fromtimestamp(started, UTC),
        time__lt=datetime.fromtimestamp(ended, UTC),
    ).count()


def browser_figures(url: str, cluster_id: str, minutes: float) -> None:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import ARGS, CHROMIUM, logged_in_page

    if not shutil.which("chromium"):
        print("browser: skipped, Debian's chromium is not installed")
        return
    stop = threading.Event()

    def chatty() -> None:  # 1,000 lines a second, in tenths
        n = 0
        while not stop.is_set():
            started = time.monotonic()
            write(
                cluster_id,
                [f"chatty {n + i} GET /api/items/{n + i} HTTP/1.1 200" for i in range(100)],
            )
            n += 100
            time.sleep(max(0.0, 0.1 - (time.monotonic() - started)))
        close_old_connections()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        console = SimpleNamespace(url=url)
        viewport = {"width": 1280, "height": 900}
        page = logged_in_page(browser, console, "viewer", viewport=viewport)
        page.goto(f"{url}/logs/?" + urlencode(tail_query(cluster_id, "chatty")))
        page.wait_for_selector("#tail-poller[data-transport=socket]", state="attached")
        cdp = page.context.new_cdp_session(page)

        def heap_mb() -> float:
            cdp.send("HeapProfiler.collectGarbage")
            return cdp.send("Runtime.getHeapUsage")["usedSize"] / 1e6

        start_heap = heap_mb()
        writer = threading.Thread(target=chatty, daemon=True)
        writer.start()
        deadline = time.monotonic() + minutes * 60
        while time.monotonic() < deadline:
            time.sleep(min(30, max(0, deadline - time.monotonic())))
        lines = page.evaluate("window.logList.size()")
        in_document = page.evaluate("document.getElementById('log-lines').children.length")
        frame = max(
            page.evaluate(
                "() => new Promise((done) => { const t = performance.now();"
                " requestAnimationFrame(() => done(performance.now() - t)); })"
            )
            / 1000
            for _ in range(5)
        )
        clicked = time.perf_counter()
        page.get_by_label("Wrap long lines").click()
        page.wait_for_function("document.getElementById('log-scroll').classList.contains('wrap')")
        click = time.perf_counter() - clicked
        end_heap = heap_mb()
        stop.set()
        writer.join()
        browser.close()
    print(f"\nChromium following a container writing 1,000 lines/s for {minutes:g} min:")
    print(
        f"  JS heap: start {start_heap:.1f} MB, end {end_heap:.1f} MB"
        f"  (goal < {HEAP_GOAL} MB: {verdict(end_heap < HEAP_GOAL)})"
    )
    print(f"  lines kept in the page: {lines:,} ({in_document:,} of them in the document)")
    print(
        f"  next frame while lines arrive: {frame * 1000:.0f} ms"
        f"  (goal < {CLICK_GOAL * 1000:.0f} ms: {verdict(frame < CLICK_GOAL)})"
    )
    print(
        f"  'Wrap long lines' clicked to applied (re-lays out the lines in the document):"
        f" {click * 1000:.0f} ms  (goal < {CLICK_GOAL * 1000:.0f} ms:"
        f" {verdict(click < CLICK_GOAL)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--no-browser", action="store_true")
    options = parser.parse_args()
    call_command("migrate", verbosity=0)
    seed.seed()
    logins = viewer_logins(options.viewers)
    cluster_id = Cluster.objects.get(name="prod-web").cluster_id
    server = servers.start(WORK, "console", seed=False, DATABASE_URL=DATABASE_URL)
    try:
        asyncio.run(
            viewers_figures(server.url, cluster_id, options.viewers, options.seconds, logins)
        )
        if not options.no_browser:
            browser_figures(server.url, cluster_id, options.minutes)
    finally:
        server.stop()
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
