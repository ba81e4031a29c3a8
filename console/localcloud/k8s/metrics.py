"""The usage model behind metrics.k8s.io: what each container of a running pod uses, as a
pure function of the pod's uid, the container, its requests and the time window, so two
reads in the same window agree (and a test can recompute any moment).

A container's CPU is a baseline share of its request (15-45 %, its own), times a daily
rhythm (busiest at its own hour), times a burst now and then (a few five-minute spells an
hour), with a little jitter per window; memory is steadier: a baseline (30-60 %) drifting
slowly over the hour. Both stay under 95 % of the request, which localcloud also uses as
the limit (its pods keep no separate limits)."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

WINDOW = 15  # seconds: metrics-server's default resolution; one value per window
DAY = 86400
BURST_SPELL = 300  # a burst lasts one five-minute spell
BURST_CHANCE = 0.08
CEILING = 0.95  # of the request


@dataclass(frozen=True)
class Usage:
    cpu_cores: float
    memory_gib: float

    @property
    def nanocores(self) -> int:
        return round(self.cpu_cores * 1e9)

    @property
    def kib(self) -> int:
        return round(self.memory_gib * 1024 * 1024)


def window_end(now: float) -> int:
    """The end of the window `now` falls in: the moment the value was 'measured'."""
    return int(now // WINDOW) * WINDOW


def _unit(*parts: object) -> float:
    """A number in [0, 1) fixed by its parts."""
    text = "/".join(str(p) for p in parts).encode()
    digest = hashlib.blake2b(text, digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def container_usage(uid: str, container: str, cpu: float, memory: float, at: int) -> Usage:
    """Usage of one container with requests `cpu` (cores) and `memory` (GiB) at window
    end `at` (window_end of a time)."""
    key = f"{uid}/{container}"
    baseline = 0.15 + 0.30 * _unit(key, "cpu")
    busiest = _unit(key, "hour")  # the fraction of the day it is busiest at
    rhythm = 1 + 0.35 * math.cos(2 * math.pi * (at / DAY - busiest))
    burst = 1.8 if _unit(key, "burst", at // BURST_SPELL) < BURST_CHANCE else 1.0
    jitter = 0.9 + 0.2 * _unit(key, "jitter", at // WINDOW)
    cpu_share = min(CEILING, max(0.01, baseline * rhythm * burst * jitter))
    held = 0.30 + 0.30 * _unit(key, "memory")
    drift = 0.05 * math.sin(2 * math.pi * (at / 3600 + _unit(key, "drift")))
    wobble = 0.01 * _unit(key, "wobble", at // WINDOW)
    memory_share = min(CEILING, max(0.05, held + drift + wobble))
    return Usage(cpu * cpu_share, memory * memory_share)


def pod_usage(pod, at: int, shell_cores: float = 0.0) -> list[tuple[str, Usage]]:
    """(container name, usage) of a localcloud Pod row; each container's requests are the
    pod's divided evenly, as the Pod object shows them. `shell_cores`: what the pod's own
    shells use now (shell_cpu.py), added to its first container up to the ceiling."""
    share = max(len(pod.containers), 1)
    found = []
    for i, c in enumerate(pod.containers):
        cpu, memory = pod.cpu / share, pod.memory / share
        usage = container_usage(pod.uid, c["name"], cpu, memory, at)
        if i == 0 and shell_cores > 0:
            busy = min(cpu * CEILING, usage.cpu_cores + shell_cores)
            usage = Usage(max(busy, usage.cpu_cores), usage.memory_gib)
        found.append((c["name"], usage))
    return found
