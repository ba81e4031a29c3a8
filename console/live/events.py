"""What the channel layer carries to open pages: which cluster or super node changed.

Events name only IDs, never names or other tenant text: a page that hears one re-reads
the fragment through its own view, which checks the user's rights as always."""

from __future__ import annotations

import logging
import re
import time

from channels.layers import get_channel_layer
from django.core.cache import cache

log = logging.getLogger(__name__)

CLUSTER_ACTIONS = {
    "CreateCluster",
    "UpdateCluster",
    "AttachClusterEIP",
    "DetachClusterEIP",
    "UpdateClusterCapacity",
    "DeleteCluster",
}
SUPER_NODE_ACTIONS = {"CreateSuperNode", "UpdateSuperNode", "DeleteSuperNode", "UpdateSuperNodeGPU"}

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def group_name(company_id: int | None, region: str) -> str:
    """One group per tenant and region: what one page of clusters can show."""
    return f"cloud.{int(company_id or 0)}.{_UNSAFE.sub('_', region)[:40]}"


def changed_key(company_id: int | None, region: str) -> str:
    return f"live:changed:{group_name(company_id, region)}"


async def note_change(company_id: int | None, region: str) -> None:
    """Remember when a user last changed the tenant's clusters through this console:
    an aggregate read before that (the overview's) is stale, whatever its age."""
    await cache.aset(changed_key(company_id, region), time.time(), timeout=3600)


def event_for(action: str, params: dict, result) -> dict | None:
    """The event a successful call makes, or None when it changes nothing on a page."""
    cluster_id = str(params.get("ClusterID") or getattr(result, "ClusterID", "") or "")
    if action in CLUSTER_ACTIONS and cluster_id:
        change = {"CreateCluster": "added", "DeleteCluster": "removed"}.get(action, "changed")
        return {"kind": "cluster", "cluster": cluster_id, "change": change, "source": "action"}
    if action in SUPER_NODE_ACTIONS and cluster_id:
        node = str(params.get("NodeName") or getattr(result, "NodeName", "") or "")
        return {"kind": "supernode", "cluster": cluster_id, "node": node, "source": "action"}
    return None


async def announce(company_id: int | None, region: str, event: dict) -> None:
    """Send an event to every console process's pages of this tenant and region.

    A lost event costs a page one refresh, so a failing layer (Redis down) is logged and
    never fails the user's action."""
    layer = get_channel_layer()
    try:
        if event.get("source") == "action":
            await note_change(company_id, region)  # before the pages hear of it and re-read
        if layer is None:
            return
        await layer.group_send(group_name(company_id, region), {"type": "cloud.changed", **event})
    except Exception:  # any layer or cache failure: the action itself succeeded
        log.warning("could not announce %s", event, exc_info=True)
