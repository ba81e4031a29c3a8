"""An hour of usage samples per watched cluster, kept in the shared cache so every console
process draws the same charts: one record for the cluster (totals, allocated, maximum,
each super node, the latest value of each pod) and one per pod (its containers).

Values are kept as the metrics API gives them, nanocores and KiB (sums stay exact, so a
chart's number equals the API's). Bounded: POINTS samples per series, MOST_PODS pods and
MOST_NODES nodes per cluster; a record nobody samples any more expires after an hour."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.cache import cache

POINTS = 240  # an hour at 15 s
MOST_PODS = 500
MOST_NODES = 100
KEEP_SECONDS = 3900  # a little over the hour the history covers
# A cluster that never answered is looked at again by each page anyway: its note is kept
# briefly, so made-up cluster IDs do not fill the shared cache for an hour each.
FAILED_SECONDS = 60


@dataclass(frozen=True)
class Scope:
    """One cluster as one tenant sees it: history is never shared across tenants."""

    company_id: int | None
    region: str
    cluster_id: str

    @property
    def key(self) -> str:
        return f"{int(self.company_id or 0)}:{self.region}:{self.cluster_id}"


@dataclass
class Sample:
    """One look at the metrics API (at: the window's end, epoch seconds)."""

    at: int
    cpu: int = 0  # nanocores, all pods
    memory: int = 0  # KiB
    allocated_cpu: float = 0  # cores, as DescribeCluster says
    allocated_memory: float = 0  # GiB
    max_cpu: float = 0
    max_memory: float = 0
    nodes: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (cpu, memory)
    # "namespace/name" -> {container: (cpu, memory)}
    pods: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)


CLUSTER_SERIES = ("at", "cpu", "memory", "allocated_cpu", "allocated_memory", "max_cpu",
                  "max_memory")  # fmt: skip


def cluster_key(scope: Scope) -> str:
    return f"usage:cluster:{scope.key}"


def pod_key(scope: Scope, pod: str) -> str:
    return f"usage:pod:{scope.key}:{pod}"


def _append(series: list, value) -> None:
    series.append(value)
    del series[:-POINTS]


def empty_cluster() -> dict:
    return {
        **{name: [] for name in CLUSTER_SERIES},
        "nodes": {},
        "pods_now": {},
        "state": "",
        "message": "",
    }


async def record(scope: Scope, sample: Sample) -> None:
    """Add one sample to the cluster's record and to each pod's."""
    kept = await cache.aget(cluster_key(scope)) or empty_cluster()
    if kept["at"] and kept["at"][-1] >= sample.at:
        return  # this window is already in (another holder sampled it)
    for name in CLUSTER_SERIES:
        _append(kept[name], getattr(sample, name))
    for name, (cpu, memory) in list(sample.nodes.items())[:MOST_NODES]:
        node = kept["nodes"].setdefault(name, {"at": [], "cpu": [], "memory": []})
        for series, value in (("at", sample.at), ("cpu", cpu), ("memory", memory)):
            _append(node[series], value)
    kept["nodes"] = {n: v for n, v in kept["nodes"].items() if n in sample.nodes}
    pods = dict(list(sample.pods.items())[:MOST_PODS])
    kept["pods_now"] = {
        pod: [sum(c[0] for c in containers.values()), sum(c[1] for c in containers.values())]
        for pod, containers in pods.items()
    }
    kept["state"], kept["message"] = "ok", ""
    await cache.aset(cluster_key(scope), kept, timeout=KEEP_SECONDS)
    keys = {pod: pod_key(scope, pod) for pod in pods}
    before = await cache.aget_many(list(keys.values()))
    after = {}
    for pod, containers in pods.items():
        history = before.get(keys[pod]) or {"at": [], "containers": {}}
        _append(history["at"], sample.at)
        for name, (cpu, memory) in containers.items():
            series = history["containers"].setdefault(name, {"cpu": [], "memory": []})
            # A container that appears later is padded, so its points line up with "at".
            missing = len(history["at"]) - 1 - len(series["cpu"])
            series["cpu"][:0], series["memory"][:0] = [None] * missing, [None] * missing
            _append(series["cpu"], cpu)
            _append(series["memory"], memory)
        for name, series in history["containers"].items():
            if name not in containers:  # gone from the pod: a gap, so the rest line up
                _append(series["cpu"], None)
                _append(series["memory"], None)
        after[keys[pod]] = history
    if after:
        await cache.aset_many(after, timeout=KEEP_SECONDS)


async def record_failure(scope: Scope, state: str, message: str) -> None:
    """The cloud has no metrics API ("missing") or the look failed ("error"): the charts
    say so, and keep what was sampled before."""
    kept = await cache.aget(cluster_key(scope)) or empty_cluster()
    kept["state"], kept["message"] = state, message
    await cache.aset(
        cluster_key(scope), kept, timeout=KEEP_SECONDS if kept["at"] else FAILED_SECONDS
    )


async def cluster(scope: Scope) -> dict | None:
    return await cache.aget(cluster_key(scope))


async def pods(scope: Scope, names: list[str]) -> dict[str, dict]:
    """name -> the pod's history, for the pods that have one."""
    keys = {pod_key(scope, name): name for name in names}
    found = await cache.aget_many(list(keys))
    return {keys[k]: v for k, v in found.items()}
