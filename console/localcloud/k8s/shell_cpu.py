"""CPU that a pod's own shells use now (kubectl exec, the console's pod terminal), so a
busy loop started in a pod shows in its metrics. Each pod's sandbox runs as a host user
of its own when localcloud runs as root (sandbox._uid_for its folder), so the processes
of that user are the pod's; otherwise shells cannot be told apart and count nothing.

A process's share is its CPU time over its lifetime: one look, no state kept, and a loop
that has run a few seconds shows as the core it takes."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

from .. import sandbox

CLOCK = os.sysconf("SC_CLK_TCK")
YOUNGEST = 0.5  # seconds: younger processes are not measured yet


def pod_user(cluster_id: str, namespace: str, pod: str) -> int:
    """The host user a pod's shells run as (the gateway's folder for the pod)."""
    folder = Path(settings.LOCALCLOUD_WORK_DIR) / "pods" / cluster_id / namespace / pod
    return sandbox._uid_for(folder)


def cores_by_user(uids: set[int]) -> dict[int, float]:
    """uid -> cores its processes use (only for uids given)."""
    if not uids or os.geteuid() != 0:
        return {}
    try:
        with open("/proc/uptime") as uptime_file:
            uptime = float(uptime_file.read().split()[0])
    except OSError:
        return {}
    found: dict[int, float] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            uid = entry.stat().st_uid
            if uid not in uids:
                continue
            with open(f"/proc/{entry.name}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        # After the command: state, ppid, ..., utime (12th), stime, ..., starttime (20th).
        used = (int(fields[11]) + int(fields[12])) / CLOCK
        age = uptime - int(fields[19]) / CLOCK
        if age >= YOUNGEST:
            found[uid] = found.get(uid, 0.0) + used / age
    return found
