"""Production settings pass `check --deploy`; every page carries a strict script policy;
logins are throttled; bodies are limited."""

from __future__ import annotations

import os
import subprocess
import sys

from django.core.cache import cache

from console.accounts.demo_logins import demo_password
from tests import servers
from tests.conftest import logged_in


def test_check_deploy_is_clean_with_production_settings():
    env = {
        **os.environ,
        "DJANGO_SECURE": "true",
        "DJANGO_SECRET_KEY": "a-long-random-production-secret-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "console.example.com",
        "DJANGO_DEBUG": "false",
        "CONSOLE_CLOUD_URL": "https://cloud.example.com",
    }
    env.pop("LOCALCLOUD_ENABLED", None)
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=servers.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues (0 silenced)." in done.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {**os.environ, "DJANGO_SECURE": "true", "DJANGO_SECRET_KEY": ""}
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=servers.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0 and "needs DJANGO_SECRET_KEY" in done.stderr


def test_pages_forbid_inline_scripts_and_framing(viewer_client, cloud):
    response = viewer_client.get("/clusters/")
    policy = response["Content-Security-Policy"]
    assert (
        "script-src 'self';" in policy
        and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in policy and response["X-Frame-Options"] == "DENY"
    assert "unsafe-eval" not in policy


def test_templates_have_no_inline_script_or_handler():
    import re
    from pathlib import Path

    for template in Path(servers.ROOT, "templates").rglob("*.html"):
        text = template.read_text()
        # A data block (type="text/html": markup the browser holds unparsed, never runs) is
        # allowed; its escaping is tested in test_log_pages.py.
        text = text.replace('<script type="text/html"', "<data-block")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template
        assert not re.search(r"\son[a-z]+\s*=", text), template
        assert "hx-on" not in text and "js:" not in text, template


def test_logins_are_throttled_even_with_the_right_password(client, viewer):
    cache.clear()
    for _ in range(5):
        response = client.post("/accounts/login/", {"username": "viewer", "password": "wrong"})
        assert response.status_code == 200
    response = client.post(
        "/accounts/login/", {"username": "viewer", "password": demo_password("viewer")}
    )
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session
    cache.clear()
    response = client.post(
        "/accounts/login/", {"username": "viewer", "password": demo_password("viewer")}
    )
    assert response.status_code == 302


FULL_WIDTH_VIEWER = "\uff56\uff49\uff45\uff57\uff45\uff52"  # NFKC folds it to "viewer"


def test_it_throttles_a_username_however_it_is_spaced_or_written(client, viewer):
    cache.clear()
    for _ in range(5):
        response = client.post("/accounts/login/", {"username": "viewer", "password": "wrong"})
        assert response.status_code == 200
    for spelling in (" viewer", "viewer ", "\tviewer\n", "VIEWER", FULL_WIDTH_VIEWER):
        response = client.post(
            "/accounts/login/", {"username": spelling, "password": demo_password("viewer")}
        )
        assert response.status_code == 429, repr(spelling)
        assert "_auth_user_id" not in client.session
    cache.clear()
    # The same account: the login form strips the spaces (and NFKC folds full-width letters).
    response = client.post(
        "/accounts/login/",
        {"username": f" {FULL_WIDTH_VIEWER} ", "password": demo_password("viewer")},
    )
    assert response.status_code == 302


def test_a_large_body_is_refused(operator, cloud):
    response = logged_in(operator).post("/clusters/new/", {"name": "x" * 2_000_000})
    assert response.status_code == 400
