"""The embedded cloud publishes no key: keys are made per install, sealed at rest, handed
to the console in a file, refused when the repository ever held them; production serves
the embedded cloud only on purpose; localcloud logs every call it answers."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import httpx
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from console.cloud.signing import flatten, signature
from console.localcloud import keys
from console.localcloud import seed as demo
from console.localcloud.models import ApiKey, Operation, Tenant
from tests import servers
from tests.conftest import logged_in

# The admin pair settings.py and seed.py shipped before keys were made per install.
PUBLISHED_ADMIN = ("console-demo-admin-key", "console-demo-private-key-change-me")


def signed(public: str, private: str, **params) -> dict[str, str]:
    body = flatten({**params, "PublicKey": public})
    body["Signature"] = signature(body, private)
    return body


def api(body: dict[str, str]) -> dict:
    from django.conf import settings

    response = Client(HTTP_HOST=settings.EMBEDDED_CLOUD_HOST).post("/api", body)
    assert response.status_code == 200
    return response.json()


def test_the_published_admin_key_gets_nothing(cloud):
    answer = api(
        signed(*PUBLISHED_ADMIN, Action="DescribeCluster", Region="cn-bj2", CompanyID=10002)
    )
    assert answer["RetCode"] == 109 and "Infos" not in answer


def test_a_published_key_left_in_an_old_database_still_gets_nothing(cloud):
    # An install from before this change: its rows are kept, but the values are public.
    ApiKey.objects.create(
        tenant=Tenant.objects.get(company_id=10001),
        public_key=PUBLISHED_ADMIN[0],
        private_key_sealed=keys.seal(PUBLISHED_ADMIN[1]),
        is_admin=True,
    )
    answer = api(
        signed(*PUBLISHED_ADMIN, Action="DescribeCluster", Region="cn-bj2", CompanyID=10002)
    )
    assert answer["RetCode"] == 109


@pytest.mark.parametrize("pair", [PUBLISHED_ADMIN, ("acme-tenant-key", "acme-tenant-secret")])
def test_seed_refuses_a_published_key_given_in_the_environment(db, settings, pair):
    settings.CONSOLE_PUBLIC_KEY, settings.CONSOLE_PRIVATE_KEY = pair
    with pytest.raises(CommandError, match="published"):
        call_command("localcloud", "seed")
    assert not ApiKey.objects.filter(public_key=pair[0]).exists()


def test_unsigned_calls_are_refused_even_before_any_key_exists(db):
    Tenant.objects.create(company_id=10001, name="Acme")  # tenants, but no key yet
    answer = api({"Action": "DescribeCluster", "Region": "cn-bj2", "CompanyID": "10001"})
    assert answer["RetCode"] == 103


def test_each_install_makes_its_own_keys_and_seals_them(cloud, settings):
    admin = keys.admin_pair()
    tenant = keys.tenant_pair(10001)
    for public, private in (admin, tenant):
        assert public not in keys.PUBLISHED and private not in keys.PUBLISHED
        assert len(private) >= keys.MIN_PRIVATE_LENGTH
        stored = ApiKey.objects.get(public_key=public)
        assert private not in stored.private_key_sealed
    # The console's copy: shell lines in a file only this user may read.
    key_file = settings.CONSOLE_KEY_FILE
    assert os.stat(key_file).st_mode & 0o077 == 0
    assert Path(key_file).read_text() == keys.shell_lines(admin)
    # Another install (a fresh database) gets other keys.
    ApiKey.objects.all().delete()
    assert demo.ensure_console_key() != admin


def test_no_generated_key_is_in_the_repository(cloud):
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=servers.ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    values = [v.encode() for pair in (keys.admin_pair(), keys.tenant_pair(10002)) for v in pair]
    for name in filter(None, tracked):
        path = servers.ROOT / name.decode()
        if path.is_file():
            text = path.read_bytes()
            assert not any(value in text for value in values), name


def test_a_console_without_a_key_says_so_on_the_page(operator, cloud, settings, tmp_path):
    settings.CONSOLE_KEY_FILE = str(tmp_path / "missing.env")
    page = logged_in(operator).get("/clusters/")
    assert page.status_code == 200
    assert "the console has no API key" in page.content.decode()


def test_localcloud_logs_every_call_it_answers_with_secrets_masked(cloud):
    public, private = keys.tenant_pair(10002)
    body = signed(public, private, Action="DescribeCluster", Region="cn-bj2", CompanyID=10001)
    assert api(body)["RetCode"] == 111
    logged = Operation.objects.latest("pk")
    assert logged.action == "DescribeCluster" and logged.ret_code == 111
    assert logged.public_key == public and logged.company_id == 10002
    assert logged.source == "127.0.0.1"
    assert body["Signature"] not in str(logged.params) and private not in str(logged.params)
    printed = StringIO()
    call_command("localcloud", "oplog", "--limit", "5", stdout=printed)
    assert "DescribeCluster RetCode=111" in printed.getvalue()
    assert body["Signature"] not in printed.getvalue()


def test_localcloud_keys_prints_a_pair_that_signs(localcloud_process):
    public, private = localcloud_process.keys()
    body = signed(public, private, Action="DescribeCluster", Region="cn-bj2", CompanyID=10002)
    answer = httpx.post(f"{localcloud_process.url}/api", data=body, timeout=10).json()
    assert answer["RetCode"] == 0 and answer["Infos"]


def _production(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SECURE": "true",
        "DJANGO_SECRET_KEY": "a-long-random-production-secret-" + "q1w2e3r4t5" * 4,
        "DJANGO_ALLOWED_HOSTS": "console.example.com",
        "CONSOLE_CLOUD_URL": "https://cloud.example.com",
    }
    env.pop("LOCALCLOUD_ENABLED", None)
    env.update(extra)
    return env


def test_production_serves_no_embedded_cloud_unless_asked():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "from django.urls import resolve, Resolver404\n"
        "try:\n    resolve('/api'); print('served')\nexcept Resolver404:\n    print('absent')"
    )
    for extra, expected in (({}, "absent"), ({"LOCALCLOUD_ENABLED": "true"}, "served")):
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd=servers.ROOT,
            env={**_production(**extra), "DJANGO_SETTINGS_MODULE": "console.settings"},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.stdout.strip() == expected, done.stderr


def test_check_deploy_warns_while_the_embedded_cloud_is_enabled_in_production():
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=servers.ROOT,
        env=_production(LOCALCLOUD_ENABLED="true"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "console.W001" in done.stdout + done.stderr
