"""Lines over time: TotalCount of the same search in equal slices of its range, drawn as
a small SVG whose bars narrow the search to their slice."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass

from django.http import HttpRequest

from console.web import cloudcall

BARS = 30
AT_ONCE = 6  # concurrent counting calls, so one page does not flood the cloud
WIDTH, HEIGHT = 600, 60


@dataclass
class Bar:
    start: int
    end: int
    count: int
    x: float = 0
    y: float = 0
    width: float = 0
    height: float = 0


def slices(start: int, end: int, bars: int = BARS) -> list[tuple[int, int]]:
    """`bars` adjacent [a, b) slices covering [start, end) exactly (fewer if it is short)."""
    bars = max(1, min(bars, end - start))
    edges = [start + (end - start) * i // bars for i in range(bars + 1)]
    return list(itertools.pairwise(edges))


async def count_bars(request: HttpRequest, params: dict, start: int, end: int) -> list[Bar]:
    gate = asyncio.Semaphore(AT_ONCE)

    async def count(a: int, b: int) -> Bar:
        async with gate:
            answer = await cloudcall.call(
                request, "GetContainerLogs", **{**params, "Start": a, "End": b, "LineLimit": 1}
            )
        return Bar(a, b, answer.TotalCount)

    bars = await asyncio.gather(*(count(a, b) for a, b in slices(start, end)))
    return layout(list(bars))


def layout(bars: list[Bar]) -> list[Bar]:
    tallest = max((b.count for b in bars), default=0) or 1
    step = WIDTH / max(len(bars), 1)
    for i, bar in enumerate(bars):
        bar.width = max(step - 1, 1)
        bar.x = i * step
        bar.height = 0 if not bar.count else max(2.0, HEIGHT * bar.count / tallest)
        bar.y = HEIGHT - bar.height
    return bars
