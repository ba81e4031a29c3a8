"""Usage over the last hour as small server-drawn SVG charts (like the log histogram): the
geometry of each line, the hover text of each moment, and the rows a screen reader gets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from .history import POINTS

HOUR = 3600
WIDTH, HEIGHT = 600, 120
SPARK_WIDTH, SPARK_HEIGHT = 120, 24
HEADROOM = 1.25  # the top of a chart above its highest used or allocated value
TABLE_EVERY = 20  # one screen-reader row per five minutes of 15 s samples


def cores(nanocores: int | None) -> float | None:
    return None if nanocores is None else nanocores / 1e9


def gib(kib: int | None) -> float | None:
    return None if kib is None else kib / 1024**2


def clock(at: int) -> str:
    """A sample's time of day in the viewer's time zone."""
    return timezone.localtime(datetime.fromtimestamp(at, UTC)).strftime("%H:%M:%S")


@dataclass
class Line:
    kind: str  # "used", "allocated", "maximum": the CSS class
    label: str
    values: list[float | None]
    segments: list[str] = field(default_factory=list)  # SVG polyline points, one per run


@dataclass
class Moment:
    x: float
    width: float
    text: str


@dataclass
class Chart:
    title: str
    unit: str
    lines: list[Line]
    at: list[int]
    width: int = WIDTH
    height: int = HEIGHT
    top: float = 0
    moments: list[Moment] = field(default_factory=list)
    above: list[tuple[Line, str]] = field(default_factory=list)  # named, not drawn
    rows: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def first_clock(self) -> str:
        return clock(self.at[-1] - HOUR) if self.at else ""

    @property
    def last_clock(self) -> str:
        return clock(self.at[-1]) if self.at else ""

    @property
    def top_text(self) -> str:
        return number(self.top)

    @property
    def latest(self) -> list[tuple[Line, str]]:
        return [(line, number(last(line.values))) for line in self.lines]


def last(values: list) -> float | None:
    return next((v for v in reversed(values) if v is not None), None)


def number(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def _x(at: int, end: int, width: float) -> float:
    return max(0.0, width - (end - at) / HOUR * width)


def _segments(
    at: list[int], values: list, end: int, top: float, width: float, height: float, stub=0.04
):
    runs, current = [], []
    for t, value in zip(at, values, strict=False):
        if value is None:
            if current:
                runs.append(current)
            current = []
            continue
        y = height - min(value / top, 1.0) * height
        current.append(f"{_x(t, end, width):.1f},{y:.1f}")
    if current:
        runs.append(current)
    # A lone point (the first sample, or one between gaps) is drawn as a short flat stub.
    return [" ".join(run if len(run) > 1 else [_stub(run[0], width * stub), *run]) for run in runs]


def _stub(point: str, length: float) -> str:
    x, y = point.split(",")
    return f"{max(0.0, float(x) - length):.1f},{y}"


def line_chart(title: str, unit: str, at: list[int], lines: list[Line]) -> Chart:
    """Lines over the last hour ending at the newest sample. Lines that would squash the
    rest (a maximum far above use) are named in the legend instead of drawn."""
    chart = Chart(title, unit, lines, at[-POINTS:])
    end = at[-1] if at else 0
    drawn = [line for line in lines if line.kind != "maximum"]
    highest = max((v for line in drawn for v in line.values if v is not None), default=0)
    chart.top = (highest * HEADROOM) or 1.0
    for line in lines:
        if line.kind == "maximum" and (last(line.values) or 0) > chart.top:
            chart.above.append((line, number(last(line.values))))
            continue
        line.segments = _segments(at, line.values, end, chart.top, WIDTH, HEIGHT)
    step = WIDTH / POINTS
    for i, t in enumerate(at):
        parts = [f"{line.label} {number(line.values[i])}" for line in lines]
        text = f"{clock(t)} · " + ", ".join(parts) + f" {unit}"
        chart.moments.append(Moment(_x(t, end, WIDTH) - step / 2, step, text))
    newest_first = list(range(len(at) - 1, -1, -TABLE_EVERY))
    chart.rows = [(clock(at[i]), [number(line.values[i]) for line in lines]) for i in newest_first]
    return chart


def cluster_charts(kept: dict) -> list[Chart]:
    """CPU and memory, used vs allocated vs maximum, of a cluster's record."""
    at = kept["at"]
    cpu = line_chart(
        _("CPU"),
        _("cores"),
        at,
        [
            Line("used", _("used"), [cores(v) for v in kept["cpu"]]),
            Line("allocated", _("allocated"), list(kept["allocated_cpu"])),
            Line("maximum", _("maximum"), list(kept["max_cpu"])),
        ],
    )
    memory = line_chart(
        _("Memory"),
        _("GiB"),
        at,
        [
            Line("used", _("used"), [gib(v) for v in kept["memory"]]),
            Line("allocated", _("allocated"), list(kept["allocated_memory"])),
            Line("maximum", _("maximum"), list(kept["max_memory"])),
        ],
    )
    return [cpu, memory]


@dataclass
class Spark:
    points: str
    latest: str
    text: str


def sparkline(at: list[int], values: list, unit: str) -> Spark | None:
    """A tiny line of one series over the hour; None without a value."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    end = at[-1]
    top = max(present) * HEADROOM or 1.0
    runs = _segments(at, values, end, top, SPARK_WIDTH, SPARK_HEIGHT, stub=0.12)
    latest = number(last(values))
    text = _("%(latest)s %(unit)s now, at most %(most)s in the last hour") % {
        "latest": latest,
        "unit": unit,
        "most": number(max(present)),
    }
    return Spark(" ".join(runs), latest, text)


def container_charts(at: list[int], series: dict) -> list[Chart]:
    """CPU and memory used by one container over the hour."""
    return [
        line_chart(_("CPU"), _("cores"), at,
                   [Line("used", _("used"), [cores(v) for v in series["cpu"]])]),
        line_chart(_("Memory"), _("GiB"), at,
                   [Line("used", _("used"), [gib(v) for v in series["memory"]])]),
    ]  # fmt: skip
