"""Who may open a terminal socket, from where; and that closing it leaves no process."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from console.terminal import protocol as p
from console.terminal.models import TerminalSession
from tests.terminal.conftest import Screen, communicator, processes_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _own_work_dir(settings, tmp_path):
    settings.LOCALCLOUD_WORK_DIR = str(tmp_path / "work")
    settings.CONSOLE_RECORDINGS_DIR = str(tmp_path / "recordings")


async def test_it_refuses_an_anonymous_socket(pod_query):
    comm = communicator(None, pod_query)
    connected, code = await comm.connect()
    assert not connected and code == 4401


@pytest.mark.parametrize(
    "origin",
    [(b"origin", b"http://evil.example"), None],
    ids=["foreign-origin", "no-origin"],
)
async def test_it_refuses_a_socket_from_another_origin(operator_cookie, pod_query, origin):
    comm = communicator(operator_cookie, pod_query, origin=origin)
    connected, _ = await comm.connect()
    assert not connected


async def test_it_tells_a_viewer_why_no_terminal_opens(viewer_cookie, pod_query):
    comm = communicator(viewer_cookie, pod_query)
    assert (await comm.connect())[0]
    message = await comm.receive_output()
    assert message["bytes"][0] == p.STATUS
    status = json.loads(message["bytes"][1:])
    assert status["state"] == "refused" and "operator role" in status["message"]
    assert (await comm.receive_output())["code"] == 4403


async def test_it_explains_an_unknown_pod(operator_cookie, pod_query):
    comm = communicator(operator_cookie, pod_query.replace("api-5b8c7d-h7j2n", "nope"))
    assert (await comm.connect())[0]
    screen = Screen(comm)
    await screen.until(lambda s: s.statuses)
    assert screen.statuses[0]["state"] == "error"
    assert "does not exist" in screen.statuses[0]["message"]


async def test_it_leaves_no_shell_behind_when_the_browser_goes(
    operator_cookie, pod_query, settings
):
    comm = communicator(operator_cookie, pod_query)
    assert (await comm.connect())[0]
    screen = Screen(comm)
    await screen.type("sleep 300 & sleep 301\r")
    await asyncio.sleep(0.5)
    assert len(processes_in(settings.LOCALCLOUD_WORK_DIR)) >= 3  # sh and two sleeps
    await comm.disconnect(timeout=5)  # the tab is closed
    async with asyncio.timeout(5):
        while processes_in(settings.LOCALCLOUD_WORK_DIR):
            await asyncio.sleep(0.1)


async def test_it_records_output_and_audits_the_session(operator_cookie, pod_query, operator):
    comm = communicator(operator_cookie, pod_query)
    assert (await comm.connect())[0]
    screen = Screen(comm)
    await screen.type("echo recorded-$((40+2)); exit 0\r")
    await screen.until(lambda s: any(x["state"] == "exited" for x in s.statuses))
    await comm.wait()
    record = await TerminalSession.objects.aget()
    assert record.user_id == operator.pk and record.pod == "api-5b8c7d-h7j2n"
    assert record.exit_code == 0 and record.ended_at is not None
    cast = Path(record.recording).read_text().splitlines()
    header = json.loads(cast[0])
    assert header["version"] == 2 and header["width"] == 80
    events = [json.loads(line) for line in cast[1:]]
    output = "".join(e[2] for e in events if e[1] == "o")
    assert "recorded-42" in output
    # Input is kept as timing only: what was typed is not in the file.
    assert all(e[2] == "" for e in events if e[1] == "i")
    assert not any("echo recorded" in e[2] for e in events if e[1] == "i")
