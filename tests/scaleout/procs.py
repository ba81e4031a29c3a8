"""Processes of a running layout, read from /proc (Linux): which one serves a port, and
its memory, open files and children, for the resilience tests and bench/chaos.py."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def worker_pid(port: int) -> int | None:
    """The Daphne process started with `-p port`, or None while there is none."""
    wanted = ["-p", str(port)]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        words = [a.decode(errors="replace") for a in argv]
        if any("daphne" in w for w in words[:3]) and any(
            words[i : i + 2] == wanted for i in range(len(words))
        ):
            return int(entry.name)
    return None


@dataclass(frozen=True)
class Usage:
    rss_mb: float
    open_files: int
    children: int


def usage(pid: int) -> Usage:
    status = Path(f"/proc/{pid}/status").read_text()
    rss_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
    return Usage(rss_kb / 1024, len(os.listdir(f"/proc/{pid}/fd")), len(descendants(pid)))


def descendants(pid: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        current = frontier.pop()
        children = [p for p, parent in parents.items() if parent == current]
        found += children
        frontier += children
    return found
