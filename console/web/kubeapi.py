"""Reading a cluster's Kubernetes API through ForwardCluster, for pickers and pod lists."""

from __future__ import annotations

import json
from urllib.parse import quote

from django.http import HttpRequest

from console.cloud.client import CloudUnavailable

from . import cloudcall


def api_path(*segments: str) -> str:
    """A path under the API server with each name escaped, so a name cannot add a segment."""
    return "/" + "/".join(quote(s, safe="") for s in segments)


async def kube_get(request: HttpRequest, cluster_id: str, path: str) -> dict:
    """GET a path of the cluster's Kubernetes API; a non-200 answer is an error."""
    result = await cloudcall.call(
        request, "ForwardCluster", ClusterID=cluster_id, Method="GET", Path=path
    )
    if result.Info.ResponseCode != 200:
        raise CloudUnavailable(f"Kubernetes answered {result.Info.ResponseCode}", "ForwardCluster")
    try:
        return json.loads(result.Info.ResponseBody)
    except ValueError:
        raise CloudUnavailable("malformed Kubernetes answer", "ForwardCluster") from None


def pod_summaries(items: list[dict]) -> list[dict]:
    """Namespace, name, phase and container names of each pod object."""
    return [
        {
            "namespace": pod["metadata"].get("namespace", ""),
            "name": pod["metadata"]["name"],
            "phase": (pod.get("status") or {}).get("phase", ""),
            "containers": [c["name"] for c in (pod.get("spec") or {}).get("containers", [])],
        }
        for pod in items
    ]
