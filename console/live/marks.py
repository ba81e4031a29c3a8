"""A short mark of what a page shows of a cluster: equal marks, nothing to re-read."""

from __future__ import annotations

import dataclasses
import hashlib
import json

# What a page shows of a cluster: a change in any of these is worth a refresh.
WATCHED_FIELDS = (
    "Name", "Remark", "Status", "State", "Reason", "ExpireTime", "Tags", "ChargeType",
    "SubnetIDs", "APIServerEIPID", "MaxCPU", "MaxMemory", "MaxPods", "MaxStorage",
    "MaxStoragAllocation", "AllocatedCPU", "AllocatedMemory", "AllocatedPods",
    "ControllerPlaneStatus",
)  # fmt: skip


def fingerprint(cluster) -> str:
    shown = {name: getattr(cluster, name, None) for name in WATCHED_FIELDS}
    text = json.dumps(shown, default=_plain, sort_keys=True)
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def _plain(value):
    return dataclasses.asdict(value) if dataclasses.is_dataclass(value) else str(value)
