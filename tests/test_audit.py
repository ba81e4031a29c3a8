"""Every call that changes state is audited with who, what and how it ended; admins read
their own tenant's rows, search them and export CSV. The role table covers every action."""

from __future__ import annotations

import asyncio
import csv
import io
import json

import pytest
from django.core.exceptions import PermissionDenied

from console.audit.models import AuditEntry
from console.audit.record import masked
from console.cloud import actions
from console.localcloud.models import Cluster
from console.web.cloudcall import call_as
from console.web.roles import ACTION_ROLES
from tests.conftest import CREATE_CLUSTER_FORM, logged_in


def test_the_role_table_names_every_action_once():
    assert set(ACTION_ROLES) == set(actions.ACTIONS)
    assert len(ACTION_ROLES) == 18


@pytest.mark.parametrize("action", sorted(a for a, r in ACTION_ROLES.items() if r != "viewer"))
def test_a_viewer_is_refused_every_operator_action_before_it_is_sent(viewer, action):
    with pytest.raises(PermissionDenied):
        asyncio.run(
            call_as(viewer, "cn-bj2", action, company_id=viewer.company_id, ClusterID="uk8s-any")
        )
    assert not AuditEntry.objects.exists()


def test_a_created_cluster_is_audited_with_the_user_and_source(operator_client, operator, cloud):
    operator_client.post("/clusters/new/", CREATE_CLUSTER_FORM, REMOTE_ADDR="203.0.113.7")
    entry = AuditEntry.objects.get(action="CreateCluster")
    assert (entry.username, entry.company_id, entry.ret_code) == ("operator", 10001, 0)
    assert entry.source == "203.0.113.7" and entry.params["Name"] == CREATE_CLUSTER_FORM["name"]


def test_a_refused_change_is_audited_with_its_retcode(operator_client, cloud):
    cluster = Cluster.objects.get(name="ml-training")  # Creating: cannot be deleted yet
    operator_client.post(f"/clusters/{cluster.cluster_id}/delete/", {"confirm_name": "ml-training"})
    entry = AuditEntry.objects.filter(action="DeleteCluster").first()
    assert entry is not None and entry.ret_code not in (0, None) and entry.message


def test_reads_are_not_audited(viewer_client, cloud):
    viewer_client.get("/clusters/")
    viewer_client.get("/pricing/?cpu=4")
    assert not AuditEntry.objects.exists()


def test_secrets_are_masked_and_bodies_left_out():
    shown = masked({"Kubeconfig": "x", "PrivateKey": "k", "RequestBody": "{...}", "Name": "a"})
    assert shown == {
        "Kubeconfig": "***",
        "PrivateKey": "***",
        "RequestBody": "<5 characters>",
        "Name": "a",
    }


def _entry(**fields):
    defaults = {
        "username": "operator",
        "company_id": 10001,
        "action": "CreateCluster",
        "params": {},
        "ret_code": 0,
    }
    return AuditEntry.objects.create(**{**defaults, **fields})


def test_admins_search_their_own_tenants_rows(admin_user, cloud):
    _entry(params={"Name": "alpha"})
    _entry(action="DeleteCluster", params={"ClusterID": "uk8s-beta"})
    _entry(company_id=10002, username="globex", params={"Name": "theirs"})
    client = logged_in(admin_user)
    html = client.get("/audit/").content.decode()
    assert "alpha" in html and "uk8s-beta" in html and "theirs" not in html
    html = client.get("/audit/?action=DeleteCluster").content.decode()
    assert "uk8s-beta" in html and "alpha" not in html
    assert "alpha" in client.get("/audit/?text=ALPHA").content.decode()


def test_only_admins_see_the_audit_log(operator_client, viewer_client, cloud):
    assert operator_client.get("/audit/").status_code == 403
    assert viewer_client.get("/audit/export.csv").status_code == 403


def test_the_csv_export_quotes_formulas(admin_user, cloud):
    _entry(params={"Name": "=HYPERLINK(1)"}, message="-2+3")
    response = logged_in(admin_user).get("/audit/export.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["time", "user", "tenant", "action"]
    assert rows[1][4].startswith("{") and rows[1][6] == "'-2+3"


def test_a_kubernetes_write_refused_with_409_is_shown_as_such(admin_user, operator_client, cloud):
    from tests.test_resource_pages import make_deployment

    cluster = Cluster.objects.get(name="prod-web")
    make_deployment(cluster)
    stale = (
        "metadata:\n  name: shop\n  resourceVersion: '1'\n"
        "spec:\n  replicas: 5\n  selector: {matchLabels: {app: shop}}\n"
        "  template:\n    metadata: {labels: {app: shop}}\n"
        "    spec: {containers: [{name: app, image: nginx}]}\n"
    )
    page = f"/clusters/{cluster.cluster_id}/k8s/deployments/default/shop/"
    assert operator_client.post(page, {"manifest": stale}).status_code == 409
    entry = AuditEntry.objects.get(action="ForwardCluster")
    assert (entry.ret_code, entry.http_status) == (0, 409)
    assert "the object has been modified" in entry.message
    client = logged_in(admin_user)
    html = client.get("/audit/").content.decode()
    assert '<span class="badge badge-abnormal">HTTP 409 Conflict</span>' in html
    assert ">OK<" not in html
    rows = list(csv.DictReader(io.StringIO(client.get("/audit/export.csv").content.decode())))
    assert (rows[0]["retcode"], rows[0]["http_status"]) == ("0", "409")


def test_an_accepted_kubernetes_write_shows_its_status(admin_user, operator_client, cloud):
    cluster = Cluster.objects.get(name="prod-web")
    page = f"/clusters/{cluster.cluster_id}/k8s/pods/default/web-6f7d9c-x2k4p/delete/"
    operator_client.post(page, {"confirm": "web-6f7d9c-x2k4p"})
    assert AuditEntry.objects.get(action="ForwardCluster").http_status == 200
    html = logged_in(admin_user).get("/audit/").content.decode()
    assert '<span class="badge badge-running">HTTP 200 OK</span>' in html


def test_a_search_from_after_to_says_so_and_keeps_the_form(admin_user, cloud):
    _entry(params={"Name": "alpha"})
    client = logged_in(admin_user)
    html = client.get("/audit/?user=oper&since=2026-11-30&until=2026-11-01").content.decode()
    assert "Nothing was searched:" in html
    assert "<li>To: The last day is before the first: swap them.</li>" in html
    assert "0 entries" not in html and "alpha" not in html
    assert 'value="oper"' in html and 'value="2026-11-30"' in html and 'value="2026-11-01"' in html
    assert client.get("/audit/export.csv?since=2026-11-30&until=2026-11-01").status_code == 400


def test_a_day_that_is_not_a_date_says_so(admin_user, cloud):
    _entry(params={"Name": "alpha"})
    html = logged_in(admin_user).get("/audit/?since=notadate&text=alpha").content.decode()
    assert "<li>From: Write a day as 2026-11-29.</li>" in html
    assert 'value="alpha"' in html and 'aria-invalid="true"' in html
    assert "1 entry" not in html


def test_the_csv_writes_parameters_as_json(admin_user, cloud):
    params = {"Name": "北京-web", "MaxCPU": 8, "HighAvailability": False, "Tags": ["a"]}
    _entry(params=params)
    response = logged_in(admin_user).get("/audit/export.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert json.loads(rows[0]["parameters"]) == params
    assert '"Name": "北京-web"' in rows[0]["parameters"]
