"""The terminal bridge end to end in-process: allocate, gateway PTY, output, exit."""

from __future__ import annotations

import pytest

from tests.terminal.conftest import Screen, communicator

pytestmark = pytest.mark.django_db(transaction=True)


async def test_it_runs_a_command_in_a_pod_and_reports_the_exit(operator_cookie, pod_query):
    comm = communicator(operator_cookie, pod_query)
    connected, _ = await comm.connect()
    assert connected
    screen = Screen(comm)
    await screen.until(lambda s: any(x["state"] == "connected" for x in s.statuses))
    await screen.type("echo $((6*7))\r")
    await screen.until(lambda s: "42" in s.text)
    await screen.type("exit 3\r")
    await screen.until(lambda s: any(x["state"] == "exited" for x in s.statuses))
    assert screen.statuses[-1]["exitCode"] == 3
    await comm.disconnect()
