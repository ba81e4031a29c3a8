"""A platform admin's terminal acts for the tenant picked in the header, as pages do
(issue 13, finding 6): the session is allocated and recorded under that tenant."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from console.localcloud.models import Cluster
from console.terminal.models import TerminalSession
from tests.conftest import _user, logged_in
from tests.terminal.conftest import Screen, communicator

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def platform_admin_cookie(cloud):
    """A platform admin of tenant 10001 who picked tenant 10002 in the header."""
    platform = _user("platform", "admin", 10001)
    platform.is_platform_admin = True
    platform.save()
    client = logged_in(platform)
    assert client.post("/accounts/tenant/", {"company_id": "10002"}).status_code == 302
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def test_a_platform_admins_terminal_runs_in_the_picked_tenant(platform_admin_cookie):
    cluster = await Cluster.objects.aget(name="globex-shop")
    assert (await sync_to_async(lambda: cluster.tenant.company_id)()) == 10002
    comm = communicator(platform_admin_cookie, f"kind=terminal&cluster={cluster.cluster_id}")
    assert (await comm.connect())[0]
    screen = Screen(comm)
    await screen.until(lambda s: any(x["state"] in ("connected", "error") for x in s.statuses))
    assert screen.statuses[-1]["state"] == "connected", screen.statuses
    await comm.disconnect()
    record = await TerminalSession.objects.aget()
    assert (record.company_id, record.cluster_id) == (10002, cluster.cluster_id)
