"""The real kubectl of each minor version on this machine against a cluster of localcloud,
with the kubeconfig DescribeCluster hands out: through the TLS front (`localcloud
k8s-front`) to /k8s/<cluster>/.

The `kubectl` on PATH is a dispatcher that picks `kubectl.1.NN` beside it by the server's
version, so it would test one version only: each test runs every binary of MINORS that is
present, and says which are absent.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import servers

MINORS = (30, 31, 32, 33)
CLUSTER = "prod-web"


def _binaries() -> dict[int, str]:
    found = {}
    dispatcher = shutil.which("kubectl")
    folders = [Path(os.path.realpath(dispatcher)).parent] if dispatcher else []
    for minor in MINORS:
        for folder in folders:
            path = folder / f"kubectl.1.{minor}"
            if os.access(path, os.X_OK):
                found[minor] = str(path)
    return found


BINARIES = _binaries()


@dataclass
class Kubectl:
    """One kubectl binary, pointed at the demo cluster."""

    minor: int
    binary: str
    env: dict[str, str]

    def run(self, *args: str, stdin: str | None = None, timeout: float = 60):
        return subprocess.run(
            # The flag first: after `exec POD --` it would be part of the command.
            [self.binary, "--request-timeout=20s", *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def __call__(self, *args: str, stdin: str | None = None) -> str:
        """stdout of a command that must succeed."""
        done = self.run(*args, stdin=stdin)
        assert done.returncode == 0, f"kubectl 1.{self.minor} {' '.join(args)}: {done.stderr}"
        return done.stdout

    def name(self, base: str) -> str:
        """A name of this version's own, so versions do not meet in the shared cluster."""
        return f"{base}-v{self.minor}"


@pytest.fixture(scope="session")
def localcloud_with_front(tmp_path_factory):
    """A localcloud process with its TLS front; yields (server, kubeconfig env)."""
    work = tmp_path_factory.mktemp("kubectl")
    front_port = servers.free_port()
    cloud = servers.start(work, "localcloud", LOCALCLOUD_K8S_URL=f"https://127.0.0.1:{front_port}")
    front = subprocess.Popen(
        [sys.executable, "manage.py", "localcloud", "k8s-front", "--port", str(front_port),
         "--upstream", cloud.url.removeprefix("http://")],
        cwd=servers.ROOT,
        env=cloud.env,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        listed = cloud.call("DescribeCluster", Region="cn-bj2", Keyword=CLUSTER)
        config = work / "kubeconfig"
        config.write_text(listed["Infos"][0]["Kubeconfig"])
        _wait_for_port(front_port, front)
        yield cloud, {**os.environ, "KUBECONFIG": str(config), "HOME": str(work)}
    finally:
        front.terminate()
        front.wait(timeout=10)
        cloud.stop()


def _wait_for_port(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "the TLS front exited"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the TLS front did not start")


@pytest.fixture(params=MINORS, ids=lambda minor: f"kubectl-1.{minor}")
def kubectl(request, localcloud_with_front) -> Kubectl:
    binary = BINARIES.get(request.param)
    if binary is None:
        pytest.skip(f"kubectl 1.{request.param} is not on this machine")
    return Kubectl(request.param, binary, localcloud_with_front[1])
