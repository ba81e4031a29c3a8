"""localcloud's operation log also holds the session gateway's work: which SessionID was
used, for which pod, by which tenant, from where; and a refused one."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from console.localcloud.models import Operation
from tests.terminal.conftest import Screen, communicator

pytestmark = pytest.mark.django_db(transaction=True)


async def test_opening_a_terminal_is_in_localclouds_operation_log(operator_cookie, pod_query):
    comm = communicator(operator_cookie, pod_query)
    assert (await comm.connect())[0]
    screen = Screen(comm)
    await screen.until(lambda s: any(x["state"] == "connected" for x in s.statuses))
    await comm.disconnect()
    opened = await database_sync_to_async(
        lambda: Operation.objects.filter(action="OpenSession").latest("pk")
    )()
    assert opened.ret_code == 0 and opened.company_id == 10001
    assert opened.params["PodName"] == "api-5b8c7d-h7j2n" and opened.params["Kind"] == "exec"
    assert opened.params["SessionID"].endswith("…") and len(opened.params["SessionID"]) == 9
