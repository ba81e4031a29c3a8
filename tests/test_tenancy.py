"""Tenants' own API keys (checked, encrypted, never shown back) and platform admins acting
for a tenant; the cloud itself keeps a tenant key inside its tenant."""

from __future__ import annotations

from console.accounts.models import TenantKey
from console.accounts.secretbox import open_sealed
from console.audit.models import AuditEntry
from console.localcloud import keys
from console.localcloud.models import Cluster
from tests.conftest import CREATE_CLUSTER_FORM, _user, logged_in


def test_a_tenant_admin_sets_a_key_that_the_cloud_accepts(admin_user, cloud):
    acme_key, globex_key = keys.tenant_pair(10001), keys.tenant_pair(10002)
    client = logged_in(admin_user)
    refused = client.post("/accounts/key/", {"public_key": acme_key[0], "private_key": "wrong"})
    assert refused.status_code == 400 and "The cloud refused this key" in refused.content.decode()
    assert not TenantKey.objects.exists()
    # Globex's key is real, but not Acme's: the cloud refuses it for CompanyID 10001.
    other = client.post(
        "/accounts/key/", {"public_key": globex_key[0], "private_key": globex_key[1]}
    )
    assert other.status_code == 400 and not TenantKey.objects.exists()
    saved = client.post("/accounts/key/", {"public_key": acme_key[0], "private_key": acme_key[1]})
    assert saved.status_code == 302
    stored = TenantKey.objects.get(company_id=10001)
    assert acme_key[1] not in stored.private_key_encrypted
    assert open_sealed(stored.private_key_encrypted) == acme_key[1]
    page = client.get("/accounts/key/").content.decode()
    assert acme_key[1] not in page and stored.masked in page


def test_calls_are_signed_with_the_tenants_key(admin_user, operator_client, cloud, monkeypatch):
    acme_key = keys.tenant_pair(10001)
    logged_in(admin_user).post(
        "/accounts/key/", {"public_key": acme_key[0], "private_key": acme_key[1]}
    )
    from console.cloud.client import CloudClient

    used = []
    original = CloudClient.encode

    def spy(self, action, params, key=None):
        used.append(key)
        return original(self, action, params, key)

    monkeypatch.setattr(CloudClient, "encode", spy)
    assert "prod-web" in operator_client.get("/clusters/").content.decode()
    assert used and used[-1] == acme_key


def test_only_admins_manage_keys(operator_client, cloud):
    assert operator_client.get("/accounts/key/").status_code == 403
    response = operator_client.post("/accounts/key/", {"public_key": "a", "private_key": "b"})
    assert response.status_code == 403 and not TenantKey.objects.exists()


def test_a_platform_admin_acts_for_another_tenant(cloud):
    platform = _user("platform", "admin", 10001)
    platform.is_platform_admin = True
    platform.save()
    client = logged_in(platform)
    assert "prod-web" in client.get("/clusters/").content.decode()
    client.post("/accounts/tenant/", {"company_id": "10002"})
    html = client.get("/clusters/").content.decode()
    assert "globex-shop" in html and "prod-web" not in html
    client.post("/clusters/new/", CREATE_CLUSTER_FORM)
    made = Cluster.objects.get(name=CREATE_CLUSTER_FORM["name"])
    assert made.tenant.company_id == 10002
    assert AuditEntry.objects.get(action="CreateCluster").company_id == 10002


def test_others_cannot_switch_tenant(admin_user, cloud):
    client = logged_in(admin_user)
    assert client.post("/accounts/tenant/", {"company_id": "10002"}).status_code == 403
    assert "globex-shop" not in client.get("/clusters/").content.decode()


def test_a_key_sealed_under_another_encryption_key_is_a_readable_error(viewer_client, cloud):
    TenantKey.objects.create(company_id=10001, public_key="k", private_key_encrypted="garbage")
    response = viewer_client.get("/clusters/")
    assert response.status_code == 200
    assert "cannot be decrypted; an admin must set it again" in response.content.decode()


def platform_client():
    platform = _user("platform", "admin", 10001)
    platform.is_platform_admin = True
    platform.save()
    return logged_in(platform)


def test_switching_tenant_stays_on_the_same_page(cloud):
    # Issue 14, friction: switching tenant landed on the overview.
    client = platform_client()
    page = client.get("/pricing/?cpu=8").content.decode()
    assert (
        '<input type="hidden" name="next" value="/pricing/?cpu=8">'
        in page.split('action="/accounts/tenant/"')[1].split("</form>")[0]
    )
    response = client.post("/accounts/tenant/", {"company_id": "10002", "next": "/pricing/?cpu=8"})
    assert response["Location"] == "/pricing/?cpu=8"


def test_switching_tenant_leaves_the_old_tenants_cluster_for_the_list(cloud):
    cid = Cluster.objects.get(name="prod-web").cluster_id
    client = platform_client()
    response = client.post(
        "/accounts/tenant/", {"company_id": "10002", "next": f"/clusters/{cid}/nodes/"}
    )
    assert response["Location"] == "/clusters/"


def test_switching_tenant_never_goes_to_another_site(cloud):
    client = platform_client()
    for next_url in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = client.post("/accounts/tenant/", {"company_id": "10002", "next": next_url})
        assert response["Location"] == "/", next_url
