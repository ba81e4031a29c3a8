"""Server time of the cluster list (1,000 clusters) and of a cluster page, with the cloud
calls each page makes, how many of them run at once and when each one runs.

1. In-process: Django's AsyncClient against the console with the embedded localcloud in a
   fresh SQLite database, so the figure is the server's own time (no browser, no socket).
   CloudClient.call is wrapped (in this process only) to count calls, the most in flight
   at once and each call's start and end within its request.
2. Concurrency of the cluster page: its two calls alone, one after the other and together,
   and the page itself, as embedded and with localcloud's fault injection adding latency to
   every call (as a cloud across a network would).
3. Over the wire: the same pages from a console served by Daphne (tests/servers.py, its
   own fresh database with the same data), logged in through the login form with httpx;
   client-observed time on loopback.

Every response is checked (status 200, expected names, number of rows), so an error page
cannot be timed. Timing is printed, never asserted.

    .venv/bin/python bench/pages.py [--runs 200] [--wire-runs 100] [--clusters 1000]
                                    [--latency-ms 20] [--no-wire]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import contextvars
import math
import os
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WARMUP = 5
COMPANY_ID = 10001  # the demo tenant (console.localcloud.seed.DEMO_TENANT)
REGION = "cn-bj2"  # the session's default region, where seed_many puts its clusters
DETAIL_CLUSTER = "prod-web"  # a seeded cluster with pods, an EIP and HA
NODE_PAGE = 20  # the cluster page asks DescribeSuperNode for this many
WIRE_USER = "viewer"  # from manage.py demo_users


@dataclass(frozen=True)
class Page:
    label: str
    path: str  # {id} is the detail cluster's ID
    expect: tuple[str, ...]  # every one must be in the body
    rows: int | None = None  # cluster rows the page must show (None: not a list)
    cold: bool = False  # the overview with no aggregate kept: each request reads for itself

    @property
    def is_detail(self) -> bool:
        return "{id}" in self.path


def pages(clusters: int) -> list[Page]:
    """The pages timed; seed_many names its clusters bench-0000 (oldest) upwards."""
    newest = f"bench-{clusters - 1:04d}"
    # Newest first: ml-training (Creating, started now), then bench clusters, newest first.
    last_of_100 = f"bench-{clusters - 99:04d}"
    return [
        Page("cluster list, page of 20", "/clusters/", (newest,), 20),
        Page("cluster list, page of 100", "/clusters/?size=100", (newest, last_of_100), 100),
        Page(
            "cluster list by name (all)", "/clusters/?sort=name", ("bench-0000", "bench-0019"), 20
        ),
        Page("cluster page (prod-web)", "/clusters/{id}/", (DETAIL_CLUSTER, "super-node-default")),
        Page("overview", "/", ("Clusters by state",)),
        Page("overview, nothing kept", "/", ("Clusters by state",), cold=True),
    ]


ROW = re.compile(r'<tr data-cluster-id="([^"]+)"')


def check_page(page: Page, status: int, body: str, where: str) -> None:
    """Refuse to time an error page, a login page or a short list."""
    problems = []
    if status != 200:
        problems.append(f"HTTP {status}")
    problems += [f"no {text!r}" for text in page.expect if text not in body]
    if page.rows is not None and (found := len(ROW.findall(body))) != page.rows:
        problems.append(f"{found} rows instead of {page.rows}")
    if problems:
        raise SystemExit(f"{where} {page.path}: {', '.join(problems)}; not timing this")


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def covered(spans: list[tuple[float, float]]) -> float:
    """Length of the union of intervals: time during which at least one call was running."""
    total, end = 0.0, -math.inf
    for start, stop in sorted(spans):
        if stop > end:
            total += stop - max(start, end)
            end = stop
    return total


# --- in-process -------------------------------------------------------------------------


@dataclass
class Request:
    """The cloud calls of one request: (action, start, end), seconds from the request's start."""

    started: float = 0.0
    calls: list[tuple[str, float, float]] = field(default_factory=list)
    in_flight: int = 0
    most: int = 0


# Set in the bench's own task only: the live watcher's calls (its own task) are not a page's.
_timing = contextvars.ContextVar("timing", default=False)


class CallLog:
    """Wraps CloudClient.call in this process only, recording every call of the request."""

    def __init__(self):
        from console.cloud.client import CloudClient

        self.current = Request()
        original = CloudClient.call
        log = self

        async def recorded(client, action, **params):
            if not _timing.get():
                return await original(client, action, **params)
            request = log.current
            request.in_flight += 1
            request.most = max(request.most, request.in_flight)
            started = time.perf_counter()
            try:
                return await original(client, action, **params)
            finally:
                ended = time.perf_counter()
                request.in_flight -= 1
                request.calls.append((action, started - request.started, ended - request.started))

        CloudClient.call = recorded

    def begin(self) -> Request:
        _timing.set(True)
        self.current = Request(started=time.perf_counter())
        return self.current


@dataclass
class Result:
    page: Page
    times: list[float] = field(default_factory=list)  # seconds
    call_counts: set[int] = field(default_factory=set)
    most: int = 0
    concurrent: int = 0  # requests in which two or more calls were in flight together
    in_calls: list[float] = field(default_factory=list)  # the calls' durations, summed
    outside: list[float] = field(default_factory=list)  # page time while no call ran
    # (action, its nth call in the request) -> starts and ends, for the calls' timeline
    timeline: dict[tuple[str, int], tuple[list[float], list[float]]] = field(
        default_factory=lambda: defaultdict(lambda: ([], []))
    )

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def calls(self) -> str:
        return "/".join(map(str, sorted(self.call_counts)))


async def forget_overview() -> None:
    from console.dashboard import summary

    await summary.forget(COMPANY_ID, REGION)


async def measure(client, log: CallLog, page: Page, path: str, runs: int) -> Result:
    for _ in range(WARMUP):
        response = await client.get(path)
        check_page(page, response.status_code, response.content.decode(), "in-process")
    result = Result(page)
    for _ in range(runs):
        if page.cold:
            await forget_overview()
        request = log.begin()
        started = time.perf_counter()
        response = await client.get(path)
        elapsed = time.perf_counter() - started
        check_page(page, response.status_code, response.content.decode(), "in-process")
        result.times.append(elapsed)
        result.call_counts.add(len(request.calls))
        result.most = max(result.most, request.most)
        result.concurrent += request.most >= 2
        result.in_calls.append(sum(end - start for _, start, end in request.calls))
        result.outside.append(elapsed - covered([(s, e) for _, s, e in request.calls]))
        nth: dict[str, int] = defaultdict(int)
        for action, start, end in sorted(request.calls, key=lambda call: call[1]):
            starts, ends = result.timeline[(action, nth[action])]
            nth[action] += 1
            starts.append(start)
            ends.append(end)
    return result


def print_pages(results: list[Result], runs: int, total: int) -> None:
    print(
        f"\n== 1. In-process (Django AsyncClient, embedded localcloud): {total} clusters in "
        f"{REGION} for tenant {COMPANY_ID}; {runs} requests per page after {WARMUP} warm-up"
    )
    header = (
        f"{'page':28} {'median ms':>9} {'p95 ms':>7} {'calls':>5} {'at once':>7} "
        f"{'sum of calls ms':>15} {'outside calls ms':>16}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.page.label:28} {ms(r.median):>9} {ms(p95(r.times)):>7} {r.calls:>5} "
            f"{r.most:>7} {ms(statistics.median(r.in_calls)):>15} "
            f"{ms(statistics.median(r.outside)):>16}"
        )
    print(
        "calls: cloud calls per request; at once: most calls in flight together; sum of\n"
        "calls: median of the calls' durations added up (each includes the embedded\n"
        "localcloud's own work); outside calls: median page time while no call was running\n"
        "(middleware, session, auth, template)"
    )
    print("\nWhen the calls run (medians, ms from the request's start):")
    for r in results:
        print_timeline(r)


def print_timeline(result: Result) -> None:
    print(f"  {result.page.label} (page {ms(result.median)} ms)")
    by_start = sorted(result.timeline.items(), key=lambda item: statistics.median(item[1][0]))
    for (action, _), (starts, ends) in by_start:
        durations = [end - start for start, end in zip(starts, ends, strict=True)]
        print(
            f"    {action:20} start {ms(statistics.median(starts)):>6}  "
            f"end {ms(statistics.median(ends)):>6}  takes {ms(statistics.median(durations)):>6}"
        )


async def set_latency(milliseconds: int) -> None:
    """localcloud's fault injection: every call sleeps this long (on the event loop) first."""
    from console.localcloud.models import Fault

    await Fault.objects.aupdate_or_create(pk=1, defaults={"latency_ms": milliseconds})


async def detail_calls(log: CallLog, cluster_id: str, runs: int) -> dict[str, float]:
    """The cluster page's two calls straight through the console's client (no page): alone,
    one after the other, and together as the page makes them. Medians, in seconds."""
    from console.cloud.shared import get_client

    client = get_client()
    scope = {"Region": REGION, "CompanyID": COMPANY_ID}

    def cluster():
        return client.call("DescribeCluster", ClusterIDs=[cluster_id], **scope)

    def nodes():
        return client.call("DescribeSuperNode", ClusterID=cluster_id, Limit=NODE_PAGE, **scope)

    async def sequential():
        await cluster()
        await nodes()

    async def together():
        await asyncio.gather(cluster(), nodes())

    ways = {
        "DescribeCluster alone": cluster,
        "DescribeSuperNode alone": nodes,
        "both, one after the other": sequential,
        "both together (gather)": together,
    }
    times: dict[str, list[float]] = {name: [] for name in ways}
    for i in range(WARMUP + runs):
        for name, way in ways.items():  # interleaved, so drift affects all alike
            log.begin()
            started = time.perf_counter()
            await way()
            if i >= WARMUP:
                times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


async def concurrency(client, log, detail: Result, cluster_id: str, runs: int, latency: int):
    path = detail.page.path.format(id=cluster_id)
    plain = await detail_calls(log, cluster_id, runs)
    slow_runs = max(20, runs // 4)
    await set_latency(latency)
    try:
        slow = await detail_calls(log, cluster_id, slow_runs)
        slow_page = await measure(client, log, detail.page, path, slow_runs)
    finally:
        await set_latency(0)
    print(
        f"\n== 2. Concurrency of the cluster page: its two calls straight through CloudClient,\n"
        f"and the page; medians in ms of {runs} runs as embedded and of {slow_runs} with\n"
        f"localcloud's fault injection adding {latency} ms to every call"
    )
    header = f"    {'':30} {'embedded':>9} {f'+{latency} ms a call':>16}"
    print(header)
    print("    " + "-" * (len(header) - 4))
    for name in plain:
        print(f"    {name:30} {ms(plain[name]):>9} {ms(slow[name]):>16}")
    print(f"    {'the cluster page':30} {ms(detail.median):>9} {ms(slow_page.median):>16}")
    print(f"    {'  p95':30} {ms(p95(detail.times)):>9} {ms(p95(slow_page.times)):>16}")
    print(f"    {'  most calls in flight':30} {detail.most:>9} {slow_page.most:>16}")
    both = f"{detail.concurrent}/{len(detail.times)}"
    slow_both = f"{slow_page.concurrent}/{len(slow_page.times)}"
    print(f"    {'  requests with both in flight':30} {both:>9} {slow_both:>16}")
    print(f"\nWhen the calls run with +{latency} ms a call (medians, ms from the request's start):")
    print_timeline(slow_page)
    # The page's own work (everything but its two calls), plus its calls done either way.
    own = detail.median - plain["both together (gather)"]
    overlapped = ms(own + slow["both together (gather)"])
    in_turn = ms(own + slow["both, one after the other"])
    print(
        f"Expected from the rows above: {overlapped} ms if the page's calls overlapped as they\n"
        f"do outside a page, {in_turn} ms if they ran one after the other."
    )


async def in_process(runs: int, clusters: int, latency: int) -> dict[str, float]:
    from django.conf import settings
    from django.test import AsyncClient

    from console.accounts.models import Role, User
    from console.cloud.shared import close_clients
    from console.localcloud import seed
    from console.localcloud.models import Cluster

    started = time.perf_counter()
    await asyncio.to_thread(seed.seed)
    await asyncio.to_thread(seed.seed_many, clusters)
    user = await User.objects.acreate(username="bench", role=Role.VIEWER, company_id=COMPANY_ID)
    total = await Cluster.objects.filter(region=REGION, tenant__company_id=COMPANY_ID).acount()
    cluster_id = (await Cluster.objects.aget(name=DETAIL_CLUSTER)).cluster_id
    print(f"seeded a fresh database with {total} clusters in {time.perf_counter() - started:.1f} s")
    settings.ALLOWED_HOSTS.append("testserver")  # the test client's host name
    client = AsyncClient()
    await client.aforce_login(user)
    log = CallLog()
    results = []
    for page in pages(clusters):
        path = page.path.format(id=cluster_id)
        if page.path == "/" and not page.cold:
            async with watched():  # as when the overview's page is open: its socket's watcher
                results.append(await measure(client, log, page, path, runs))
        else:
            results.append(await measure(client, log, page, path, runs))
    print_pages(results, runs, total)
    goals = await list_against_call(client, runs)
    detail = next(r for r in results if r.page.is_detail)
    verdict = "concurrent" if detail.concurrent == len(detail.times) else "NOT always concurrent"
    print(
        f"\n{detail.page.label}: {detail.calls} calls, both in flight together in "
        f"{detail.concurrent} of {len(detail.times)} requests ({verdict}); their durations add "
        f"up to {ms(statistics.median(detail.in_calls))} ms against a page of "
        f"{ms(detail.median)} ms (medians)"
    )
    if latency:
        await concurrency(client, log, detail, cluster_id, runs, latency)
    await close_clients()
    overview = next(r for r in results if r.page.path == "/" and not r.page.cold)
    print_goals(*goals, overview, total)
    return {r.page.label: r.median for r in results}


@contextlib.asynccontextmanager
async def watched():
    """The live watcher of the bench tenant running, as an open page's socket starts it;
    in a context of its own, so that its calls are not counted as a page's."""
    from console.live import watcher

    contextvars.Context().run(watcher.page_opened, COMPANY_ID, REGION)
    try:
        yield
    finally:
        await watcher.page_closed(COMPANY_ID, REGION)


LIST_GOAL = 1.3  # the cluster list, page of 20, against its one DescribeCluster (issue 16)
OVERVIEW_GOAL = 0.150  # seconds, at 1,000 clusters (issue 16)


async def list_against_call(client, runs: int) -> tuple[float, float]:
    """Medians of the cluster list's first page of 20 and of its one call (DescribeCluster,
    Limit 20, signed with the same key) made straight through CloudClient, taking turns."""
    from console.accounts import tenancy
    from console.cloud.shared import get_client

    key = await tenancy.signing_key(COMPANY_ID)
    page, call = [], []
    for i in range(WARMUP + runs):
        started = time.perf_counter()
        response = await client.get("/clusters/")
        middle = time.perf_counter()
        await get_client().call(
            "DescribeCluster", key=key, Region=REGION, CompanyID=COMPANY_ID, Limit=20, Offset=0
        )
        ended = time.perf_counter()
        if response.status_code != 200:
            raise SystemExit(f"/clusters/: HTTP {response.status_code}; not timing this")
        if i >= WARMUP:
            page.append(middle - started)
            call.append(ended - middle)
    return statistics.median(page), statistics.median(call)


def verdict(met: bool) -> str:
    return "goal: met" if met else "goal: not met"


def print_goals(page: float, call: float, overview: Result, total: int) -> None:
    ratio = page / call
    print(
        f"\n== Goals (issue 16), in-process medians\n"
        f"cluster list, page of 20, vs its one DescribeCluster: {ratio:.2f}x "
        f"({ms(page)} vs {ms(call)} ms, taking turns)  goal: <= {LIST_GOAL}x  "
        f"{verdict(ratio <= LIST_GOAL)}\n"
        f"overview at {total} clusters, kept by the watcher: "
        f"{ms(overview.median)} ms  goal: <= {ms(OVERVIEW_GOAL)} ms  "
        f"{verdict(overview.median <= OVERVIEW_GOAL)}"
    )


# --- over the wire ----------------------------------------------------------------------

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def log_in(http, base: str) -> None:
    from console.accounts.demo_logins import demo_password

    form = http.get(f"{base}/accounts/login/")
    token = CSRF_FIELD.search(form.text)
    if form.status_code != 200 or token is None or "csrftoken" not in http.cookies:
        raise SystemExit(f"login form: HTTP {form.status_code}, no CSRF cookie or token")
    answer = http.post(
        f"{base}/accounts/login/",
        data={
            "username": WIRE_USER,
            "password": demo_password(WIRE_USER),
            "csrfmiddlewaretoken": token.group(1),
        },
    )
    if answer.status_code != 302 or "sessionid" not in http.cookies:
        raise SystemExit(f"login as {WIRE_USER} failed: HTTP {answer.status_code}")


def time_over_wire(http, url: str, page: Page, runs: int) -> list[float]:
    times = []
    for i in range(WARMUP + runs):
        started = time.perf_counter()
        response = http.get(url)
        elapsed = time.perf_counter() - started
        check_page(page, response.status_code, response.text, "over the wire")
        if i >= WARMUP:
            times.append(elapsed)
    return times


def over_the_wire(runs: int, clusters: int, latency: int, local: dict[str, float]) -> None:
    import httpx

    from tests import servers

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        server = servers.start(Path(tmp), "console", extra_clusters=clusters)
        try:
            print(
                f"\n== 3. Over the wire: Daphne console at {server.url} (migrated, seeded with "
                f"{clusters} more clusters and started in {time.perf_counter() - started:.1f} s);"
                f"\nhttpx, one keep-alive connection, logged in as {WIRE_USER} through the login "
                f"form; {runs} requests per page after {WARMUP} warm-up"
            )
            with httpx.Client(timeout=30) as http:
                log_in(http, server.url)
                found = http.get(f"{server.url}/clusters/", params={"q": DETAIL_CLUSTER})
                ids = ROW.findall(found.text)
                if len(ids) != 1:
                    raise SystemExit(f"{DETAIL_CLUSTER}: {len(ids)} matching rows")
                header = (
                    f"{'page':28} {'median ms':>9} {'p95 ms':>7} {'in-process median':>17} "
                    f"{'difference':>10}"
                )
                print(header)
                print("-" * len(header))
                detail = None
                for page in pages(clusters):
                    url = server.url + page.path.format(id=ids[0])
                    times = time_over_wire(http, url, page, runs)
                    median = statistics.median(times)
                    print(
                        f"{page.label:28} {ms(median):>9} {ms(p95(times)):>7} "
                        f"{ms(local[page.label]):>17} {ms(median - local[page.label]):>10}"
                    )
                    if page.is_detail:
                        detail = page, url
                if latency and detail:
                    server.manage("localcloud", "faults", "--latency-ms", str(latency))
                    try:
                        slow_runs = max(20, runs // 4)
                        times = time_over_wire(http, detail[1], detail[0], slow_runs)
                    finally:
                        server.manage("localcloud", "faults", "--clear")
                    print(
                        f"{f'  with +{latency} ms a call':28} {ms(statistics.median(times)):>9} "
                        f"{ms(p95(times)):>7}   ({slow_runs} requests)"
                    )
            print(
                "client-observed time on loopback: Daphne, HTTP and the whole body on top of\n"
                "the in-process figure; the client and the server share this machine's "
                f"{os.cpu_count()} CPUs"
            )
        finally:
            server.stop()


def setup_django(workdir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "console.settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["LOCALCLOUD_WORK_DIR"] = str(workdir / "work")
    os.environ["CONSOLE_RECORDINGS_DIR"] = str(workdir / "recordings")
    os.environ.pop("CONSOLE_CLOUD_URL", None)  # the embedded localcloud, in-process
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="in-process requests per page")
    parser.add_argument("--wire-runs", type=int, default=100, help="requests per page to Daphne")
    parser.add_argument("--clusters", type=int, default=1000, help="extra Running clusters")
    parser.add_argument(
        "--latency-ms",
        type=int,
        default=20,
        help="cloud latency for the cluster page's concurrency check (0: skip the check)",
    )
    parser.add_argument("--no-wire", action="store_true", help="skip the Daphne measurement")
    args = parser.parse_args()
    if args.runs < 1 or args.wire_runs < 1 or not 100 <= args.clusters <= 9999:
        parser.error("--runs and --wire-runs must be at least 1, --clusters 100 to 9999")
    if args.latency_ms < 0:
        parser.error("--latency-ms must not be negative")
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(Path(tmp))
        local = asyncio.run(in_process(args.runs, args.clusters, args.latency_ms))
    if not args.no_wire:
        over_the_wire(args.wire_runs, args.clusters, args.latency_ms, local)


if __name__ == "__main__":
    main()
