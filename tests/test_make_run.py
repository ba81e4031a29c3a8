"""`make run` as a person runs it: on the ports asked for, printing the URLs it serves,
and entirely gone after one Ctrl-C."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from console.accounts.demo_logins import demo_password
from tests import servers
from tests.scaleout.clients import log_in, running_cluster

pytestmark = pytest.mark.skipif(not shutil.which("make"), reason="make is not installed")


def in_session(session: int) -> list[int]:
    """The processes of a session (what one Ctrl-C in a terminal reaches)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # gone while we looked
        if fields[0] != "Z" and int(fields[3]) == session:
            found.append(int(stat.parent.name))
    return found


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "make run exited"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing listens on {port}")


def test_make_run_serves_on_the_ports_asked_for_and_stops_on_one_ctrl_c(tmp_path, settings):
    port, k8s_port = servers.free_port(), servers.free_port()
    # This install's secret key, so the demo passwords here are the ones it prints.
    settings.SECRET_KEY = secrets.token_urlsafe(50)
    env = servers.server_env(tmp_path, DJANGO_SECRET_KEY=settings.SECRET_KEY)
    for name in ("LOCALCLOUD_PUBLIC_URL", "LOCALCLOUD_K8S_URL", "MAKEFLAGS", "MAKELEVEL"):
        env.pop(name, None)
    log_path = tmp_path / "make-run.log"
    # The installed venv is taken as it is (-o): this test is about serving, not pip.
    command = ["make", "--no-print-directory", "-o", ".venv/.installed-stamp", "run",
               f"PORT={port}", f"K8S_PORT={k8s_port}"]  # fmt: skip
    with log_path.open("w") as log:
        make = subprocess.Popen(
            command,
            cwd=servers.ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own terminal session, as in a shell
        )
    try:
        url = f"http://127.0.0.1:{port}"
        servers.wait_ready(f"{url}/accounts/login/", make, log_path, timeout=180)
        wait_for_port(k8s_port, make)
        printed = log_path.read_text()
        assert f"Log in at {url}/ with one of:" in printed
        assert f"https://127.0.0.1:{k8s_port}" in printed
        assert f"operator  password {demo_password('operator')}" in printed
        client = log_in(url)
        cluster = running_cluster(client)
        kubeconfig = client.get(f"/clusters/{cluster}/kubeconfig/").text
        assert f"server: https://127.0.0.1:{k8s_port}/k8s/{cluster}" in kubeconfig
        client.close()

        assert len(in_session(make.pid)) >= 3  # make, its shell, the console, the TLS front
        os.killpg(make.pid, signal.SIGINT)  # what one Ctrl-C sends
        make.wait(timeout=30)
        deadline = time.monotonic() + 10
        while in_session(make.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert in_session(make.pid) == [], log_path.read_text()[-2000:]
    finally:
        if in_session(make.pid):
            os.killpg(make.pid, signal.SIGKILL)
