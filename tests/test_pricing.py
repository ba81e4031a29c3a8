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
    "cpu": "2",
    "memory": "4",
}
# README price table: control plane, Standard per vCPU and per GiB, SSD; per hour.
CONTROL, HA_CONTROL, CORE, GIB, SSD, T4 = 0.5, 1.5, 0.12, 0.015, 0.05, 1.2
MONTH, YEAR = 720 * 0.85, 8760 * 0.70


def prices(html: str) -> dict[str, str]:
    return dict(
        re.findall(r'data-charge="(\w+)".*?<span class="price">([\d.,-]+)</span>', html, re.S)
    )


def monthly(html: str) -> list[str]:
    return re.findall(r'<span class="monthly">([\d.,]+)</span>', html)


def premium_query(cluster_name: str, **values) -> dict:
    cid = Cluster.objects.get(name=cluster_name).cluster_id
    return {
        "premium-cluster": cid,
        "premium-super_node": "gpu-pool",
        "premium-gpu_type": "nvidia-t4",
        "premium-gpu_count": "4",
        **values,
    }


def test_it_compares_all_charge_types_from_the_price_table(viewer_client, cloud):
    html = viewer_client.get("/pricing/", BASE).content.decode()
    hourly = CONTROL + 2 * CORE + 4 * GIB + SSD  # 0.85
    assert prices(html) == {
        "Dynamic": f"{hourly:.2f}",
        "Month": f"{hourly * MONTH:.2f}",
        "Year": f"{hourly * YEAR:.2f}",
    }
    assert monthly(html) == [
        f"{hourly * 720:.2f}",
        f"{hourly * MONTH:.2f}",
        f"{hourly * YEAR / 12:.2f}",
    ]


def test_it_prices_a_default_cluster_when_nothing_is_asked(viewer_client, cloud):
    html = viewer_client.get("/pricing/").content.decode()
    assert prices(html)["Dynamic"] == f"{CONTROL + 2 * CORE + 4 * GIB + SSD:.2f}"


def test_it_prices_the_chosen_quantity_and_one_period_of_the_others(viewer_client, cloud):
    query = {**BASE, "charge_type": "Month", "quantity": "3", "high_availability": "true"}
    html = viewer_client.get("/pricing/", query).content.decode()
    hourly = HA_CONTROL + 2 * CORE + 4 * GIB + SSD
    assert prices(html)["Month"] == f"{hourly * MONTH * 3:.2f}"
    assert prices(html)["Year"] == f"{hourly * YEAR:.2f}"
    assert "for 3 months" in html and "for 1 year<" in html
    assert monthly(html)[1] == f"{hourly * MONTH:.2f}"


def test_it_adds_the_gpus_of_an_existing_cluster(viewer_client, cloud):
    cid = Cluster.objects.get(name="staging-api").cluster_id
    html = viewer_client.get("/pricing/", {**BASE, "cluster_id": cid}).content.decode()
    assert prices(html)["Dynamic"] == f"{CONTROL + 2 * CORE + 4 * GIB + SSD + 2 * T4:.2f}"
    assert f'<option value="{cid}" selected>' in html


def test_it_changes_the_price_when_the_cpu_changes(viewer_client, cloud):
    two = prices(viewer_client.get("/pricing/", BASE).content.decode())
    eight = prices(viewer_client.get("/pricing/", {**BASE, "cpu": "8"}).content.decode())
    assert float(eight["Dynamic"]) == pytest.approx(float(two["Dynamic"]) + 6 * CORE)


def test_it_answers_htmx_with_the_result_only(viewer_client, cloud):
    response = viewer_client.get(
        "/pricing/",
        {**BASE, "cpu": "4"},
        headers={"HX-Request": "true", "HX-Target": "price-result"},
    )
    html = response.content.decode()
    assert 'id="price-table"' in html and "<html" not in html and 'id="premium"' not in html
    assert "HX-Target" in response["Vary"]


def test_it_keeps_a_real_form_and_triggers_for_htmx(viewer_client, cloud):
    html = viewer_client.get("/pricing/", BASE).content.decode()
    assert '<form method="get" action="/pricing/"' in html
    assert 'hx-trigger="input changed delay:400ms, change"' in html
    assert '<button type="submit"' in html


@pytest.mark.parametrize("cpu", ["0", "abc"])
def test_it_refuses_a_bad_cpu_and_keeps_what_was_typed(viewer_client, cloud, cpu):
    html = viewer_client.get("/pricing/", {**BASE, "cpu": cpu}).content.decode()
    row = re.search(r'id="row-cpu".*?</div>', html, re.S).group()
    assert 'class="field-error" role="alert"' in row
    assert f'value="{cpu}"' in row
    assert 'id="price-table"' not in html


def test_it_validates_one_field_on_focusout(viewer_client, cloud):
    response = viewer_client.post("/pricing/", {**BASE, "cpu": "0", "_validate_field": "cpu"})
    html = response.content.decode()
    assert 'id="row-cpu"' in html
    assert "field-error" in html and 'value="0"' in html and "<html" not in html


def test_it_checks_the_quantity_for_the_charge_type(viewer_client, cloud):
    query = {**BASE, "charge_type": "Year", "quantity": "9"}
    html = viewer_client.get("/pricing/", query).content.decode()
    assert "For Year choose 1 to 5" in html
    assert 'id="price-table"' not in html


def test_it_escapes_what_was_typed(viewer_client, cloud):
    html = viewer_client.get("/pricing/", {**BASE, "cpu": "<b>x</b>"}).content.decode()
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_it_shows_a_readable_error_when_the_cloud_fails(viewer_client, cloud):
    Fault.objects.create(pk=1, error_rate=1.0, error_kind="http")
    response = viewer_client.get("/pricing/", {**BASE, **premium_query("staging-api")})
    assert response.status_code == 200
    html = response.content.decode()
    assert "The cloud is unavailable" in html
    assert 'id="price-table"' not in html


def test_it_shows_a_readable_error_in_the_htmx_result(viewer_client, cloud):
    Fault.objects.create(pk=1, error_rate=1.0, error_kind="retcode")
    response = viewer_client.get(
        "/pricing/", BASE, headers={"HX-Request": "true", "HX-Target": "price-result"}
    )
    assert response.status_code == 200
    assert "RetCode 199" in response.content.decode()


def test_it_prices_a_gpu_change_with_its_order_type(viewer_client, cloud):
    response = viewer_client.get(
        "/pricing/",
        premium_query("staging-api"),
        headers={"HX-Request": "true", "HX-Target": "premium"},
    )
    html = response.content.decode()
    assert "<html" not in html
    assert re.search(r'id="premium-price">2.40<', html)  # two more nvidia-t4 at 1.2
    assert re.search(r'id="premium-order-type">Dynamic<', html)
    assert "2.40 more per hour" in html


def test_it_prices_the_gpu_change_on_the_full_page_too(viewer_client, cloud):
    html = viewer_client.get("/pricing/", {**BASE, **premium_query("staging-api")}).content
    assert b'id="premium-price">2.40<' in html and b'id="price-table"' in html


def test_it_calls_a_gpu_reduction_a_lower_hourly_price(viewer_client, cloud):
    query = premium_query("staging-api", **{"premium-gpu_count": "1"})
    html = viewer_client.get("/pricing/", query).content.decode()
    assert 'id="premium-price">-1.20<' in html and "1.20 less per hour" in html


def test_it_starts_from_the_first_node_of_a_newly_picked_cluster(viewer_client, cloud):
    # legacy-batch is paid by the month and expires in ten days.
    query = premium_query("legacy-batch", **{"premium-gpu_count": "1"})
    html = viewer_client.get("/pricing/", query).content.decode()
    assert re.search(r'<option value="super-node-default" selected>', html)
    assert 'id="premium-order-type">Month<' in html
    assert "To pay now:" in html and "for the rest of the paid period" in html


def test_it_offers_the_clusters_and_the_nodes_of_the_first_one(viewer_client, cloud):
    html = viewer_client.get("/pricing/").content.decode()
    assert "staging-api" in html and "prod-web" in html
    assert 'id="premium-answer"' not in html


def test_it_lets_every_role_use_it(operator_client, cloud):
    assert operator_client.get("/pricing/", BASE).status_code == 200


def test_it_sends_anonymous_users_to_login(client, cloud):
    assert client.get("/pricing/")["Location"].startswith("/accounts/login/")


def test_it_fills_a_partial_url_with_the_defaults(viewer_client, cloud):
    # Issue 14, defect 6: /pricing/?cluster_id=… said "This field is required."
    cid = Cluster.objects.get(name="staging-api").cluster_id
    html = viewer_client.get("/pricing/", {"cluster_id": cid}).content.decode()
    assert "This field is required" not in html
    assert prices(html)["Dynamic"] == f"{CONTROL + 2 * CORE + 4 * GIB + SSD + 2 * T4:.2f}"
    assert f'<option value="{cid}" selected>' in html


def test_it_fills_a_partial_premium_url_from_the_nodes_current_gpus(viewer_client, cloud):
    cid = Cluster.objects.get(name="staging-api").cluster_id
    query = {"premium-cluster": cid, "premium-super_node": "gpu-pool", "premium-gpu_count": "4"}
    html = viewer_client.get("/pricing/", query).content.decode()
    assert "This field is required" not in html
    assert 'id="premium-price">2.40<' in html  # the type gpu-pool has now: two more nvidia-t4


def test_it_answers_a_gpu_change_with_the_result_and_never_the_typed_inputs(viewer_client, cloud):
    # Issue 14, defect 2: the inputs stay as typed; a newly picked cluster's node list comes
    # out of band, and only then.
    cid = Cluster.objects.get(name="legacy-batch").cluster_id
    staging = Cluster.objects.get(name="staging-api").cluster_id
    headers = {"HX-Request": "true", "HX-Target": "premium-result"}
    query = premium_query("legacy-batch", **{"premium-nodes_of": staging})
    html = viewer_client.get("/pricing/", query, headers=headers).content.decode()
    assert "<html" not in html and 'id="premium-answer"' in html
    assert 'name="premium-gpu_count"' not in html and 'name="premium-gpu_type"' not in html
    assert re.search(r'<select name="premium-super_node"[^>]*hx-swap-oob="true"', html)
    assert f'id="premium-nodes-of" value="{cid}" hx-swap-oob="true"' in html
    same = premium_query("legacy-batch", **{"premium-nodes_of": cid})
    html = viewer_client.get("/pricing/", same, headers=headers).content.decode()
    assert 'id="premium-answer"' in html and "<select" not in html and "hx-swap-oob" not in html


def test_it_shows_prices_in_the_configured_currency(viewer_client, cloud, settings):
    # Issue 14, friction: prices showed no currency; CNY (¥) unless CONSOLE_CURRENCY says.
    html = viewer_client.get("/pricing/", {**BASE, **premium_query("staging-api")}).content
    html = html.decode()
    sign = '<span class="currency" title="CNY">¥</span>'
    assert f'{sign}<span class="price">0.85</span>' in html
    assert f'{sign}<span class="monthly">' in html
    assert f'{sign}<span class="price" id="premium-price">2.40</span>' in html
    assert "¥2.40 more per hour" in html
    settings.CONSOLE_CURRENCY = "USD"
    html = viewer_client.get("/pricing/", BASE).content.decode()
    assert '<span class="currency" title="USD">$</span><span class="price">0.85</span>' in html
    settings.CONSOLE_CURRENCY = "CHF"
    html = viewer_client.get("/pricing/", BASE).content.decode()
    assert '<span class="currency" title="CHF">CHF\u00a0</span><span class="price">' in html


def test_it_writes_a_refund_with_the_sign_before_the_currency(viewer_client, cloud):
    query = premium_query("staging-api", **{"premium-gpu_count": "1"})
    html = viewer_client.get("/pricing/", query).content.decode()
    assert "¥1.20 less per hour" in html
