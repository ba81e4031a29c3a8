"""The real kubectl against a cluster of localcloud, with the kubeconfig DescribeCluster
hands out: through the TLS front (`localcloud k8s-front`) to /k8s/<cluster>/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from tests import servers
from tests.contract.conftest import REGION, Endpoint

KUBECTL = shutil.which("kubectl")
pytestmark = pytest.mark.skipif(not KUBECTL, reason="kubectl is not installed on this machine")


@pytest.fixture(scope="module")
def kubeconfig(tmp_path_factory):
    work = tmp_path_factory.mktemp("kubectl")
    front_port = servers.free_port()
    cloud = servers.start(work, "localcloud", LOCALCLOUD_K8S_URL=f"https://127.0.0.1:{front_port}")
    upstream = cloud.url.removeprefix("http://")
    front = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "localcloud",
            "k8s-front",
            "--port",
            str(front_port),
            "--upstream",
            upstream,
        ],
        cwd=servers.ROOT,
        env=cloud.env,
        stdout=subprocess.DEVNULL,
    )
    try:
        api = Endpoint(cloud.url, *cloud.keys(), True)
        listed = api.call("DescribeCluster", Region=REGION, Keyword="prod-web")
        config = work / "kubeconfig"
        config.write_text(listed["Infos"][0]["Kubeconfig"])
        _wait_for_port(front_port, front)
        yield {**os.environ, "KUBECONFIG": str(config), "HOME": str(work)}
    finally:
        front.terminate()
        front.wait(timeout=10)
        cloud.stop()


def _wait_for_port(port: int, process: subprocess.Popen) -> None:
    import socket

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "the TLS front exited"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the TLS front did not start")


def kubectl(env: dict, *args: str) -> str:
    done = subprocess.run(
        [KUBECTL, *args, "--request-timeout=20s"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def pod_names(env: dict, *selector: str) -> list[str]:
    out = kubectl(env, "get", "pods", *selector, "-o", "name")
    return sorted(line.removeprefix("pod/") for line in out.split())


def test_kubectl_works_with_the_kubeconfig_from_describe_cluster(kubeconfig):
    env = kubeconfig
    listing = kubectl(env, "get", "pods", "-A")
    assert listing.split("\n")[0].split() == [
        "NAMESPACE",
        "NAME",
        "READY",
        "STATUS",
        "RESTARTS",
        "AGE",
    ]
    assert "web-6f7d9c-x2k4p" in listing and "kube-system" in listing and "2/2" in listing

    assert kubectl(env, "create", "deployment", "web", "--image=nginx", "--replicas=3").strip() == (
        "deployment.apps/web created"
    )
    made = pod_names(env, "-l", "app=web,pod-template-hash")
    assert len(made) == 3 and all(name.startswith("web-") for name in made)

    assert kubectl(env, "scale", "deployment", "web", "--replicas=1").strip() == (
        "deployment.apps/web scaled"
    )
    kept = pod_names(env, "-l", "app=web,pod-template-hash")
    assert len(kept) == 1 and kept[0] in made

    manifest = kubectl(env, "get", "deploy", "web", "-o", "yaml")
    assert "kind: Deployment" in manifest and "replicas: 1" in manifest
    assert "image: nginx" in manifest and "readyReplicas: 1" in manifest

    assert kubectl(env, "delete", "deployment", "web").strip() == 'deployment.apps "web" deleted'
    assert pod_names(env, "-l", "app=web,pod-template-hash") == []
    gone = subprocess.run(
        [KUBECTL, "get", "deploy", "web"], env=env, capture_output=True, text=True, timeout=60
    )
    assert gone.returncode == 1 and 'deployments.apps "web" not found' in gone.stderr


def test_kubectl_without_the_token_is_refused(kubeconfig, tmp_path):
    config = tmp_path / "kubeconfig"
    with open(kubeconfig["KUBECONFIG"]) as source:
        text = source.read()
    token = next(line for line in text.splitlines() if "token:" in line).split(":", 1)[1].strip()
    config.write_text(text.replace(token, "not-the-token"))
    done = subprocess.run(
        [KUBECTL, "get", "pods", "--request-timeout=20s"],
        env={**kubeconfig, "KUBECONFIG": str(config)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode == 1 and "Unauthorized" in done.stderr + done.stdout) or (
        "provide credentials" in done.stderr
    )
