"""The namespaces of a cluster, for the pickers of the create pages."""

from __future__ import annotations

from django.http import HttpRequest

from console.web.kubeapi import api_path, forward

from .errors import FORWARD_ERRORS


async def namespace_names(request: HttpRequest, cluster_id: str) -> list[str]:
    """Their names; none when the cluster cannot say (the page still lets one be typed)."""
    try:
        answer = await forward(request, cluster_id, "GET", api_path("api", "v1", "namespaces"))
    except FORWARD_ERRORS:
        return []
    return [n["metadata"]["name"] for n in answer.get("items", []) if n.get("metadata")]
