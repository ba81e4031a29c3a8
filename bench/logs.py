"""Log search at scale: GetContainerLogs over 1,000,000 stored lines against `grep -F` over
the same lines as a file, and the log page rendering 5,000 lines in headless Chromium.

Fills a fresh SQLite database (or, with --database postgresql, a PostgreSQL database of
its own on BENCH_POSTGRES_URL, dropped afterwards) with the demo data plus N lines in one
container (the demo's line generator; a multi-line stack trace is joined with " | " so
that one entry is one line of the file and grep counts what the API counts), writes the
same lines to a file, then serves the console (pages and the embedded /api) under Daphne.
Each search is timed as a whole signed API call through CloudClient over loopback
(LineLimit 500), and grep as the shell pipeline that gives the same lines. Prints each
figure beside its goal.

    .venv/bin/python bench/logs.py [--database sqlite|postgresql] [--lines 1000000]
        [--runs 15] [--no-browser]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.scaleout.services import postgres_database  # noqa: E402

WORK = Path(tempfile.mkdtemp(prefix="bench-logs-"))
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
# The database is chosen before Django reads its settings.
ON_POSTGRES = "--database=postgresql" in sys.argv or "postgresql" in sys.argv
if ON_POSTGRES:
    DATABASE = postgres_database(POSTGRES_URL, "benchlogs", lambda what, exc: sys.exit(str(exc)))
    DATABASE_URL = DATABASE.__enter__()
else:
    DATABASE, DATABASE_URL = None, f"sqlite:///{WORK / 'db.sqlite3'}"
os.environ["DJANGO_SETTINGS_MODULE"] = "console.settings"
os.environ["DATABASE_URL"] = DATABASE_URL
os.environ["LOCALCLOUD_WORK_DIR"] = str(WORK / "work")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from console.cloud.client import CloudClient  # noqa: E402
from console.localcloud import logstore, seed  # noqa: E402
from console.localcloud.logsearch import LogQuery, search  # noqa: E402
from console.localcloud.logwriter import demo_line  # noqa: E402
from console.localcloud.models import Cluster, LogStream, Pod  # noqa: E402
from tests import servers  # noqa: E402

# A pod that is gone (NotInCluster): the demo writer leaves its lines alone.
POD, CONTAINER = "bench-7c9d5-gone1", "app"
LINE_LIMIT = 500
RATIO_GOAL = 0.5  # each search at most half grep's time
PAGE_GOAL = 0.5  # s from navigation to the load event of the 5,000-line page
BEYOND_CALL_GOAL = 0.15  # s the console adds to the page's GetContainerLogs call
HISTOGRAM_GOAL = 0.5  # s from navigation to the histogram drawn
WRAP_GOAL = 0.2  # s from clicking 'Wrap long lines' to applied, 20,000 lines kept
KEPT_LINES = 20_000  # what a long tail keeps (static/js/loglist.js)
SIZE_GOAL = 2.0  # the stored lines with their indexes at most twice the text
SEARCHES = [  # (what it is, keywords); frequencies are printed from the file
    ("one keyword, rare", ["item_42'"]),
    ("one keyword, common", ["POST"]),
    ("two keywords, rare", ["KeyError", "item_42'"]),
    ("two keywords, common", ["GET", "/api/cart"]),
]


def fill(lines: int, text_file: Path) -> Pod:
    call_command("migrate", verbosity=0)
    seed.seed()
    pod = Pod(name=POD, namespace="default", cluster=Cluster.objects.get(name="prod-web"))
    stream = LogStream.objects.create(
        cluster_id=pod.cluster.cluster_id, namespace=pod.namespace, pod=POD, container=CONTAINER
    )
    first_id = logstore.stream_range(stream.id)[0]  # as logstore.append numbers them
    now = time.time_ns()
    first = now - lines * 1_000_000  # one line a millisecond, up to now
    rows = (
        (
            first_id + i,
            stream.id,
            first + i * 1_000_000,
            demo_line("bench", CONTAINER, i).replace("\n", " | "),
        )
        for i in range(lines)
    )
    started = time.perf_counter()
    with open(text_file, "w") as out, transaction.atomic(), connection.cursor() as cursor:
        if ON_POSTGRES:
            with cursor.cursor.copy(COPY) as copy:
                for row in rows:
                    out.write(f"{row[2]} {row[3]}\n")
                    copy.write_row(row)
        else:
            batch = []
            for row in rows:
                batch.append(row)
                out.write(f"{row[2]} {row[3]}\n")
                if len(batch) == 10_000:
                    cursor.executemany(INSERT, batch)
                    batch.clear()
            cursor.executemany(INSERT, batch)
    if ON_POSTGRES:
        with connection.cursor() as cursor:  # statistics for the planner, as autovacuum would
            cursor.execute("VACUUM ANALYZE localcloud_logline")
    text = text_file.stat().st_size
    print(f"stored {lines:,} lines in {time.perf_counter() - started:.1f} s")
    parts = stored_parts()
    stored = sum(parts.values())
    print(
        f"log store ({connection.vendor}) {stored / 1e6:.0f} MB vs the text "
        f"{text / 1e6:.0f} MB: {stored / text:.2f}x  (goal <= {SIZE_GOAL:.0f}x: "
        f"{verdict(stored / text <= SIZE_GOAL)})"
    )
    for name, size in parts.items():
        print(f"  {name:42} {size / 1e6:7.1f} MB")
    return pod


def stored_parts() -> dict[str, int]:
    """Everything the log store keeps, by database object: the lines' table (bodies,
    times, ids and page overhead), its indexes (the primary key's and, on SQLite, the
    FTS5 trigram index's tables; on PostgreSQL the pg_trgm GIN index), its TOAST and the
    stream names. The text it is weighed against is the file grep reads: one
    "time body" line per entry."""
    with connection.cursor() as cursor:
        if ON_POSTGRES:
            cursor.execute(
                "SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c "
                "WHERE c.relname LIKE 'localcloud_log%' AND c.relkind IN ('r', 'i') "
                "UNION ALL SELECT t.relname || ' (TOAST and its index)', "
                "pg_total_relation_size(t.oid) FROM pg_class c JOIN pg_class t "
                "ON t.oid = c.reltoastrelid WHERE c.relname LIKE 'localcloud_log%' "
                "UNION ALL SELECT c.relname || ' (free space, visibility maps)', "
                "pg_relation_size(c.oid, 'fsm') + pg_relation_size(c.oid, 'vm') "
                "FROM pg_class c WHERE c.relname LIKE 'localcloud_log%' AND c.relkind = 'r'"
            )
        else:
            cursor.execute(
                "SELECT name, sum(pgsize) FROM dbstat WHERE name LIKE 'localcloud_log%' "
                "OR name IN (SELECT name FROM sqlite_schema WHERE tbl_name LIKE "
                "'localcloud_log%') GROUP BY name"
            )
        found = {name: size for name, size in cursor.fetchall() if size}
    return dict(sorted(found.items(), key=lambda part: -part[1]))


def verdict(met: bool) -> str:
    return "met" if met else "not met"


INSERT = "INSERT INTO localcloud_logline (id, stream_id, time_ns, body) VALUES (%s, %s, %s, %s)"


COPY = "COPY localcloud_logline (id, stream_id, time_ns, body) FROM STDIN"


def grep_seconds(words: list[str], text_file: Path, runs: int) -> tuple[float, int]:
    pipeline = " | ".join(
        [f"grep -F -- {shell_quote(words[0])} {text_file}"]
        + [f"grep -F -- {shell_quote(w)}" for w in words[1:]]
    )
    times, matched = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(pipeline, shell=True, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
        # What the API answers: how many matched, and the newest 500.
        found = done.stdout.splitlines()
        matched, _newest = len(found), found[-LINE_LIMIT:]
    return statistics.median(times), matched


def shell_quote(word: str) -> str:
    return "'" + word.replace("'", "'\\''") + "'"


def engine_seconds(pod: Pod, words: list[str], runs: int) -> float:
    """The search alone, in this process on the same database: what the API call adds
    (signature, operation log, HTTP, JSON) is the difference."""
    query = LogQuery(pod.cluster.cluster_id, pod.namespace, POD, CONTAINER, words, limit=LINE_LIMIT)
    search(query)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        search(query)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def api_seconds(
    url: str,
    key: tuple[str, str],
    pod: Pod,
    words: list[str],
    runs: int,
    container: str = CONTAINER,
) -> tuple[float, int]:
    params = {
        "Region": "cn-bj2",
        "ClusterID": pod.cluster.cluster_id,
        "Namespace": pod.namespace,
        "Pod": POD,
        "Container": container,
        "Keywords": words,
        "LineLimit": LINE_LIMIT,
        "NotInCluster": True,
    }
    times, total = [], 0
    async with CloudClient(url, *key, timeout=120) as client:
        await client.call("GetContainerLogs", **params)  # warm the connection and caches
        for _ in range(runs):
            started = time.perf_counter()
            answer = await client.call("GetContainerLogs", **params)
            times.append(time.perf_counter() - started)
            total = answer.TotalCount
            assert len(answer.Infos) == min(LINE_LIMIT, total)
    return statistics.median(times), total


async def page_call_seconds(url: str, key: tuple[str, str], pod: Pod, runs: int) -> float:
    """The page's own search as one API call: what the console waits for."""
    params = {
        "Region": "cn-bj2",
        "ClusterID": pod.cluster.cluster_id,
        "Namespace": pod.namespace,
        "Pod": POD,
        "Container": CONTAINER,
        "Keywords": ["HTTP/1.1"],
        "LineLimit": 5000,
        "Start": time.time_ns() - 86400 * 1_000_000_000,
        "NotInCluster": True,
    }
    times = []
    async with CloudClient(url, *key, timeout=120) as client:
        await client.call("GetContainerLogs", **params)
        for _ in range(runs):
            started = time.perf_counter()
            answer = await client.call("GetContainerLogs", **params)
            times.append(time.perf_counter() - started)
            assert len(answer.Infos) == 5000
    return statistics.median(times)


# 'Wrap long lines' with the tail's 20,000 lines kept: the page's lines plus lines added as
# the socket tail adds them, then the checkbox clicked until the class is applied and a
# frame is painted.
ADD_LINES = """(count) => {
  const items = [];
  for (let i = 0; i < count; i++) {
    const li = document.createElement('li');
    const time = document.createElement('time');
    time.textContent = '2026-11-30 10:00:00.000';
    const body = document.createElement('span');
    body.className = 'body';
    body.textContent = `chatty ${i} GET /api/items/${i} HTTP/1.1 200 ` + 'x'.repeat(i % 300);
    li.append(time, body);
    items.push(li);
    if (items.length === 100) { window.logList.add(items.splice(0), true); }
  }
  window.logList.add(items, true);
  return window.logList.size();
}"""
# From the click to the next frame painted with the class applied, timed in the page (a
# driver's round trips are not the reader's wait).
WRAP_CLICKED = """() => new Promise((done) => {
  const started = performance.now();
  document.getElementById('log-wrap').click();
  requestAnimationFrame(() => setTimeout(() => done(performance.now() - started), 0));
})"""


def wrap_seconds(page) -> float:
    return page.evaluate(WRAP_CLICKED) / 1000


# The histogram's own request, when the page did not draw it (the newest one of the page).
HISTOGRAM_REQUEST_MS = (
    "() => { const r = performance.getEntriesByType('resource')"
    ".filter((e) => e.name.includes('/logs/histogram')); return r.length ? r.at(-1).duration : 0; }"
)


def browser_figures(url: str, pod: Pod, runs: int, call: float) -> None:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import ARGS, CHROMIUM, logged_in_page

    if not shutil.which("chromium"):
        print("browser: skipped, Debian's chromium is not installed")
        return
    page_url = (
        f"{url}/logs/?cluster={pod.cluster.cluster_id}&namespace=default&pod={POD}"
        f"&container={CONTAINER}&gone=1&kw=HTTP%2F1.1&range=24h&limit=5000"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        console = SimpleNamespace(url=url)
        viewport = {"width": 1280, "height": 900}
        page = logged_in_page(browser, console, "viewer", viewport=viewport)
        figures, placements = [], []
        for _ in range(runs + 1):
            started = time.perf_counter()
            page.goto(page_url, wait_until="load")
            in_page = page.evaluate("!!document.querySelector('.histogram-svg')")
            shown = page.evaluate("window.logList.size()")
            total = time.perf_counter() - started
            timing = page.evaluate(
                "() => { const t = performance.getEntriesByType('navigation')[0];"
                " return [t.responseStart - t.requestStart, t.responseEnd - t.responseStart,"
                " t.domContentLoadedEventEnd - t.responseEnd, t.loadEventEnd,"
                " t.serverTiming.find((e) => e.name === 'cloud').duration]; }"
            )
            # A histogram the page did not draw loads after it; wait for it so that its
            # counting calls do not run during the next page's request. One drawn in the
            # page is there by its load event (the wall clock here would add this
            # script's own round trips to the browser).
            page.wait_for_selector(".histogram-svg", timeout=120_000)
            histogram = timing[3] if in_page else (time.perf_counter() - started) * 1000
            own_request = page.evaluate(HISTOGRAM_REQUEST_MS)
            figures.append((total * 1000, *timing[:4], histogram, timing[4]))
            placements.append(None if in_page else own_request)
            assert shown == 5000, shown
        kept = page.evaluate(ADD_LINES, KEPT_LINES - 5000)
        in_document = page.evaluate("document.getElementById('log-lines').children.length")
        wraps = [wrap_seconds(page) for _ in range(6)]
        browser.close()
    cold_histogram = figures[0][5]
    figures, placements = figures[1:], placements[1:]  # the first load warms caches
    after = [ms for ms in placements if ms is not None]
    med = [statistics.median(f[i] for f in figures) for i in range(7)]
    # What the page waited for its search, as its Server-Timing says: the embedded cloud
    # answers in the same process, so the call alone (above) is not what the page waited.
    load, beyond = med[4] / 1000, statistics.median((f[1] - f[6]) / 1000 for f in figures)
    print(f"\nlog page with 5,000 highlighted lines in headless Chromium, median of {runs}:")
    print(
        f"  navigation to load event   {med[4]:7.0f} ms  (goal < {PAGE_GOAL * 1000:.0f} ms: "
        f"{verdict(load < PAGE_GOAL)}; wall clock with counting the lines {med[0]:.0f} ms)"
    )
    print(f"  server until first byte    {med[1]:7.0f} ms  (search + render in Django)")
    print(
        f"  its GetContainerLogs call  {med[6]:7.0f} ms  (Server-Timing 'cloud'; the same call "
        f"alone from a client: {call * 1000:.0f} ms)"
    )
    print(
        f"  server beyond the call     {beyond * 1000:7.0f} ms  (goal < "
        f"{BEYOND_CALL_GOAL * 1000:.0f} ms: {verdict(beyond < BEYOND_CALL_GOAL)})"
    )
    print(f"  page transfer              {med[2]:7.0f} ms")
    print(f"  parse, style, DOM ready    {med[3]:7.0f} ms")
    print(
        f"  histogram drawn            {med[5]:7.0f} ms  (goal < {HISTOGRAM_GOAL * 1000:.0f} ms: "
        f"{verdict(med[5] / 1000 < HISTOGRAM_GOAL)}; from navigation, past slices cached; "
        f"first load, nothing cached: {cold_histogram:.0f} ms)"
    )
    print(
        f"  histogram in the page      {len(placements) - len(after)} of {len(placements)} loads"
        + (
            f"; else its own request after the load: median {statistics.median(after):.0f} ms"
            if after
            else ""
        )
    )
    wrap = statistics.median(wraps)
    print(
        f"  'Wrap long lines' applied  {wrap * 1000:7.0f} ms  (goal < {WRAP_GOAL * 1000:.0f} ms: "
        f"{verdict(wrap < WRAP_GOAL)}; {kept:,} lines kept, {in_document:,} in the document; "
        f"median of {len(wraps)} clicks)"
    )
    print("  JS heap tailing a chatty container for 10 min: printed by bench/log_tail.py")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    options = parser.parse_args()
    text_file = WORK / "lines.txt"
    server = None
    try:
        pod = fill(options.lines, text_file)
        server = servers.start(
            WORK,
            "console",
            seed=False,
            DATABASE_URL=DATABASE_URL,
            LOCALCLOUD_LOG_SCAN_AT_MOST=str(settings.LOCALCLOUD_LOG_SCAN_AT_MOST),
        )
        print(
            f"\nGetContainerLogs (LineLimit {LINE_LIMIT}, whole API call over loopback) "
            f"vs grep -F over the same {options.lines:,} lines on {connection.vendor}; "
            f"median of {options.runs}"
        )
        print(
            f"{'search':22} {'keywords':26} {'matches':>8} {'API ms':>8} {'grep ms':>8} "
            f"{'API/grep':>8}  goal <= {RATIO_GOAL}  {'engine ms':>9} {'engine/grep':>11}"
        )
        for label, words in SEARCHES:
            api, total = asyncio.run(
                api_seconds(server.url, server.keys(), pod, words, options.runs)
            )
            grep, matched = grep_seconds(words, text_file, options.runs)
            engine = engine_seconds(pod, words, options.runs)
            assert total == matched, (words, total, matched)
            print(
                f"{label:22} {' + '.join(words):26} {total:8,} {api * 1000:8.1f} "
                f"{grep * 1000:8.1f} {api / grep:8.2f}  {verdict(api / grep <= RATIO_GOAL):7}"
                f"  {engine * 1000:9.1f} {engine / grep:11.2f}"
            )
        floor, _ = asyncio.run(
            api_seconds(server.url, server.keys(), pod, ["GET"], options.runs, "no-such")
        )
        print(f"the call itself (a container that never wrote, no search): {floor * 1000:.1f} ms")
        if not options.no_browser:
            call = asyncio.run(page_call_seconds(server.url, server.keys(), pod, options.runs))
            browser_figures(server.url, pod, max(3, options.runs // 3), call)
    finally:
        if server:
            server.stop()
        shutil.rmtree(WORK, ignore_errors=True)
        if DATABASE is not None:
            connection.close()
            DATABASE.__exit__(None, None, None)


if __name__ == "__main__":
    main()
