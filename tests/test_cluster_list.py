"""The cluster list page: seeded clusters with states, search, paging, tenants, faults."""

from __future__ import annotations

import re

import pytest

from console.localcloud.models import Fault


def rows(html: str) -> list[str]:
    return re.findall(r'data-cluster-id="([^"]+)"', html)


def test_it_sends_anonymous_users_to_login(client, cloud):
    response = client.get("/clusters/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_lists_the_tenants_clusters_with_their_states(viewer_client, cloud):
    response = viewer_client.get("/clusters/")
    html = response.content.decode()
    assert response.status_code == 200
    for name in ("prod-web", "staging-api", "legacy-batch", "ml-training"):
        assert name in html
    assert "Abnormal" in html and "Creating" in html and "Running" in html
    assert "4 clusters" in html
    # Another tenant's cluster and another region's are not listed.
    assert "globex-shop" not in html and "sh-analytics" not in html


def test_it_shows_the_other_region_after_switching(viewer_client, cloud):
    viewer_client.post("/accounts/region/", {"region": "cn-sh2", "next": "/clusters/"})
    html = viewer_client.get("/clusters/").content.decode()
    assert "sh-analytics" in html and "prod-web" not in html


def test_it_searches_by_keyword_and_keeps_it_in_the_box(viewer_client, cloud):
    html = viewer_client.get("/clusters/?q=legacy").content.decode()
    assert len(rows(html)) == 1 and "legacy-batch" in html
    assert 'value="legacy"' in html


def test_it_pages_through_clusters(viewer_client, cloud):
    first = viewer_client.get("/clusters/?size=10&page=1").content.decode()
    assert len(rows(first)) == 4
    assert "Page" not in first  # one page only


def test_it_shows_a_readable_error_when_the_cloud_fails(viewer_client, cloud):
    Fault.objects.create(pk=1, error_rate=1.0, error_kind="http")
    response = viewer_client.get("/clusters/")
    assert response.status_code == 200
    assert "The cloud is unavailable" in response.content.decode()


@pytest.mark.parametrize("kind", ["retcode", "malformed"])
def test_it_shows_a_readable_error_for_every_fault_kind(viewer_client, cloud, kind):
    Fault.objects.create(pk=1, error_rate=1.0, error_kind=kind)
    response = viewer_client.get("/clusters/")
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_it_escapes_tenant_text(viewer_client, cloud):
    from console.localcloud.models import Cluster

    Cluster.objects.filter(name="prod-web").update(
        name="<script>alert(1)</script>", remark="<b>bold</b>"
    )
    html = viewer_client.get("/clusters/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_it_shows_the_other_tenant_its_own_clusters_only(client, cloud, outsider):
    client.force_login(outsider)
    html = client.get("/clusters/").content.decode()
    assert "globex-shop" in html and "prod-web" not in html


def test_it_still_answers_when_the_cloud_is_slow(viewer_client, cloud):
    Fault.objects.create(pk=1, latency_ms=300)
    response = viewer_client.get("/clusters/")
    assert response.status_code == 200
    assert "prod-web" in response.content.decode()


def test_it_times_out_with_a_readable_error(viewer_client, cloud, settings):
    settings.CONSOLE_CLOUD_TIMEOUT = 0.2
    Fault.objects.create(pk=1, latency_ms=1500)
    response = viewer_client.get("/clusters/")
    assert response.status_code == 200
    assert "did not answer in time" in response.content.decode()


def test_it_clamps_a_page_past_the_end_to_the_last_page(viewer_client, cloud):
    # Issue 14, defect 7: page 999 of one page showed the count, "No clusters yet",
    # "Previous" and "Page 999 of 1" at once.
    response = viewer_client.get("/clusters/?q=&size=10&page=999", follow=True)
    html = response.content.decode()
    assert len(rows(html)) == 4 and "4 clusters" in html
    assert "No clusters" not in html and "Previous" not in html and "Page 999" not in html
    assert response.redirect_chain[-1][0] == "/clusters/?q=&size=10&page=1"


def test_it_clamps_to_the_last_of_several_pages_and_keeps_the_filters(viewer_client, cloud):
    cloud.seed_many(25)  # 29 clusters: three pages of 10, as in the issue
    response = viewer_client.get("/clusters/?sort=name&size=10&page=999", follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/clusters/?sort=name&size=10&page=3"
    assert len(rows(html)) == 9 and "29 clusters" in html
    assert "Page 3 of 3" in html and "No clusters" not in html and "Next" not in html
    assert 'href="?sort=name&amp;size=10&amp;page=2"' in html  # Previous keeps sort and size
