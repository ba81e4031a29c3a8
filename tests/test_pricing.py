"""The pricing page: the README price table side by side, bad input, premiums, faults."""

from __future__ import annotations

import re

import pytest

from console.localcloud.models import Cluster, Fault

BASE = {
    "compute_class": "ComputeSetStandard",
    "storage_class": "StorageSetSSD",
    "high_availability": "false",
    "charge_type": "Dynamic",
    "quantity": "1",
}


def prices(html: str) -> dict[str, str]:
    return dict(
        re.findall(r'data-charge="(\w+)".*?<span class="price">([\d.,-]+)</span>', html, re.S)
    )


def test_it_compares_all_charge_types_from_the_price_table(viewer_client, cloud):
    html = viewer_client.get("/pricing/", {**BASE, "cpu": 2, "memory": 4}).content.decode()
    hourly = 0.5 + 2 * 0.12 + 4 * 0.015 + 0.05  # 0.85
    assert prices(html) == {
        "Dynamic": f"{hourly:.2f}",
        "Month": f"{hourly * 720 * 0.85:.2f}",
        "Year": f"{hourly * 8760 * 0.7:.2f}",
    }
    monthly = re.findall(r'class="monthly">([\d.,]+)<', html)
    assert monthly == [
        f"{hourly * 720:.2f}",
        f"{hourly * 720 * 0.85:.2f}",
        f"{hourly * 8760 * 0.7 / 12:.2f}",
    ]


def test_it_changes_the_price_when_the_cpu_changes(viewer_client, cloud):
    two = prices(viewer_client.get("/pricing/", {**BASE, "cpu": 2, "memory": 4}).content.decode())
    eight = prices(viewer_client.get("/pricing/", {**BASE, "cpu": 8, "memory": 4}).content.decode())
    assert float(eight["Dynamic"]) == pytest.approx(float(two["Dynamic"]) + 6 * 0.12)


def test_it_answers_htmx_with_the_result_only(viewer_client, cloud):
    response = viewer_client.get(
        "/pricing/",
        {**BASE, "cpu": 4, "memory": 8},
        headers={"HX-Request": "true", "HX-Target": "price-result"},
    )
    html = response.content.decode()
    assert 'id="price-table"' in html and "<html" not in html


@pytest.mark.parametrize("cpu", ["0", "abc"])
def test_it_refuses_a_bad_cpu_and_keeps_what_was_typed(viewer_client, cloud, cpu):
    html = viewer_client.get("/pricing/", {**BASE, "cpu": cpu, "memory": 4}).content.decode()
    assert 'role="alert"' in html and "CPU" in html
    assert f'value="{cpu}"' in html
    assert 'id="price-table"' not in html


def test_it_checks_the_quantity_for_the_charge_type(viewer_client, cloud):
    html = viewer_client.get(
        "/pricing/", {**BASE, "charge_type": "Year", "quantity": "9", "cpu": 2, "memory": 4}
    ).content.decode()
    assert "For Year choose 1 to 5" in html


def test_it_shows_a_readable_error_when_the_cloud_fails(viewer_client, cloud):
    Fault.objects.create(pk=1, error_rate=1.0, error_kind="http")
    response = viewer_client.get("/pricing/", {**BASE, "cpu": 2, "memory": 4})
    assert response.status_code == 200
    assert "The cloud is unavailable" in response.content.decode()


def test_it_prices_a_gpu_change_with_its_order_type(viewer_client, cloud):
    cid = Cluster.objects.get(name="staging-api").cluster_id
    html = viewer_client.get(
        "/pricing/premium/",
        {
            "cluster_id": cid,
            "super_node": "gpu-pool",
            "gpu_type": "nvidia-t4",
            "gpu_count": "4",
        },
    ).content.decode()
    assert re.search(r'id="premium-answer".*?<span class="price">2.40</span>', html, re.S)
    assert "Dynamic, per hour" in html


def test_it_starts_from_the_first_node_of_a_newly_picked_cluster(viewer_client, cloud):
    cid = Cluster.objects.get(name="prod-web").cluster_id
    html = viewer_client.get(
        "/pricing/premium/",
        {
            "cluster_id": cid,
            "super_node": "gpu-pool",
            "gpu_type": "nvidia-t4",
            "gpu_count": "1",
        },
    ).content.decode()
    assert 'value="super-node-default" selected' in html
    assert "Month, for the rest of the paid period" in html


def test_it_sends_anonymous_users_to_login(client, cloud):
    assert client.get("/pricing/")["Location"].startswith("/accounts/login/")
