"""Super node pages: list, create, resize, GPU change with premium, YAML, delete, errors."""

from __future__ import annotations

import re
import time

import pytest

from console.localcloud.models import Cluster, Fault, SuperNode

TIMES = "\u00d7"  # MULTIPLICATION SIGN, as in "2 TIMES nvidia-t4" on the pages
CREATE = {
    "node_name": "batch-pool",
    "compute_class": "ComputeSetStandard",
    "storage_class": "",
    "max_cpu": "8",
    "max_memory": "32",
    "max_pods": "50",
}


def cluster_id(name: str) -> str:
    return Cluster.objects.get(name=name).cluster_id


def node(cluster: str, name: str) -> SuperNode:
    return SuperNode.objects.get(cluster__name=cluster, node_name=name)


def nodes_url(cluster: str, tail: str = "") -> str:
    return f"/clusters/{cluster_id(cluster)}/nodes/{tail}"


def rows(html: str) -> list[str]:
    return re.findall(r'data-node="([^"]+)"', html)


def row(html: str, name: str) -> str:
    match = re.search(rf'<tr data-node="{re.escape(name)}">.*?</tr>', html, re.S)
    assert match, f"no row for {name}"
    return match.group(0)


# List


def test_it_lists_a_clusters_super_nodes(viewer_client, cloud):
    response = viewer_client.get(nodes_url("staging-api"))
    html = response.content.decode()
    assert response.status_code == 200
    assert rows(html) == ["super-node-default", "gpu-pool"]  # the default node first
    assert "2 super nodes" in html


def test_it_marks_the_default_node(viewer_client, cloud):
    html = viewer_client.get(nodes_url("staging-api")).content.decode()
    assert ">default</span>" in row(html, "super-node-default")
    assert ">default</span>" not in row(html, "gpu-pool")


def test_it_lists_gpus(viewer_client, cloud):
    html = viewer_client.get(nodes_url("staging-api")).content.decode()
    assert f"2 {TIMES} nvidia-t4" in row(html, "gpu-pool")
    assert "nvidia" not in row(html, "super-node-default")


def test_it_shows_used_against_max(viewer_client, cloud):
    html = viewer_client.get(nodes_url("staging-api")).content.decode()
    # The seeded pods (4.5 cores, 9 GiB, 7 pods) run on the default node.
    default = row(html, "super-node-default")
    assert "4.50 / 32" in default and "9 / 128" in default and "7 / 110" in default
    gpu = row(html, "gpu-pool")
    assert "0 / 32" in gpu and "0 / 128" in gpu and "0 / 64" in gpu


def test_it_filters_by_node_names(viewer_client, cloud):
    html = viewer_client.get(nodes_url("staging-api") + "?names=gpu-pool").content.decode()
    assert rows(html) == ["gpu-pool"]
    assert 'value="gpu-pool"' in html


def test_it_filters_by_several_names(viewer_client, cloud):
    url = nodes_url("staging-api") + "?names=gpu-pool,+super-node-default"
    html = viewer_client.get(url).content.decode()
    assert sorted(rows(html)) == ["gpu-pool", "super-node-default"]
    assert 'value="gpu-pool super-node-default"' in html


def test_it_says_when_a_name_matches_no_node(viewer_client, cloud):
    response = viewer_client.get(nodes_url("staging-api") + "?names=no-such-node")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in html and "SuperNode [no-such-node] does not exist" in html
    assert rows(html) == []
    assert 'value="no-such-node"' in html  # the filter is kept


# Create


def test_it_creates_a_super_node_and_lands_on_its_page(operator_client, cloud):
    response = operator_client.post(nodes_url("staging-api", "new/"), CREATE)
    assert response.status_code == 302
    assert response["Location"] == nodes_url("staging-api", "batch-pool/")
    created = node("staging-api", "batch-pool")
    assert (created.max_cpu, created.max_memory, created.max_pods) == (8, 32, 50)
    assert created.compute_class == "ComputeSetStandard"
    assert created.storage_class == "StorageSetSSD"  # the cluster's
    page = operator_client.get(response["Location"]).content.decode()
    assert "Super node batch-pool created." in page


def test_it_offers_the_clusters_compute_class_and_bounds(operator_client, cloud):
    html = operator_client.get(nodes_url("staging-api", "new/")).content.decode()
    assert '<option value="ComputeSetStandard" selected>' in html
    assert "At most 64 (the adjustable maximum)." in html


def test_it_refuses_a_name_that_is_not_a_dns_label(operator_client, cloud):
    response = operator_client.post(
        nodes_url("staging-api", "new/"), {**CREATE, "node_name": "Bad_Name"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Lower-case letters, digits and &#x27;-&#x27;" in html
    assert 'class="field-error"' in html
    # What was typed is kept.
    assert 'value="Bad_Name"' in html and 'value="8"' in html and 'value="32"' in html
    assert SuperNode.objects.filter(cluster__name="staging-api").count() == 2


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("Bad_Name", "Not allowed in a node name: “B” “N” “_”."),
        ("-pool", "A node name cannot start or end with “-”."),
    ],
)
def test_a_bad_name_is_explained_once(operator_client, cloud, name, error):
    response = operator_client.post(nodes_url("staging-api", "new/"), {**CREATE, "node_name": name})
    html = response.content.decode()
    errors = re.findall(r'<p class="field-error" role="alert">(.*?)</p>', html)
    assert errors == [error]
    assert html.count("Lower-case letters, digits and &#x27;-&#x27;") == 1  # the help text


def test_it_bounds_limits_by_the_clusters_max(operator_client, cloud):
    response = operator_client.post(nodes_url("staging-api", "new/"), {**CREATE, "max_cpu": "65"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "At most 64: that is the adjustable maximum." in html
    assert 'value="65"' in html
    assert not SuperNode.objects.filter(node_name="batch-pool").exists()


def test_it_shows_the_clouds_refusal_of_a_duplicate_name(operator_client, cloud):
    before = node("staging-api", "gpu-pool")
    response = operator_client.post(
        nodes_url("staging-api", "new/"), {**CREATE, "node_name": "gpu-pool"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'role="alert"' in html
    assert "SuperNode [gpu-pool] already exists (RetCode 113)." in html
    after = node("staging-api", "gpu-pool")
    assert (after.max_cpu, after.compute_class) == (before.max_cpu, before.compute_class)
    assert SuperNode.objects.filter(cluster__name="staging-api").count() == 2


# Resize


def test_it_resizes_a_node(operator_client, cloud):
    response = operator_client.post(
        nodes_url("staging-api", "gpu-pool/resize/"),
        {"max_cpu": "48", "max_memory": "200", "max_pods": "100"},
    )
    assert response.status_code == 302
    assert response["Location"] == nodes_url("staging-api", "gpu-pool/")
    resized = node("staging-api", "gpu-pool")
    assert (resized.max_cpu, resized.max_memory, resized.max_pods) == (48, 200, 100)
    page = operator_client.get(response["Location"]).content.decode()
    assert "Limits of gpu-pool updated." in page and "0 / 48" in page


def test_it_refuses_a_size_above_the_adjustable_max(operator_client, cloud):
    response = operator_client.post(
        nodes_url("staging-api", "gpu-pool/resize/"),
        {"max_cpu": "65", "max_memory": "128", "max_pods": "64"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "At most 64: that is the adjustable maximum." in html
    assert 'value="65"' in html and "<details open>" in html
    unchanged = node("staging-api", "gpu-pool")
    assert (unchanged.max_cpu, unchanged.max_memory, unchanged.max_pods) == (32, 128, 64)


def test_it_refuses_a_size_below_what_is_in_use(operator_client, cloud):
    response = operator_client.post(
        nodes_url("staging-api", "super-node-default/resize/"),
        {"max_cpu": "2", "max_memory": "128", "max_pods": "110"},
    )
    assert response.status_code == 400
    assert "Cannot be below what is in use (4.5)." in response.content.decode()
    assert node("staging-api", "super-node-default").max_cpu == 32


# GPU change


def test_it_prices_a_gpu_change_before_making_it(operator_client, cloud):
    response = operator_client.post(
        nodes_url("staging-api", "gpu-pool/gpu/"), {"gpu_type": "nvidia-t4", "gpu_count": "4"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert '<span class="price" id="premium-price">2.40</span>' in html
    assert "(Dynamic, per hour)" in html
    assert 'name="confirm" value="yes"' in html
    unchanged = node("staging-api", "gpu-pool")
    assert (unchanged.gpu_mdev, unchanged.gpu_count) == ("nvidia-t4", 2)


def test_it_changes_the_gpus_once_confirmed(operator_client, cloud):
    response = operator_client.post(
        nodes_url("staging-api", "gpu-pool/gpu/"),
        {"gpu_type": "nvidia-t4", "gpu_count": "4", "confirm": "yes"},
    )
    assert response.status_code == 302
    assert response["Location"] == nodes_url("staging-api", "gpu-pool/")
    changed = node("staging-api", "gpu-pool")
    assert (changed.gpu_mdev, changed.gpu_count) == ("nvidia-t4", 4)
    page = operator_client.get(response["Location"]).content.decode()
    assert "GPUs of gpu-pool: 4 x nvidia-t4." in page
    assert f'<dd id="gpus">4 {TIMES} nvidia-t4</dd>' in page


def test_it_shows_a_refund_when_gpus_are_removed(operator_client, cloud):
    response = operator_client.post(
        nodes_url("staging-api", "gpu-pool/gpu/"), {"gpu_type": "nvidia-t4", "gpu_count": "0"}
    )
    html = response.content.decode()
    assert '<span class="price" id="premium-price">-2.40</span>' in html
    assert "a refund" in html
    assert node("staging-api", "gpu-pool").gpu_count == 2


def test_it_prices_a_monthly_clusters_gpu_change_for_the_rest_of_the_period(operator_client, cloud):
    prod = Cluster.objects.get(name="prod-web")
    SuperNode.objects.create(
        cluster=prod,
        node_name="gpu-monthly",
        compute_class="ComputeSetStandard",
        storage_class="StorageSetSSD",
        status="Ready",
        max_cpu=16,
        max_memory=64,
        max_pods=64,
        gpu_mdev="nvidia-t4",
        gpu_count=1,
        create_time=int(time.time()),
    )
    # Whatever the seed's expiry, leave ten days of the paid month.
    Cluster.objects.filter(pk=prod.pk).update(expire_time=int(time.time()) + 10 * 86400)
    response = operator_client.post(
        nodes_url("prod-web", "gpu-monthly/gpu/"), {"gpu_type": "nvidia-t4", "gpu_count": "2"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "(Month, for the rest of the paid period)" in html
    price = float(re.search(r'id="premium-price">([-\d.]+)<', html).group(1))
    # 1.2 per hour more, for about 240 hours, with the monthly discount of 0.85.
    assert price > 0 and price == pytest.approx(1.2 * 240 * 0.85, rel=0.01)
    assert node("prod-web", "gpu-monthly").gpu_count == 1


def test_it_refuses_an_unknown_gpu_type(operator_client, cloud):
    response = operator_client.post(
        nodes_url("staging-api", "gpu-pool/gpu/"),
        {"gpu_type": "nvidia-h100", "gpu_count": "1", "confirm": "yes"},
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert node("staging-api", "gpu-pool").gpu_count == 2


# Delete


def test_it_deletes_only_after_the_name_is_typed(operator_client, cloud):
    url = nodes_url("staging-api", "gpu-pool/delete/")
    response = operator_client.post(url, {"confirm_name": "gpu"})
    assert response.status_code == 400
    assert "That is not this node&#x27;s name; nothing was deleted." in response.content.decode()
    assert SuperNode.objects.filter(node_name="gpu-pool").exists()

    response = operator_client.post(url, {"confirm_name": "gpu-pool"})
    assert response.status_code == 302
    assert response["Location"] == f"/clusters/{cluster_id('staging-api')}/"
    assert not SuperNode.objects.filter(node_name="gpu-pool").exists()
    page = operator_client.get(response["Location"]).content.decode()
    assert "Super node gpu-pool deleted." in page


def test_it_says_why_the_default_node_cannot_be_deleted(operator_client, cloud):
    html = operator_client.get(nodes_url("staging-api", "super-node-default/")).content.decode()
    assert 'id="delete-refused"' in html
    assert "cannot be deleted" in html
    assert "nodes/super-node-default/delete/" not in html  # no delete form at all
    assert 'name="confirm_name"' not in html


def test_it_keeps_the_default_node_when_asked_directly_to_delete_it(operator_client, cloud):
    response = operator_client.post(
        nodes_url("staging-api", "super-node-default/delete/"),
        {"confirm_name": "super-node-default"},
    )
    assert response.status_code == 400
    assert node("staging-api", "super-node-default").is_default


def test_it_shows_the_clouds_refusal_to_delete_the_default_node(operator_client, cloud):
    response = operator_client.post(
        nodes_url("staging-api", "super-node-default/delete/"),
        {"confirm_name": "super-node-default"},
    )
    html = response.content.decode()
    # The cloud's own words, as an alert: not only the page's standing note.
    assert re.search(r'role="alert">(<p>)?[^<]*cannot be deleted \(RetCode 202\)', html)


# YAML


def test_it_shows_the_yaml_highlighted(viewer_client, cloud):
    html = viewer_client.get(nodes_url("staging-api", "gpu-pool/")).content.decode()
    yaml = re.search(r'<pre class="code yaml" id="node-yaml">(.*?)</pre>', html, re.S).group(1)
    assert '<span class="y-key">kind</span>:<span class="y-value"> Node</span>' in yaml
    assert '<span class="y-key">nvidia.com/gpu</span>' in yaml
    assert '<span class="y-value"> &quot;2&quot;</span>' in yaml


def test_it_escapes_the_yaml(viewer_client, cloud):
    SuperNode.objects.filter(node_name="gpu-pool").update(compute_class="<script>x()</script>")
    html = viewer_client.get(nodes_url("staging-api", "gpu-pool/")).content.decode()
    assert "<script>x()</script>" not in html
    yaml = re.search(r'id="node-yaml">(.*?)</pre>', html, re.S).group(1)
    assert "&lt;script&gt;x()&lt;/script&gt;" in yaml


def test_it_downloads_the_yaml(viewer_client, cloud):
    response = viewer_client.get(nodes_url("staging-api", "gpu-pool/yaml/"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="gpu-pool.yaml"'
    assert response["Content-Type"] == "application/yaml"
    text = response.content.decode()
    assert text.startswith("apiVersion: v1\nkind: Node\n")
    assert "  name: gpu-pool\n" in text and '    nvidia.com/gpu: "2"\n' in text
    assert "<span" not in text


# Tenants and errors


def test_it_answers_404_for_a_node_of_another_tenants_cluster(operator_client, cloud):
    url = nodes_url("globex-shop", "super-node-default/")
    assert operator_client.get(url).status_code == 404
    assert operator_client.get(url + "yaml/").status_code == 404


def test_it_answers_404_for_the_node_list_of_another_tenants_cluster(operator_client, cloud):
    assert operator_client.get(nodes_url("globex-shop")).status_code == 404


def test_it_answers_404_for_an_unknown_node(operator_client, cloud):
    assert operator_client.get(nodes_url("staging-api", "no-such-node/")).status_code == 404


@pytest.mark.parametrize("kind", ["http", "retcode", "malformed"])
def test_it_shows_a_readable_error_when_the_cloud_fails(operator_client, cloud, kind):
    Fault.objects.create(pk=1, error_rate=1.0, error_kind=kind)
    response = operator_client.get(nodes_url("staging-api", "gpu-pool/"))
    html = response.content.decode()
    assert response.status_code == 502
    assert 'role="alert"' in html and "Try again" in html


def test_it_says_the_cloud_is_unavailable_on_the_node_page(operator_client, cloud):
    Fault.objects.create(pk=1, error_rate=1.0, error_kind="http")
    response = operator_client.get(nodes_url("staging-api", "gpu-pool/"))
    assert response.status_code == 502
    assert "The cloud is unavailable" in response.content.decode()


def test_it_changes_nothing_when_the_cloud_fails_on_a_change(operator_client, cloud):
    url = nodes_url("staging-api", "gpu-pool/resize/")
    Fault.objects.create(pk=1, error_rate=1.0, error_kind="http")
    response = operator_client.post(url, {"max_cpu": "48", "max_memory": "128", "max_pods": "64"})
    assert response.status_code == 502
    assert "The cloud is unavailable" in response.content.decode()
    assert node("staging-api", "gpu-pool").max_cpu == 32


def test_it_confirms_exactly_the_priced_gpu_change(operator_client, cloud):
    priced = operator_client.post(
        nodes_url("staging-api", "gpu-pool/gpu/"), {"gpu_type": "nvidia-a10", "gpu_count": "3"}
    ).content.decode()
    # The priced values travel hidden; the confirm step shows them as text, not as inputs.
    assert '<input type="hidden" name="gpu_type" value="nvidia-a10">' in priced
    assert '<input type="hidden" name="gpu_count" value="3">' in priced
    assert 'id="id_gpu_count"' not in priced


def test_it_asks_for_a_gpu_count(operator_client, cloud):
    response = operator_client.post(
        nodes_url("staging-api", "gpu-pool/gpu/"), {"gpu_type": "nvidia-t4", "gpu_count": ""}
    )
    assert response.status_code == 400
    assert node("staging-api", "gpu-pool").gpu_count == 2


def test_it_clamps_a_node_page_past_the_end_to_the_last_page(viewer_client, cloud):
    # Issue 14, defect 7: the super node list shares the cluster list's pager.
    response = viewer_client.get(nodes_url("staging-api", "?page=999"), follow=True)
    html = response.content.decode()
    assert rows(html) == ["super-node-default", "gpu-pool"]
    assert "Previous" not in html and "Page 999" not in html
    assert response.redirect_chain[-1][0].endswith("/nodes/?page=1")


def test_it_shows_the_premium_in_the_currency(operator_client, cloud):
    response = operator_client.post(
        nodes_url("staging-api", "gpu-pool/gpu/"), {"gpu_type": "nvidia-t4", "gpu_count": "4"}
    )
    html = response.content.decode()
    sign = '<span class="currency" title="CNY">¥</span>'
    assert f'{sign}<span class="price" id="premium-price">' in html
