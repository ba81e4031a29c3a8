"""DescribeCluster calls per second: CloudClient against raw httpx, over loopback.

Starts localcloud as its own process (tests/servers.py) with the demo data and 1,000 extra
Running clusters in a fresh SQLite database, or uses --url. Each mode (sequential, N
concurrent) runs the same number of calls through CloudClient and through one shared
httpx.AsyncClient posting a form body that was encoded and signed once (no validation, no
JSON parsing), so the client's overhead shows as a ratio. Prints figures only; nothing
here asserts on timing.

    .venv/bin/python bench/api_client.py [--calls 500] [--concurrency 50] [--url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")

import django  # noqa: E402

django.setup()

import httpx  # noqa: E402
from django.conf import settings  # noqa: E402

from console.cloud import actions, signing  # noqa: E402
from console.cloud.client import ENVELOPE, CloudClient, CloudError, CloudUnavailable  # noqa: E402
from tests import servers  # noqa: E402

ACTION = "DescribeCluster"
MAX_CONNECTIONS = 100  # CloudClient's default pool size; the raw client gets the same
TIMEOUT = 30.0

Call = Callable[[], Awaitable[object]]


@dataclass
class Result:
    calls: int
    seconds: float
    latencies: list[float]  # seconds, one per call

    @property
    def per_second(self) -> float:
        return self.calls / self.seconds

    def percentile(self, p: int) -> float:
        """p-th percentile latency in milliseconds."""
        if len(self.latencies) == 1:
            return self.latencies[0] * 1000
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1] * 1000


async def measure(call: Call, calls: int, concurrency: int) -> Result:
    """Run exactly `calls` calls with at most `concurrency` in flight."""
    latencies: list[float] = []
    counter = itertools.count()

    async def worker() -> None:
        while next(counter) < calls:
            started = time.perf_counter()
            await call()
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for _ in range(max(1, min(concurrency, calls))):
            group.create_task(worker())
    return Result(calls, time.perf_counter() - started, latencies)


# Issue 16: JSON decoding plus response models, per ClusterInfo of the answer.
DECODE_GOAL_US = 20


def raw_body(region: str, limit: int, public_key: str, private_key: str) -> bytes:
    """The form body CloudClient would send, flattened and signed once with signing."""
    body = signing.flatten({"Action": ACTION, "Region": region, "Limit": limit})
    if public_key:
        body["PublicKey"] = public_key
        body["Signature"] = signing.signature(body, private_key)
    return urlencode(body).encode()


def client_side_cost(
    client: CloudClient, params: dict, answer: bytes, batches: int = 7, rounds: int = 20
) -> tuple[float, float]:
    """In-process microseconds per call (median of batches): validate+encode+sign, and
    JSON decoding + response models, i.e. the work CloudClient does that raw httpx skips."""
    spec = actions.ACTIONS[ACTION]

    def per_call(work: Callable[[], object]) -> float:
        times = []
        for _ in range(batches):
            started = time.perf_counter()
            for _ in range(rounds):
                work()
            times.append((time.perf_counter() - started) / rounds)
        return statistics.median(times) * 1e6

    encode = per_call(lambda: client.encode(ACTION, actions.validate(spec, params)))
    # What CloudClient does with an answer: RetCode and Message, then the model from the
    # same bytes.
    parse = per_call(lambda: (ENVELOPE.decode(answer), spec.response.decode(answer)))
    return encode, parse


async def compare(
    mode: str, paths: dict[str, Call], calls: int, concurrency: int, warmup: int
) -> None:
    """One table row pair and its ratio. Warm-up on both paths, then A B B A halves so a
    drift of the machine during the run weighs on both paths alike."""
    for call in paths.values():
        await measure(call, warmup, concurrency)
    first, second = calls // 2, calls - calls // 2
    results = {name: Result(0, 0.0, []) for name in paths}
    order = [*paths, *reversed(paths)]
    for name, n in zip(order, (first, first, second, second), strict=True):
        half = await measure(paths[name], n, concurrency)
        total = results[name]
        total.calls += half.calls
        total.seconds += half.seconds
        total.latencies += half.latencies
    for name, result in results.items():
        print(
            f"{mode:<16} {name:<12} {result.per_second:>9.1f} "
            f"{result.percentile(50):>8.2f} {result.percentile(95):>8.2f}"
        )
    ours, raw = results.values()
    print(
        f"{'':<16} {'ratio':<12} {ours.per_second / raw.per_second:>9.2f} "
        f"{ours.percentile(50) / raw.percentile(50):>8.2f} "
        f"{ours.percentile(95) / raw.percentile(95):>8.2f}   CloudClient/raw"
    )


async def bench_limit(
    url: str, args: argparse.Namespace, limit: int, calls: int, keys: tuple[str, str]
) -> None:
    public_key, private_key = keys
    params = {"Region": args.region, "Limit": limit}
    payload = raw_body(args.region, limit, public_key, private_key)
    pool = httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS)
    async with (
        CloudClient(url, public_key, private_key, timeout=TIMEOUT) as client,
        httpx.AsyncClient(
            base_url=url.rstrip("/"),
            timeout=TIMEOUT,
            limits=pool,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ) as http,
    ):
        # Once, before measuring: the endpoint answers, holds enough clusters, and
        # accepts the raw body.
        try:
            first = await client.call(ACTION, **params)
        except (CloudError, CloudUnavailable) as exc:
            raise SystemExit(f"{url}: {exc}") from None
        if first.TotalCount < args.min_clusters:
            raise SystemExit(
                f"{url} has {first.TotalCount} clusters in {args.region}, "
                f"fewer than {args.min_clusters}: nothing to measure"
            )
        check = await http.post("/api", content=payload)
        answer = check.content
        if check.status_code != 200 or json.loads(answer).get("RetCode") != 0:
            raise SystemExit(f"raw call refused: HTTP {check.status_code} {answer[:200]!r}")

        async def via_client() -> None:
            await client.call(ACTION, **params)

        async def via_raw() -> None:
            # The answer is read in full (httpx does) but neither decoded nor checked.
            response = await http.post("/api", content=payload)
            if response.status_code != 200:
                raise RuntimeError(f"raw call: HTTP {response.status_code}")

        print(
            f"\nDescribeCluster Limit={limit}: TotalCount {first.TotalCount}, "
            f"{len(first.Infos)} infos, answer {len(answer) / 1024:.1f} KiB; "
            f"{calls} calls per cell after {args.warmup} warm-up calls"
        )
        print(f"{'mode':<16} {'path':<12} {'calls/s':>9} {'p50 ms':>8} {'p95 ms':>8}")
        paths = {"CloudClient": via_client, "raw httpx": via_raw}
        await compare("sequential", paths, calls, 1, args.warmup)
        mode = f"{args.concurrency} concurrent"
        await compare(mode, paths, calls, args.concurrency, args.warmup)
        encode_us, parse_us = client_side_cost(client, params, answer)
        print(
            f"CloudClient's own work per call (in-process, no network): validate+encode+sign "
            f"{encode_us:.0f} us, JSON decode+response models {parse_us:.0f} us"
        )
        per_info = parse_us / max(len(first.Infos), 1)
        print(
            f"response decoding per ClusterInfo {per_info:.1f} us "
            f"(goal <= {DECODE_GOAL_US} us: "
            f"{'goal: met' if per_info <= DECODE_GOAL_US else 'goal: not met'})"
        )


async def run(url: str, args: argparse.Namespace, keys: tuple[str, str]) -> None:
    await bench_limit(url, args, args.limit, args.calls, keys)
    if args.also_limit:
        await bench_limit(url, args, args.also_limit, args.also_calls, keys)


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--calls", type=positive, default=500, help="calls per cell (default 500)")
    add("--concurrency", type=positive, default=50, help="calls in flight (default 50)")
    add("--warmup", type=int, default=50, help="unmeasured calls per path before each mode")
    add("--limit", type=positive, default=20, help="DescribeCluster Limit (default 20)")
    add("--also-limit", type=int, default=100, help="a second, shorter run; 0 skips it")
    add("--also-calls", type=positive, default=150, help="calls per cell of that run")
    add("--clusters", type=int, default=1000, help="extra clusters seeded into localcloud")
    add("--min-clusters", type=int, default=1000, help="refuse to measure with fewer")
    add("--region", default="cn-bj2")
    add(
        "--url",
        help="an already running endpoint instead of starting localcloud "
        "(keys from CONSOLE_PUBLIC_KEY / CONSOLE_PRIVATE_KEY)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.url:
        print(f"endpoint {args.url} (already running)")
        asyncio.run(
            run(args.url, args, (settings.CONSOLE_PUBLIC_KEY, settings.CONSOLE_PRIVATE_KEY))
        )
        return
    with tempfile.TemporaryDirectory(prefix="bench-api-client-") as tmp:
        started = time.perf_counter()
        server = servers.start(Path(tmp), "localcloud", extra_clusters=args.clusters)
        try:
            print(
                f"localcloud {server.url} (own process, SQLite, demo data + {args.clusters} "
                f"clusters, started in {time.perf_counter() - started:.1f} s)"
            )
            # The admin key that localcloud made when it was seeded.
            asyncio.run(run(server.url, args, server.keys()))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
