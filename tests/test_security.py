"""The usual attacks, across every URL: no page without login, no change without CSRF,
no peeking into another tenant, and tenant text always rendered as text."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from console.localcloud import logstore
from console.localcloud.k8s.server import Request, handle
from console.localcloud.models import Cluster, Pod
from tests.conftest import logged_in

# Endpoints with their own authentication (signed API calls, kubeconfig tokens) or none.
# The language switcher and the scripts' strings serve the login page too (tested below).
# /healthz answers anyone (a load balancer or a supervisor asks it) and reads nothing private.
OWN_AUTH = ("api", "k8s/", "accounts/login/", "i18n/", "healthz")


def every_path() -> list[str]:
    """Each URL pattern of the console with its parameters filled."""
    found = []

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                found.append(prefix + str(p.pattern))

    walk(get_resolver().url_patterns)
    paths = []
    for pattern in found:
        path = pattern.lstrip("^").rstrip("$")
        for name in ("int:pk",):
            path = path.replace(f"<{name}>", "1")
        import re

        path = re.sub(r"<(?:str:|slug:)?\w+>", "x", path)
        path = re.sub(r"\(\?P<\w+>[^)]*\)", "x", path)
        paths.append("/" + path)
    return sorted(set(paths))


PATHS = [p for p in every_path() if not p.lstrip("/").startswith(OWN_AUTH)]


def test_the_language_switcher_needs_the_csrf_token_even_before_login():
    client = Client(enforce_csrf_checks=True)
    refused = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert refused.status_code == 403
    assert "django_language" not in refused.cookies


def test_the_scripts_strings_are_the_only_open_page():
    catalogue = Client().get("/i18n/js/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert catalogue.status_code == 200
    assert catalogue["Content-Type"].startswith("text/javascript")


def test_the_url_list_is_not_empty():
    assert len(PATHS) > 30 and "/clusters/" in PATHS and "/audit/" in PATHS


@pytest.mark.parametrize("path", PATHS)
def test_no_page_answers_without_login(client, path):
    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code == 302, (path, response.status_code)
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("path", PATHS)
def test_no_post_is_taken_without_the_csrf_token(operator, path):
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    response = client.post(path, {"name": "x"})
    assert response.status_code in (403, 405), (path, response.status_code)
    if response.status_code == 403:
        assert b"CSRF" in response.content or b"Forbidden" in response.content


def test_another_tenant_cannot_see_or_change_acmes_cluster(outsider, cloud):
    cluster = Cluster.objects.get(name="prod-web")
    theirs = logged_in(outsider)
    for path in (
        f"/clusters/{cluster.cluster_id}/",
        f"/clusters/{cluster.cluster_id}/nodes/",
        f"/clusters/{cluster.cluster_id}/k8s/",
        f"/clusters/{cluster.cluster_id}/k8s/pods/default/web-6f7d9c-x2k4p/",
    ):
        response = theirs.get(path)
        assert response.status_code == 404, (path, response.status_code)
        assert b"image:" not in response.content and b"10.9." not in response.content
    logs = theirs.get(
        f"/logs/?cluster={cluster.cluster_id}&namespace=default&pod=web-6f7d9c-x2k4p&container=nginx"
    ).content.decode()
    assert "does not exist" in logs and "HTTP/1.1" not in logs
    response = theirs.post(f"/clusters/{cluster.cluster_id}/delete/", {"confirm_name": "prod-web"})
    assert Cluster.objects.get(pk=cluster.pk).status == "Running", response.status_code
    pods = theirs.post(
        f"/clusters/{cluster.cluster_id}/k8s/pods/default/web-6f7d9c-x2k4p/delete/",
        {"confirm": "web-6f7d9c-x2k4p"},
    )
    assert Pod.objects.filter(name="web-6f7d9c-x2k4p", cluster=cluster).exists(), pods.status_code


XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_stored_markup_in_names_remarks_tags_logs_and_yaml_renders_as_text(operator_client, cloud):
    cluster = Cluster.objects.get(name="prod-web")
    # Expiring soon, so the overview names it too.
    Cluster.objects.filter(pk=cluster.pk).update(
        name=XSS,
        remark=XSS,
        tags=[{"Key": XSS, "Value": XSS}],
        expire_time=int(time.time()) + 5 * 86400,
    )
    pod = Pod.objects.get(cluster=cluster, name="web-6f7d9c-x2k4p")
    logstore.append(
        cluster.cluster_id, "default", pod.name, "nginx", [(pod.logs_written_ns + 1, XSS)]
    )
    body = (
        b'{"metadata": {"name": "evil"}, "data": {"k": "'
        + XSS.replace('"', '\\"').encode()
        + b'"}}'
    )
    handle(cluster, Request("POST", "/api/v1/namespaces/default/configmaps", body=body))
    pages = [
        "/clusters/",
        f"/clusters/{cluster.cluster_id}/",
        "/",
        f"/logs/?cluster={cluster.cluster_id}&namespace=default&pod={pod.name}&container=nginx&kw=alert",
        f"/clusters/{cluster.cluster_id}/k8s/configmaps/default/evil/",
    ]
    for path in pages:
        html = operator_client.get(path).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;" in html or "&lt;img" in html, path
