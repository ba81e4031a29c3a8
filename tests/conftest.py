"""Fixtures: the seeded embedded cloud, users of each role, and out-of-process servers."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from console.accounts import tenancy
from console.accounts.management.commands.demo_users import demo_password
from console.accounts.models import Role, User
from console.localcloud import seed as demo
from tests import servers
from tests.seed_snapshot import seed_demo

# A valid "create cluster" form as the browser posts it.
CREATE_CLUSTER_FORM = {
    "name": "new-cluster",
    "remark": "made by a test",
    "charge_type": "Dynamic",
    "quantity": "1",
    "k8s_version": "1.30.6",
    "compute_class": "ComputeSetStandard",
    "storage_class": "StorageSetSSD",
    "high_availability": "false",
    "vpc_id": "vpc-abc",
    "subnet_id": "subnet-abc",
    "tag_key": ["env"],
    "tag_value": ["test"],
}


@pytest.fixture(scope="session")
def _key_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("keys")


@pytest.fixture(autouse=True)
def _embedded_cloud(settings, _key_folder):
    # In-process tests always use the embedded localcloud, whatever the environment says,
    # and the key `localcloud seed` hands over in this run's own file (not var/'s).
    settings.CONSOLE_CLOUD_URL = ""
    settings.CONSOLE_PUBLIC_KEY = settings.CONSOLE_PRIVATE_KEY = ""
    settings.CONSOLE_KEY_FILE = str(_key_folder / "console-key.env")
    # Long enough that the seeded Creating cluster stays so during a test; tests that
    # need it settled move ready_time.
    settings.LOCALCLOUD_CREATE_SECONDS = 120.0
    settings.LOCALCLOUD_DELETE_SECONDS = 2.0
    # The demo's few log lines would always be read through; search them as at scale.
    settings.LOCALCLOUD_LOG_SCAN_AT_MOST = 0
    # Users made in-process are hashed with a fast hasher (Django's advice for tests): the
    # default's 1,000,000 PBKDF2 rounds took ~0.3 s a user. Servers started out of process
    # keep the default.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    # Another test's kept aggregates (the overview's, the watcher's snapshot) and tenant
    # keys must not show.
    cache.clear()
    tenancy.forget_signing_key()


@pytest.fixture
def cloud(db):
    """localcloud's demo data in the test database (copied from one seed: seed_snapshot)."""
    seed_demo()
    return demo


def _user(username: str, role: str, company_id: int) -> User:
    user = User.objects.create_user(username, password=demo_password(username))
    user.role = role
    user.company_id = company_id
    user.save()
    return user


@pytest.fixture
def viewer(db):
    return _user("viewer", Role.VIEWER, demo.DEMO_TENANT)


@pytest.fixture
def operator(db):
    return _user("operator", Role.OPERATOR, demo.DEMO_TENANT)


@pytest.fixture
def admin_user(db):
    return _user("admin", Role.ADMIN, demo.DEMO_TENANT)


@pytest.fixture
def outsider(db):
    """An operator of another tenant."""
    return _user("globex", Role.OPERATOR, demo.OTHER_TENANT)


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def viewer_client(viewer):
    return logged_in(viewer)


@pytest.fixture
def operator_client(operator):
    return logged_in(operator)


@pytest.fixture(scope="session")
def localcloud_process(tmp_path_factory):
    """localcloud as a separate process with the demo data, started once per run."""
    server = servers.start(tmp_path_factory.mktemp("localcloud"), "localcloud")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def live_console(tmp_path_factory):
    """The whole console (pages + embedded /api) under Daphne, with demo data and users."""
    server = servers.start(tmp_path_factory.mktemp("console"), "console")
    yield server
    server.stop()


def pytest_collection_modifyitems(items):
    # Browser tests last: Playwright's sync API keeps an event loop running in the main
    # thread for the rest of the session, which async tests after it cannot share.
    items.sort(key=lambda item: "tests/browser/" in str(item.path))
