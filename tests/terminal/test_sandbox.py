"""A pod is a sandbox, never the host: each attack of issue 13's finding 2, replayed.

A tenant's operator opens a pod terminal or a cluster shell and tries what got in before:
being root, reading the database, the project, /root or another pod's folder, and
leaving processes behind (setsid, nohup, a double fork) after the terminal is closed.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.terminal.conftest import Screen, communicator, processes_in

pytestmark = pytest.mark.django_db(transaction=True)

POD = "api-5b8c7d-h7j2n"


@pytest.fixture(autouse=True)
def _own_work_dir(settings, tmp_path):
    settings.LOCALCLOUD_WORK_DIR = str(tmp_path / "work")
    settings.CONSOLE_RECORDINGS_DIR = str(tmp_path / "recordings")


@pytest.fixture
def clusters(cloud):
    """The pod's cluster, and a cluster of another tenant."""
    from console.localcloud.models import Cluster

    mine = Cluster.objects.get(name="staging-api")
    other = Cluster.objects.exclude(tenant=mine.tenant).first()
    return mine.cluster_id, other.cluster_id


@pytest.fixture
def terminal_query(clusters):
    return f"kind=terminal&cluster={clusters[0]}&cols=80&rows=24"


async def opened(cookie: bytes, query: str) -> Screen:
    comm = communicator(cookie, query)
    assert (await comm.connect())[0]
    screen = Screen(comm)
    await screen.until(lambda s: any(x["state"] in ("connected", "exited") for x in s.statuses))
    return screen


async def answer(screen: Screen, command: str) -> str:
    """What `command` printed: its output is wrapped in markers the echoed input lacks."""
    await screen.type(f"echo begin-$((1+1)); {command}; echo end-$((2+2))\r")
    await screen.until(lambda s: "end-4" in s.text, timeout=30)
    printed = screen.text.rsplit("begin-2", 1)[1].split("end-4", 1)[0]
    screen.text = ""
    return printed


def running(*commands: str) -> list[int]:
    """Host processes whose command line is one of `commands` (`sleep 777`)."""
    wanted = {command.encode().replace(b" ", b"\0") + b"\0" for command in commands}
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "cmdline").read_bytes() in wanted:
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


async def gone(*commands: str) -> bool:
    """Whether no such process is left, waiting up to 10 s for the kernel to end them."""
    async with asyncio.timeout(10):
        while running(*commands):
            await asyncio.sleep(0.1)
    return True


async def test_it_runs_the_pod_shell_as_an_unprivileged_user(operator_cookie, pod_query):
    screen = await opened(operator_cookie, pod_query)
    uid = (await answer(screen, "id -u")).strip()
    assert re.fullmatch(r"\d+", uid) and uid != "0"
    await screen.comm.disconnect()


async def test_it_runs_the_cluster_shell_as_an_unprivileged_user(operator_cookie, terminal_query):
    screen = await opened(operator_cookie, terminal_query)
    uid = (await answer(screen, "id -u")).strip()
    assert re.fullmatch(r"\d+", uid) and uid != "0"
    await screen.comm.disconnect()


async def test_it_hides_the_host_from_a_pod(operator_cookie, pod_query, clusters):
    work = Path(settings.LOCALCLOUD_WORK_DIR)
    other_pod = work / "pods" / clusters[0] / "default" / "web-other"
    other_pod.mkdir(parents=True)
    (other_pod / "notes.txt").write_text("another pod's file\n")
    database = Path(settings.BASE_DIR) / "var" / "console.sqlite3"
    targets = [
        ("cat", database),
        ("ls", Path(settings.BASE_DIR)),
        ("ls", Path(settings.BASE_DIR) / "var"),
        ("ls", Path("/root")),
        ("cat", other_pod / "notes.txt"),
        ("ls", work),
    ]
    screen = await opened(operator_cookie, pod_query)
    for tool, path in targets:
        assert path.exists() or path == database  # there on the host (the database once run)
        shown = await answer(screen, f"{tool} {path} >/dev/null 2>&1 && echo open || echo shut")
        assert shown.split() == ["shut"], (tool, path, shown)
    # Its own folder is its home, and nothing else of the pods is there.
    assert (await answer(screen, "ls /home")).split() == ["user"]
    await screen.comm.disconnect()


async def test_it_names_the_host_after_the_pod_and_keeps_its_files(
    operator_cookie, pod_query, clusters
):
    screen = await opened(operator_cookie, pod_query)
    assert (await answer(screen, "hostname")).strip() == POD
    await answer(screen, "echo kept > notes.txt")
    await screen.comm.disconnect()
    folder = Path(settings.LOCALCLOUD_WORK_DIR) / "pods" / clusters[0] / "default" / POD
    assert (folder / "notes.txt").read_text() == "kept\n"


@pytest.mark.parametrize("ending", ["tab closed", "shell exited"])
async def test_nothing_started_in_a_pod_outlives_its_terminal(operator_cookie, pod_query, ending):
    leftovers = ("sleep 777", "sleep 778", "sleep 779")
    screen = await opened(operator_cookie, pod_query)
    # Each in its own way out of the shell: a new session, immune to hangups, a double fork.
    await screen.type("setsid sleep 777 & nohup sleep 778 >/dev/null 2>&1 & ")
    await screen.type("sh -c 'sleep 779 &' & echo started-$((3+4))\r")
    await screen.until(lambda s: "started-7" in s.text)
    async with asyncio.timeout(10):
        while len(running(*leftovers)) < 3:
            await asyncio.sleep(0.1)
    if ending == "tab closed":
        await screen.comm.disconnect(timeout=5)
    else:
        await screen.type("exit\r")
        await screen.until(lambda s: any(x["state"] == "exited" for x in s.statuses))
    assert await gone(*leftovers)
    assert processes_in(settings.LOCALCLOUD_WORK_DIR) == []


async def test_the_cluster_shell_has_kubectl_and_only_its_own_cluster(
    operator_cookie, terminal_query, clusters
):
    mine, other = clusters
    work = Path(settings.LOCALCLOUD_WORK_DIR)
    (work / "clusters" / other).mkdir(parents=True)
    (work / "clusters" / other / "kubeconfig").write_text("another tenant's token\n")
    screen = await opened(operator_cookie, terminal_query)
    assert "Client Version: v1." in await answer(screen, "kubectl version --client")
    assert (await answer(screen, "kubectl config current-context")).strip() == mine
    for path in (work / "clusters" / other, work, Path(settings.BASE_DIR)):
        shown = await answer(screen, f"ls {path} >/dev/null 2>&1 && echo open || echo shut")
        assert shown.split() == ["shut"], path
    await screen.comm.disconnect()


async def test_the_cluster_shell_reaches_its_endpoint_and_nothing_else(
    operator_cookie, terminal_query, settings
):
    # Stand-ins: the Kubernetes endpoint answers "endpoint", another loopback service
    # (PostgreSQL, Redis, the console's own port: trust on loopback) answers "secret".
    async def answer_with(word: bytes):
        async def handle(reader, writer):
            writer.write(word)
            await writer.drain()
            writer.close()

        return await asyncio.start_server(handle, "127.0.0.1", 0)

    endpoint, other = await answer_with(b"endpoint\n"), await answer_with(b"secret\n")
    port = lambda server: server.sockets[0].getsockname()[1]  # noqa: E731
    settings.LOCALCLOUD_K8S_URL = f"https://127.0.0.1:{port(endpoint)}"
    try:
        screen = await opened(operator_cookie, terminal_query)
        read = "exec 3<>/dev/tcp/127.0.0.1/{} && head -n1 <&3 || echo refused"
        assert (await answer(screen, read.format(port(endpoint)))).split() == ["endpoint"]
        assert "secret" not in await answer(screen, read.format(port(other)))
        await screen.comm.disconnect()
    finally:
        endpoint.close()
        other.close()


async def test_it_refuses_exec_where_no_sandbox_can_be_made(operator_cookie, pod_query, settings):
    settings.LOCALCLOUD_BWRAP = "/nonexistent/bwrap"
    screen = await opened(operator_cookie, pod_query)
    await screen.until(lambda s: any(x["state"] == "exited" for x in s.statuses))
    message = screen.statuses[-1]["message"]
    assert "no sandbox" in message and "/nonexistent/bwrap" in message
    assert "refused" in message
    await screen.comm.disconnect()


async def test_it_runs_unsandboxed_only_when_told_to(operator_cookie, pod_query, settings):
    settings.LOCALCLOUD_BWRAP = "/nonexistent/bwrap"
    settings.LOCALCLOUD_EXEC_UNSANDBOXED = True
    screen = await opened(operator_cookie, pod_query)
    assert (await answer(screen, "echo $((6*7))")).split() == ["42"]
    await screen.comm.disconnect()
