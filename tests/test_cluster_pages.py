"""Cluster detail, create, change and delete pages through the embedded localcloud."""

from __future__ import annotations

import re

import pytest

from console.localcloud.models import Cluster, Fault, Tenant
from tests.conftest import CREATE_CLUSTER_FORM

GOOD = CREATE_CLUSTER_FORM


def cluster_id(name: str) -> str:
    return Cluster.objects.get(name=name).cluster_id


def test_it_shows_a_cluster_with_control_plane_capacity_network_and_nodes(operator_client, cloud):
    cid = cluster_id("legacy-batch")
    html = operator_client.get(f"/clusters/{cid}/").content.decode()
    assert "legacy-batch" in html and "Abnormal" in html
    assert "CrashLoopBackOff" in html and 'data-component="KubeScheduler"' in html
    assert "vpc-demo01" in html and "subnet-demo01" in html
    assert "super-node-default" in html
    assert Cluster.objects.get(name="legacy-batch").kube_token in html  # operator sees it


def test_it_answers_404_for_an_unknown_cluster(operator_client, cloud):
    assert operator_client.get("/clusters/uk8s-nothere/").status_code == 404


def test_it_creates_a_cluster_and_lands_on_its_page(operator_client, cloud):
    response = operator_client.post("/clusters/new/", GOOD)
    created = Cluster.objects.get(name="new-cluster")
    assert response.status_code == 302
    assert response["Location"] == f"/clusters/{created.cluster_id}/"
    assert created.tags == [{"Key": "env", "Value": "test"}]
    page = operator_client.get(response["Location"]).content.decode()
    assert "Creating" in page and 'hx-trigger="live"' in page and "data-live-poll" in page


def test_it_keeps_what_was_typed_when_a_field_is_wrong(operator_client, cloud):
    response = operator_client.post("/clusters/new/", {**GOOD, "vpc_id": "abc"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "starts with “vpc-”" in html
    assert 'value="new-cluster"' in html and 'value="abc"' in html and 'value="env"' in html
    assert not Cluster.objects.filter(name="new-cluster").exists()


def test_it_requires_a_tag(operator_client, cloud):
    response = operator_client.post("/clusters/new/", {**GOOD, "tag_key": [""], "tag_value": [""]})
    assert response.status_code == 400
    assert "Add at least one tag" in response.content.decode()
    assert not Cluster.objects.filter(name="new-cluster").exists()


def tag_inputs(html: str) -> list[str]:
    form = html.split('<template id="tag-row-template">')[0]
    return re.findall(r'<input name="tag_(?:key|value)"[^>]*>', form)


def test_it_marks_the_tag_box_that_is_wrong(operator_client, cloud):
    # Issue 14, defect 11: tag errors were a banner only.
    data = {**GOOD, "tag_key": ["env", "", "k" * 65], "tag_value": ["prod", "orphan", "v"]}
    html = operator_client.post("/clusters/new/", data).content.decode()
    key1, value1, key2, value2, key3, value3 = tag_inputs(html)
    assert "aria-invalid" not in key1 + value1 + value2 + value3
    assert 'aria-invalid="true"' in key2 and 'aria-describedby="tag-error-2"' in key2
    assert 'aria-invalid="true"' in key3 and 'aria-describedby="tag-error-3"' in key3
    assert re.search(r'<p class="field-error" id="tag-error-2">Every tag needs a key.</p>', html)
    assert re.search(r'id="tag-error-3">A tag key has at most 64 characters.</p>', html)


def test_it_marks_the_first_tag_key_when_there_is_no_tag(operator_client, cloud):
    html = operator_client.post(
        "/clusters/new/", {**GOOD, "tag_key": [""], "tag_value": [""]}
    ).content.decode()
    key, value = tag_inputs(html)
    assert 'aria-invalid="true"' in key and "aria-invalid" not in value
    assert re.search(r'id="tag-error-1">Add at least one tag', html)


def test_it_checks_the_quantity_against_the_charge_type(operator_client, cloud):
    response = operator_client.post(
        "/clusters/new/", {**GOOD, "charge_type": "Month", "quantity": "12"}
    )
    assert response.status_code == 400
    assert "For Month choose 1 to 11" in response.content.decode()


def test_it_shows_the_clouds_refusal_and_keeps_the_form(operator_client, cloud):
    Tenant.objects.filter(company_id=10001).update(balance=1.0)
    response = operator_client.post(
        "/clusters/new/", {**GOOD, "charge_type": "Year", "quantity": "1"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Balance insufficient" in html and "RetCode 23001" in html
    assert 'value="new-cluster"' in html


def test_it_shows_an_unavailable_cloud_on_create_and_keeps_the_form(operator_client, cloud):
    Fault.objects.create(pk=1, error_rate=1.0, error_kind="http")
    response = operator_client.post("/clusters/new/", GOOD)
    html = response.content.decode()
    assert response.status_code == 400
    assert "The cloud is unavailable" in html and 'value="new-cluster"' in html


def test_it_offers_the_vpcs_and_subnets_the_tenants_clusters_use(operator_client, cloud):
    # Issue 14, friction: VPC and subnet were free text with no hint.
    html = operator_client.get("/clusters/new/").content.decode()
    assert re.search(r'<input type="text" name="vpc_id"[^>]*list="vpc-choices"', html)
    assert re.search(r'<input type="text" name="subnet_id"[^>]*list="subnet-choices"', html)
    vpcs = re.search(r'<datalist id="vpc-choices">(.*?)</datalist>', html, re.S).group(1)
    subnets = re.search(r'<datalist id="subnet-choices">(.*?)</datalist>', html, re.S).group(1)
    assert re.findall(r'<option value="([^"]+)"', vpcs) == ["vpc-demo01"]
    assert re.findall(r'<option value="([^"]+)"', subnets) == ["subnet-demo01"]
    # A typed value is still taken.
    created = operator_client.post("/clusters/new/", {**GOOD, "vpc_id": "vpc-typed1"})
    assert created.status_code == 302


def test_it_validates_one_field_on_blur(operator_client, cloud):
    response = operator_client.post(
        "/clusters/new/", {**GOOD, "subnet_id": "net-1", "_validate_field": "subnet_id"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith("{#") is False and 'id="row-subnet_id"' in html
    assert "starts with “subnet-”" in html
    assert 'id="row-name"' not in html


@pytest.mark.parametrize(
    ("charge", "quantity", "expected"),
    [("Dynamic", "1", "0.85"), ("Month", "2", "1040.40"), ("Year", "1", "5212.20")],
)
def test_it_prices_the_current_choices(operator_client, cloud, charge, quantity, expected):
    # README price table: 0.5 + 2*0.12 + 4*0.015 + 0.05 = 0.85 per hour.
    response = operator_client.post(
        "/clusters/new/price/",
        {**GOOD, "charge_type": charge, "quantity": quantity},
    )
    assert f'id="price-value">{expected}<' in response.content.decode()


def test_it_shows_the_create_price_in_the_currency(operator_client, cloud):
    response = operator_client.post("/clusters/new/price/", GOOD)
    html = response.content.decode()
    sign = '<span class="currency" title="CNY">¥</span>'
    assert f'{sign}<span class="price" id="price-value">' in html


def test_it_says_why_there_is_no_price(operator_client, cloud):
    response = operator_client.post(
        "/clusters/new/price/", {**GOOD, "charge_type": "Month", "quantity": "40"}
    )
    html = response.content.decode()
    assert "Quantity: For Month choose 1 to 11." in html  # the console's words, not the cloud's
    assert "price-value" in html and 'class="price"' not in html


@pytest.mark.parametrize("quantity", ["40", "abc", "0", ""])
def test_it_prices_only_a_valid_quantity(operator_client, cloud, quantity):
    # Issue 14, defect 10: an invalid Quantity was priced as one month.
    response = operator_client.post(
        "/clusters/new/price/", {**GOOD, "charge_type": "Month", "quantity": quantity}
    )
    html = response.content.decode()
    assert 'class="price"' not in html and "for 1 month" not in html
    assert "Quantity: " in html


def test_it_explains_an_invalid_quantity_in_the_pages_language(operator_client, cloud):
    response = operator_client.post(
        "/clusters/new/price/",
        {**GOOD, "charge_type": "Month", "quantity": "40"},
        headers={"Accept-Language": "zh-CN"},
    )
    html = response.content.decode()
    assert "包月请选择 1 到 11 个月。" in html
    assert "must be" not in html and "RetCode" not in html


def test_it_changes_capacity(operator_client, cloud):
    cid = cluster_id("prod-web")
    response = operator_client.post(
        f"/clusters/{cid}/capacity/",
        {
            "max_cpu": 96,
            "max_memory": 300,
            "max_pods": 250,
            "max_storage": 2048,
            "max_storage_allocation": "Dedicated",
        },
    )
    assert response.status_code == 302
    cluster = Cluster.objects.get(cluster_id=cid)
    assert (cluster.max_cpu, cluster.max_memory, cluster.max_pods) == (96, 300, 250)
    assert cluster.max_storage_allocation == "Dedicated"


def test_it_refuses_capacity_below_what_is_allocated(operator_client, cloud):
    cid = cluster_id("prod-web")
    response = operator_client.post(
        f"/clusters/{cid}/capacity/",
        {
            "max_cpu": 1,
            "max_memory": 300,
            "max_pods": 250,
            "max_storage": 2048,
            "max_storage_allocation": "Shared",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "below what is allocated" in html
    assert 'value="1"' in html  # what was typed comes back
    assert Cluster.objects.get(cluster_id=cid).max_cpu == 64


def test_it_says_which_capacity_fields_were_left_unchanged(operator_client, cloud):
    # Issue 14, defect 8: an emptied Max CPU said only "Capacity updated.".
    cid = cluster_id("prod-web")
    response = operator_client.post(
        f"/clusters/{cid}/capacity/",
        {
            "max_cpu": "",
            "max_memory": "300",
            "max_pods": "",
            "max_storage": "2048",
            "max_storage_allocation": "Shared",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "Capacity updated." in html
    assert "Left unchanged (their boxes were empty): Max CPU (cores) and Max pods." in html
    cluster = Cluster.objects.get(cluster_id=cid)
    assert (cluster.max_cpu, cluster.max_memory) == (64, 300)


def test_it_refuses_a_capacity_change_with_every_box_empty(operator_client, cloud):
    cid = cluster_id("prod-web")
    empty = dict.fromkeys(("max_cpu", "max_memory", "max_pods", "max_storage"), "")
    response = operator_client.post(
        f"/clusters/{cid}/capacity/", {**empty, "max_storage_allocation": "Shared"}
    )
    assert response.status_code == 400
    assert "Capacity updated." not in response.content.decode()
    assert "Nothing to change" in response.content.decode()


def test_it_updates_subnets(operator_client, cloud):
    cid = cluster_id("prod-web")
    operator_client.post(f"/clusters/{cid}/subnets/", {"subnet_ids": "subnet-a, subnet-b"})
    assert Cluster.objects.get(cluster_id=cid).subnet_ids == ["subnet-a", "subnet-b"]


def test_it_attaches_and_detaches_an_eip(operator_client, cloud):
    cid = cluster_id("staging-api")
    operator_client.post(f"/clusters/{cid}/eip/attach/", {"eip_id": "eip-new1"})
    assert Cluster.objects.get(cluster_id=cid).eip_id == "eip-new1"
    html = operator_client.get(f"/clusters/{cid}/").content.decode()
    assert "eip-new1" in html and "Download external" in html
    operator_client.post(f"/clusters/{cid}/eip/detach/", {"confirm": "yes"})
    assert Cluster.objects.get(cluster_id=cid).eip_id == ""


def test_it_detaches_an_eip_only_once_confirmed(operator_client, cloud):
    # Issue 14, friction: Detach EIP was one click; a plain POST now changes nothing.
    cid = cluster_id("prod-web")
    html = operator_client.get(f"/clusters/{cid}/").content.decode()
    panel = re.search(r'<details[^>]*id="detach-eip-panel".*?</details>', html, re.S).group()
    assert '<input type="hidden" name="confirm" value="yes">' in panel
    assert "stop working" in panel
    response = operator_client.post(f"/clusters/{cid}/eip/detach/")
    assert response.status_code == 400
    assert Cluster.objects.get(cluster_id=cid).eip_id == "eip-prodweb1"
    html = response.content.decode()
    assert re.search(r'<details open id="detach-eip-panel"', html)
    assert "Nothing was changed" in html


def test_it_shows_why_an_eip_cannot_be_attached(operator_client, cloud):
    cid = cluster_id("prod-web")  # already has one
    response = operator_client.post(f"/clusters/{cid}/eip/attach/", {"eip_id": "eip-other"})
    assert response.status_code == 400
    assert "already has EIP" in response.content.decode()
    assert Cluster.objects.get(cluster_id=cid).eip_id == "eip-prodweb1"


def test_it_deletes_only_after_the_name_is_typed(operator_client, cloud):
    cid = cluster_id("staging-api")
    refused = operator_client.post(f"/clusters/{cid}/delete/", {"confirm_name": "staging"})
    assert refused.status_code == 400
    assert "not this cluster&#x27;s name" in refused.content.decode()
    assert Cluster.objects.get(cluster_id=cid).status == "Running"
    done = operator_client.post(f"/clusters/{cid}/delete/", {"confirm_name": "staging-api"})
    assert done.status_code == 302 and done["Location"] == "/clusters/"
    assert Cluster.objects.get(cluster_id=cid).status == "Deleting"
    listing = operator_client.get("/clusters/").content.decode()
    assert "Deleting" in listing


def test_it_polls_a_deleting_row_until_it_is_gone(operator_client, cloud):
    cid = cluster_id("staging-api")
    Cluster.objects.filter(cluster_id=cid).update(status="Deleting", gone_time=0)
    response = operator_client.get(f"/clusters/{cid}/row/")
    assert response.status_code == 200 and response.content == b""


def test_it_reloads_the_page_once_when_the_cluster_settles(operator_client, cloud):
    cid = cluster_id("ml-training")
    waiting = operator_client.get(f"/clusters/{cid}/status/?shown=Creating")
    assert b"data-live-poll" in waiting.content
    Cluster.objects.filter(cluster_id=cid).update(status="Running")
    settled = operator_client.get(f"/clusters/{cid}/status/?shown=Creating")
    assert settled["HX-Refresh"] == "true"


def test_it_says_a_settled_cluster_changed_instead_of_reloading(operator_client, cloud):
    cid = cluster_id("prod-web")
    page = operator_client.get(f"/clusters/{cid}/").content.decode()
    status_url = re.search(r'hx-get="(/clusters/[^"]+/status/\?[^"]+)"', page)[1]
    status_url = status_url.replace("&amp;", "&")
    unchanged = operator_client.get(status_url)
    assert "HX-Refresh" not in unchanged and b"has changed since" not in unchanged.content
    operator_client.post(f"/clusters/{cid}/subnets/", {"subnet_ids": "subnet-elsewhere"})
    changed = operator_client.get(status_url)
    assert "HX-Refresh" not in changed
    assert b"This cluster has changed since the page was opened." in changed.content


def test_it_sorts_by_name_across_pages(operator_client, cloud):
    html = operator_client.get("/clusters/?sort=name&size=10").content.decode()
    order = [html.index(n) for n in ("legacy-batch", "ml-training", "prod-web", "staging-api")]
    assert order == sorted(order)


def test_it_filters_by_project(operator_client, cloud):
    html = operator_client.get("/clusters/?project=org-10001-data").content.decode()
    assert "legacy-batch" in html and "ml-training" in html and "prod-web" not in html


def test_it_downloads_the_kubeconfig(operator_client, cloud):
    cid = cluster_id("prod-web")
    response = operator_client.get(f"/clusters/{cid}/kubeconfig/")
    assert response["Content-Disposition"] == f'attachment; filename="{cid}.kubeconfig"'
    assert Cluster.objects.get(cluster_id=cid).kube_token in response.content.decode()
