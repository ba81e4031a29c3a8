"""The console's restart and rollback bodies (console/resources/rollout.py), sent with
`kubectl patch`, are what kubectl's own `rollout history` reads as a restart and an undo:
new pods, one revision each, the old image back. The bodies are plain JSON, the same for
every kubectl, so one version (the newest here) is enough."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from console.resources.rollout import restart_patch, undo_patch
from tests.kubectl.conftest import BINARIES
from tests.kubectl.test_workloads import APPLY, deployment, pods


def test_the_consoles_restart_and_rollback_are_kubectls(kubectl):
    if kubectl.minor != max(BINARIES):
        pytest.skip("the patches are the same JSON for every version: the newest checks them")
    name = kubectl.name("console-roll")
    kubectl.run("delete", "deployment", name, "--ignore-not-found")
    kubectl(*APPLY, stdin=deployment(name, "nginx:1.27", 2))
    kubectl(*APPLY, stdin=deployment(name, "nginx:1.28", 2))
    before = pods(kubectl, name)
    restart = json.dumps(restart_patch(datetime.now(UTC)))
    kubectl("patch", "deployment", name, "--type=strategic", "-p", restart)
    after = pods(kubectl, name)
    assert len(after) == 2 and not set(after) & set(before)
    history = kubectl("rollout", "history", f"deployment/{name}").splitlines()[2:]
    assert [line.split()[0] for line in history if line.strip()] == ["1", "2", "3"]

    sets = json.loads(kubectl("get", "rs", "-l", f"app={name}", "-o", "json"))["items"]
    first = next(
        rs
        for rs in sets
        if rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    )
    kubectl("patch", "deployment", name, "--type=json", "-p", json.dumps(undo_patch(first)))
    image = "jsonpath={.spec.template.spec.containers[0].image}"
    assert kubectl("get", "deploy", name, "-o", image) == "nginx:1.27"
    assert pods(kubectl, name, "{.items[*].spec.containers[0].image}") == ["nginx:1.27"] * 2
    history = kubectl("rollout", "history", f"deployment/{name}").splitlines()[2:]
    assert [line.split()[0] for line in history if line.strip()] == ["2", "3", "4"]
    # kubectl describe finds the deployment's events by involvedObject, as the page does.
    described = kubectl("describe", "deployment", name)
    assert "Events:" in described and "ScalingReplicaSet" in described
    # A pod's own: the scheduler placed it, its node's kubelet started it.
    described = kubectl("describe", "pod", pods(kubectl, name)[0])
    assert "default-scheduler" in described and "Started container app" in described
    # The server-side dry runs the create page relies on store nothing, for kubectl too.
    kubectl("scale", "deployment", name, "--replicas=5", "--dry-run=server")
    kubectl("delete", "deployment", name, "--dry-run=server")
    assert len(pods(kubectl, name)) == 2
    assert kubectl("get", "deploy", name, "-o", "jsonpath={.spec.replicas}") == "2"
    kubectl.run("delete", "deployment", name, "--ignore-not-found")
