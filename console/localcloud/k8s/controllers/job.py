"""The Job controller: up to `parallelism` pods run at a time until `completions` of them
have succeeded; each pod runs for LOCALCLOUD_JOB_SECONDS, then Succeeded. Time moves on
lazily (advance, at each request to the cluster's API), as lifecycle.py does for clusters."""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings

from ...models import Cluster
from ..store import epoch_of, timestamp
from .base import JOBS, PODS, new_pod, now, owned_pods, random_suffix, save
from .events import record_event

# The labels the API server gives a Job's selector, template and pods (Kubernetes 1.27+).
UID_LABELS = ("batch.kubernetes.io/controller-uid", "controller-uid")
NAME_LABELS = ("batch.kubernetes.io/job-name", "job-name")


def reconcile(cluster: Cluster, job: dict, suffixes: Iterator[str] | None = None) -> None:
    """A Job written through the API: defaults and labels once, then its pods start."""
    _default(job)
    status = job.setdefault("status", {})
    if finished(job):
        save(cluster, JOBS, job)
        return
    status.setdefault("startTime", timestamp(now()))
    _progress(cluster, job, suffixes)
    save(cluster, JOBS, job)


def advance(cluster: Cluster, job: dict) -> None:
    """Pods whose time has come succeed; the job starts more or completes."""
    if not finished(job) and _progress(cluster, job, None):
        save(cluster, JOBS, job)


def finished(job: dict) -> bool:
    return any(
        c.get("type") in ("Complete", "Failed") and c.get("status") == "True"
        for c in (job.get("status") or {}).get("conditions") or []
    )


def _default(job: dict) -> None:
    meta, spec = job["metadata"], job.setdefault("spec", {})
    for key, value in (("completions", 1), ("parallelism", 1), ("backoffLimit", 6)):
        spec.setdefault(key, value)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    labels = {
        **dict.fromkeys(UID_LABELS, meta["uid"]),
        **dict.fromkeys(NAME_LABELS, meta["name"]),
    }
    template_meta = spec.setdefault("template", {}).setdefault("metadata", {})
    template_meta["labels"] = {**(template_meta.get("labels") or {}), **labels}
    if not spec.get("manualSelector"):
        spec["selector"] = {"matchLabels": {UID_LABELS[0]: meta["uid"]}}


def _progress(cluster: Cluster, job: dict, suffixes: Iterator[str] | None) -> bool:
    """One step of the job at this moment; True when anything changed."""
    spec, status = job["spec"], job["status"]
    moment, changed = now(), False
    pods = owned_pods(cluster, job)
    for pod in pods:
        started = epoch_of(pod["metadata"]["creationTimestamp"])
        if pod["status"].get("phase") == "Running" and started + _seconds() <= moment:
            pod["status"]["phase"] = "Succeeded"
            save(cluster, PODS, pod)
            changed = True
    succeeded = sum(1 for p in pods if p["status"].get("phase") == "Succeeded")
    active = sum(1 for p in pods if p["status"].get("phase") == "Running")
    completions, parallelism = int(spec["completions"]), int(spec["parallelism"])
    if succeeded < completions:
        for _ in range(max(min(parallelism, completions - succeeded) - active, 0)):
            suffix = next(suffixes, None) if suffixes else None
            new_pod(cluster, job, f"{job['metadata']['name']}-{suffix or random_suffix()}")
            active += 1
            changed = True
    status.update({"ready": active, "uncountedTerminatedPods": {}, "terminating": 0})
    status.pop("active", None)
    if active:
        status["active"] = active
    if succeeded:
        status["succeeded"] = succeeded
    if succeeded >= completions and not finished(job):
        stamp = timestamp(moment)
        status["completionTime"] = stamp
        status["conditions"] = [
            {
                "type": "Complete",
                "status": "True",
                "lastProbeTime": stamp,
                "lastTransitionTime": stamp,
                "reason": "CompletionsReached",
                "message": "Reached expected number of succeeded pods",
            }
        ]
        record_event(cluster, job, "Completed", "Job completed")
        changed = True
    return changed


def _seconds() -> float:
    return float(settings.LOCALCLOUD_JOB_SECONDS)
