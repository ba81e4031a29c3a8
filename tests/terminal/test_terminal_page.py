"""The terminal page's pickers: which cluster is chosen before the user chooses."""

from __future__ import annotations

import re

from console.localcloud.handlers.clusters import build_cluster
from console.localcloud.models import Cluster
from console.localcloud.seed import DEMO_TENANT


def selected_cluster(html: str) -> str:
    picker = re.search(r'<select name="cluster" id="pick-cluster".*?</select>', html, re.S)[0]
    chosen = re.search(r'<option value="([^"]+)"\s+selected>', picker)
    # Without a selected option, a browser shows the first.
    return (chosen or re.search(r'<option value="([^"]+)"', picker))[1]


def test_it_preselects_a_cluster_that_has_pods(operator_client, cloud):
    # The newest cluster comes first in the list and has no pod to open a terminal in.
    staging = Cluster.objects.get(name="staging-api")
    empty = build_cluster(
        status="Running",
        tenant=staging.tenant,
        project=staging.project,
        region=staging.region,
        name="brand-new",
        charge_type="Dynamic",
        tags=[],
        vpc_id="vpc-demo01",
        subnet_ids=["subnet-demo01"],
        service_cidr="172.17.0.0/16",
        k8s_version="1.30.6",
        storage_class="StorageSetSSD",
        compute_class="ComputeSetStandard",
    )
    assert empty.tenant.company_id == DEMO_TENANT and not empty.pods.exists()
    html = operator_client.get("/terminal/").content.decode()
    assert "brand-new" in html
    chosen = Cluster.objects.get(cluster_id=selected_cluster(html))
    assert chosen.pods.exists()


def test_it_keeps_the_cluster_asked_for(operator_client, cloud):
    wanted = Cluster.objects.get(name="prod-web").cluster_id
    html = operator_client.get("/terminal/", {"cluster": wanted}).content.decode()
    assert selected_cluster(html) == wanted
