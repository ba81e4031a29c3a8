"""Lines over time: TotalCount of the same search in slices of its range, drawn as a small
SVG whose bars narrow the search to their slice.

Slices sit on a grid (boundaries at multiples of the slice width since the epoch), so a
past slice is the same [a, b) in every request for the same range length and its count
can be kept in the shared cache: a one-hour histogram asks the cloud again only for the
last minutes of the slices younger than SETTLED_NS, instead of thirty slices. Those last
minutes are usually among the newest lines that the page's search has just returned: they
are then counted from those lines, without a call."""

from __future__ import annotations

import asyncio
import bisect
import hashlib
import itertools
import json
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest

from console.web import cloudcall

BARS = 30
AT_ONCE = 10  # concurrent counting calls, so one cold page does not flood the cloud
WIDTH, HEIGHT = 600, 60
# A slice is settled, and its count cached, once its end is this far in the past. Lines
# reach the cloud's store after the log agent's flush interval (seconds) and a few quick
# retries; a backlog later than that (an agent down for long) is counted again when a
# recent slice's short-lived entry expires.
SETTLED_NS = 2 * 60 * 1_000_000_000
RECENT_NS = 3600 * 1_000_000_000
RECENT_SECONDS = 10 * 60  # how long a slice of the last hour keeps its count
CACHED_SECONDS = 6 * 3600  # older counts change only when retention drops old lines
FINE_NS = 60 * 1_000_000_000  # the step by which a filling slice's settled part grows
SECOND_NS = 1_000_000_000


@dataclass
class Newest:
    """The times of the newest matching lines a search returned (oldest first) and how
    many matched in all: they hold every match younger than the oldest of them."""

    times: list[int]
    total: int

    def count(self, a: int, b: int) -> int | None:
        """Matches in [a, b) (inside the search's range), or None when some may be older
        than the lines returned (lines at the oldest time may have been cut)."""
        if len(self.times) < self.total and (not self.times or a <= self.times[0]):
            return None
        return bisect.bisect_left(self.times, b) - bisect.bisect_left(self.times, a)


@dataclass
class Bar:
    start: int
    end: int
    count: int
    x: float = 0
    y: float = 0
    width: float = 0
    height: float = 0


def slice_width(start: int, end: int, bars: int = BARS) -> int:
    """The grid step: range / bars, rounded up to a whole second for ranges of a minute
    or more so that the same range length always gives the same grid."""
    width = max(1, -(-(end - start) // bars))
    if end - start >= 60 * SECOND_NS:
        width = -(-width // SECOND_NS) * SECOND_NS
    return width


def slices(start: int, end: int, bars: int = BARS) -> list[tuple[int, int]]:
    """At most `bars` adjacent [a, b) grid slices ending at `end`: every one but the last
    is a whole grid cell; the first begins at the first grid line at or after `start`
    (the sliver before it, shorter than a slice, is left out so that no slice is cut)."""
    if end <= start:
        return []
    width = slice_width(start, end, bars)
    first = -(-start // width) * width
    if first >= end:  # a range shorter than one cell: one slice, as asked
        return [(start, end)]
    edges = [*range(first, end, width)[-bars:], end]
    return [(a, b) for a, b in itertools.pairwise(edges) if b > a]


def cache_key(company: int | None, region: str, params: dict, a: int, b: int) -> str:
    """Everything that decides a count: tenant, region, container, words, slice."""
    what = [company, region, a, b] + [
        params.get(name)
        for name in (
            "ClusterID",
            "Namespace",
            "Pod",
            "Container",
            "Keywords",
            "KeywordsIgnore",
            "NotInCluster",
        )
    ]
    digest = hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()
    return f"logs:count:{digest}"


async def count_bars(
    request: HttpRequest,
    params: dict,
    start: int,
    end: int,
    now: int | None = None,
    newest: asyncio.Future[Newest | None] | None = None,
) -> list[Bar]:
    """`newest`: the search's own lines, when it runs beside this; the slice still filling
    is counted from them when they reach back far enough."""
    # Role and tenant first: a cached count is read only for a user who may count these
    # lines, and under their own tenant's key, so one tenant never sees another's counts.
    company, region = await cloudcall.acting_for(request, "GetContainerLogs")
    settled_before = (now or time.time_ns()) - SETTLED_NS
    spans = slices(start, end)
    fine = max(1, min(slice_width(start, end) // 10, FINE_NS))
    keys = {span: cache_key(company, region, params, *span) for span in spans}
    cached = await cache.aget_many([keys[s] for s in spans if s[1] <= settled_before])
    gate = asyncio.Semaphore(AT_ONCE)

    async def count(a: int, b: int, key: str | None = None, filling: bool = False) -> int:
        """One counting call, or for a slice still `filling` the search's lines if they
        hold it; a settled slice's answer is kept."""
        key = key or cache_key(company, region, params, a, b)
        if key in cached:
            return cached[key]
        if b <= settled_before and (kept := await cache.aget(key)) is not None:
            return kept
        lines = await newest if filling and newest is not None else None
        total = lines.count(a, b) if lines is not None else None
        if total is None:
            async with gate:
                answer = await cloudcall.call(
                    request, "GetContainerLogs", **{**params, "Start": a, "End": b, "LineLimit": 1}
                )
            total = answer.TotalCount
        if b <= settled_before:
            recent = b > settled_before - RECENT_NS
            timeout = RECENT_SECONDS if recent else CACHED_SECONDS
            await cache.aset(key, total, timeout=timeout)
        return total

    async def settled_part(a: int, split: int) -> int:
        """[a, split) of a slice still filling: the count kept for the previous step of
        the fine grid plus that step, when it is kept; else counted whole."""
        key = cache_key(company, region, params, a, split)
        if (kept := await cache.aget(key)) is not None:
            return kept
        previous = split - fine
        if previous > a:
            before = await cache.aget(cache_key(company, region, params, a, previous))
            if before is not None:
                total = before + await count(previous, split, filling=True)
                await cache.aset(key, total, timeout=RECENT_SECONDS)
                return total
        return await count(a, split, key, filling=True)

    async def bar(a: int, b: int) -> Bar:
        if b <= settled_before:
            return Bar(a, b, await count(a, b, keys[(a, b)]))
        # Still filling: its settled part (kept, and grown a step of the fine grid at a
        # time) plus the young rest, counted each time.
        split = max(a, settled_before // fine * fine)
        if split == a:
            return Bar(a, b, await count(a, b, filling=True))
        older, rest = await asyncio.gather(settled_part(a, split), count(split, b, filling=True))
        return Bar(a, b, older + rest)

    bars = await asyncio.gather(*(bar(a, b) for a, b in spans))
    return layout(list(bars))


def layout(bars: list[Bar]) -> list[Bar]:
    """Bars placed by time, so the last slice, still filling, is drawn as wide as it is."""
    if not bars:
        return bars
    tallest = max(b.count for b in bars) or 1
    first, span = bars[0].start, (bars[-1].end - bars[0].start) or 1
    for bar in bars:
        bar.x = WIDTH * (bar.start - first) / span
        bar.width = max(WIDTH * (bar.end - bar.start) / span - 1, 1)
        bar.height = 0 if not bar.count else max(2.0, HEIGHT * bar.count / tallest)
        bar.y = HEIGHT - bar.height
    return bars
