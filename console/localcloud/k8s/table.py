"""The server-side Table format (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`)
with the columns kubectl shows for each kind."""

from __future__ import annotations

import time

from .store import epoch_of


def age(stamp: str) -> str:
    seconds = max(0, int(time.time()) - epoch_of(stamp))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size * (2 if unit != "m" else 1):
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _ready(obj: dict) -> str:
    statuses = (obj.get("status") or {}).get("containerStatuses") or []
    return f"{sum(1 for s in statuses if s.get('ready'))}/{len(statuses)}"


def _replicas(obj: dict) -> tuple[int, int, int, int]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return (
        spec.get("replicas", 1),
        status.get("replicas", 0),
        status.get("readyReplicas", 0),
        status.get("availableReplicas", 0),
    )


def _pod_status(obj: dict) -> str:
    """The phase, or a finished container's reason (Completed), as kubectl prints it."""
    status = obj.get("status") or {}
    for container in status.get("containerStatuses") or []:
        reason = ((container.get("state") or {}).get("terminated") or {}).get("reason")
        if reason:
            return reason
    return status.get("phase", "")


def _job_status(obj: dict) -> str:
    conditions = (obj.get("status") or {}).get("conditions") or []
    done = [c["type"] for c in conditions if c.get("status") == "True"]
    return "Complete" if "Complete" in done else "Failed" if "Failed" in done else "Running"


def _ports(obj: dict) -> str:
    ports = (obj.get("spec") or {}).get("ports") or []
    return ",".join(f"{p.get('port')}/{p.get('protocol', 'TCP')}" for p in ports) or "<none>"


COLUMNS = {
    "Pod": [
        ("Ready", "string", _ready),
        ("Status", "string", _pod_status),
        ("Restarts", "integer", lambda o: 0),
    ],
    "Deployment": [
        ("Ready", "string", lambda o: f"{_replicas(o)[2]}/{_replicas(o)[0]}"),
        ("Up-to-date", "integer", lambda o: _replicas(o)[1]),
        ("Available", "integer", lambda o: _replicas(o)[3]),
    ],
    "ReplicaSet": [
        ("Desired", "integer", lambda o: _replicas(o)[0]),
        ("Current", "integer", lambda o: _replicas(o)[1]),
        ("Ready", "integer", lambda o: _replicas(o)[2]),
    ],
    "StatefulSet": [("Ready", "string", lambda o: f"{_replicas(o)[2]}/{_replicas(o)[0]}")],
    "DaemonSet": [
        (column, "integer", lambda o, key=key: (o.get("status") or {}).get(key, 0))
        for column, key in (
            ("Desired", "desiredNumberScheduled"),
            ("Current", "currentNumberScheduled"),
            ("Ready", "numberReady"),
            ("Up-to-date", "updatedNumberScheduled"),
            ("Available", "numberAvailable"),
        )
    ],
    "Job": [
        ("Status", "string", _job_status),
        (
            "Completions",
            "string",
            lambda o: (
                f"{(o.get('status') or {}).get('succeeded', 0)}/"
                f"{(o.get('spec') or {}).get('completions', 1)}"
            ),
        ),
    ],
    "Service": [
        ("Type", "string", lambda o: (o.get("spec") or {}).get("type", "ClusterIP")),
        ("Cluster-IP", "string", lambda o: (o.get("spec") or {}).get("clusterIP", "<none>")),
        ("Port(s)", "string", _ports),
    ],
    "ConfigMap": [("Data", "integer", lambda o: len(o.get("data") or {}))],
    "Secret": [
        ("Type", "string", lambda o: o.get("type", "Opaque")),
        ("Data", "integer", lambda o: len(o.get("data") or {})),
    ],
    "Namespace": [("Status", "string", lambda o: (o.get("status") or {}).get("phase", ""))],
    "Node": [
        ("Status", "string", lambda o: "Ready"),
        ("Roles", "string", lambda o: "agent"),
        ("Version", "string", lambda o: o["status"]["nodeInfo"]["kubeletVersion"]),
    ],
    "Event": [
        ("Type", "string", lambda o: o.get("type", "")),
        ("Reason", "string", lambda o: o.get("reason", "")),
        (
            "Object",
            "string",
            lambda o: (
                f"{(o.get('involvedObject') or {}).get('kind', '').lower()}/"
                f"{(o.get('involvedObject') or {}).get('name', '')}"
            ),
        ),
        ("Message", "string", lambda o: o.get("message", "")),
    ],
}


def as_table(kind: str, items: list[dict], resource_version: str) -> dict:
    columns = [("Name", "string", lambda o: o["metadata"]["name"]), *COLUMNS.get(kind, [])]
    columns.append(("Age", "string", lambda o: age(o["metadata"].get("creationTimestamp", ""))))
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": resource_version},
        "columnDefinitions": [
            {
                "name": name,
                "type": kind_,
                "format": "name" if name == "Name" else "",
                "description": "",
                "priority": 0,
            }
            for name, kind_, _ in columns
        ],
        "rows": [
            {
                "cells": [cell(o) for _, _, cell in columns],
                "object": {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": o["metadata"],
                },
            }
            for o in items
        ],
    }
