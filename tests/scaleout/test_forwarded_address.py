"""In the production layout the client's address is the one nginx saw connect: a forged
X-Forwarded-For neither escapes the login throttle nor lands in the audit log."""

from __future__ import annotations

import csv
import io
import re

import httpx
import pytest

from console.accounts.demo_logins import demo_password

from .clients import csrf_token, running_cluster
from .layout import production_layout

pytestmark = pytest.mark.scaleout


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    with production_layout(tmp_path_factory.mktemp("forwarded")) as layout:
        yield layout.url


def forged(n: int) -> dict:
    """What an attacker sends: a new made-up address (and a proxy chain) every time."""
    return {
        "X-Forwarded-For": f"203.0.113.{n % 250 + 1}, 198.51.100.{n % 250 + 1}",
        "X-Real-IP": f"192.0.2.{n % 250 + 1}",
        "X-Forwarded-Port": "4444",
    }


def try_login(client: httpx.Client, username: str, password: str, n: int) -> httpx.Response:
    page = client.get("/accounts/login/", headers=forged(n))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    form = {"username": username, "password": password, "csrfmiddlewaretoken": token}
    return client.post("/accounts/login/", data=form, headers=forged(n))


def test_it_throttles_logins_whatever_address_the_client_claims(url):
    client = httpx.Client(base_url=url, timeout=20)
    answers = [try_login(client, "viewer", "wrong", n).status_code for n in range(40)]
    assert answers[:5] == [200] * 5
    assert set(answers[5:]) == {429}
    right = try_login(client, "viewer", demo_password("viewer"), 41)
    assert right.status_code == 429 and "Too many failed logins" in right.text
    assert "sessionid" not in client.cookies


def test_it_audits_the_address_nginx_saw_not_the_claimed_one(url):
    operator = httpx.Client(base_url=url, timeout=20)
    assert try_login(operator, "operator", demo_password("operator"), 0).status_code == 302
    cluster_id = running_cluster(operator)
    token = csrf_token(operator, f"/clusters/{cluster_id}/")
    changed = operator.post(
        f"/clusters/{cluster_id}/subnets/",
        data={"subnet_ids": "subnet-forwarded", "csrfmiddlewaretoken": token},
        headers=forged(1),
    )
    assert changed.status_code in (200, 302), changed.text[:500]
    admin = httpx.Client(base_url=url, timeout=20)
    assert try_login(admin, "admin", demo_password("admin"), 2).status_code == 302
    export = admin.get("/audit/export.csv", params={"user": "operator"})
    rows = [r for r in csv.DictReader(io.StringIO(export.text)) if r["user"] == "operator"]
    assert rows, export.text[:500]
    assert {r["source"] for r in rows} == {"127.0.0.1"}, rows
