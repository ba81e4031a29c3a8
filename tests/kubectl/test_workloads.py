"""Workload controllers through the real kubectl of each version: a Deployment's status,
rollout restart/history/undo, a StatefulSet's ordinals, a Job that completes, and a
DaemonSet on every super node. Objects are created with `kubectl apply -f -` (a JSON body
with every version), so these tests do not depend on protobuf typed creates; with
--validate=false, as localcloud serves no OpenAPI document for kubectl to validate with."""

from __future__ import annotations

import json
import time

import pytest


def deployment(name: str, image: str = "nginx:1.27", replicas: int = 2, cause: str = "") -> str:
    annotations = f"\n  annotations:\n    kubernetes.io/change-cause: {cause}" if cause else ""
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}{annotations}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
      - name: app
        image: {image}
"""


def workload(kind: str, name: str, replicas: int | None = None, api: str = "apps/v1") -> str:
    count = f"\n  replicas: {replicas}" if replicas is not None else ""
    restart = "\n      restartPolicy: Never" if kind == "Job" else ""
    return f"""
apiVersion: {api}
kind: {kind}
metadata:
  name: {name}
spec:{count}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:{restart}
      containers:
      - name: app
        image: busybox:1.36
"""


APPLY = ("apply", "--validate=false", "-f", "-")


def pods(kubectl, name: str, field: str = "{.items[*].metadata.name}") -> list[str]:
    return sorted(kubectl("get", "pods", "-l", f"app={name}", "-o", f"jsonpath={field}").split())


@pytest.fixture
def deploy(kubectl):
    """A fresh deployment of this kubectl's own, deleted afterwards."""
    name = kubectl.name("roll")
    kubectl.run("delete", "deployment", name, "--ignore-not-found")
    yield name
    kubectl.run("delete", "deployment", name, "--ignore-not-found")


def test_a_deployment_reports_its_status(kubectl, deploy):
    kubectl(*APPLY, stdin=deployment(deploy, replicas=3))
    status = json.loads(kubectl("get", "deploy", deploy, "-o", "jsonpath={.status}"))
    generation = kubectl("get", "deploy", deploy, "-o", "jsonpath={.metadata.generation}")
    assert status["observedGeneration"] == int(generation)
    for field in ("replicas", "readyReplicas", "updatedReplicas", "availableReplicas"):
        assert status[field] == 3, field
    reasons = {c["type"]: (c["status"], c["reason"]) for c in status["conditions"]}
    assert reasons["Available"] == ("True", "MinimumReplicasAvailable")
    assert reasons["Progressing"] == ("True", "NewReplicaSetAvailable")
    done = kubectl("rollout", "status", f"deployment/{deploy}", "--timeout=30s")
    assert "successfully rolled out" in done


def test_rollout_restart_replaces_every_pod_through_a_new_replicaset(kubectl, deploy):
    kubectl(*APPLY, stdin=deployment(deploy, replicas=2))
    before = pods(kubectl, deploy)
    assert len(before) == 2
    restarted = kubectl("rollout", "restart", f"deployment/{deploy}")
    assert restarted.strip() == f"deployment.apps/{deploy} restarted"
    after = pods(kubectl, deploy)
    assert len(after) == 2 and not set(after) & set(before)
    sets = kubectl("get", "rs", "-l", f"app={deploy}", "-o", "jsonpath={.items[*].spec.replicas}")
    assert sorted(sets.split()) == ["0", "2"]
    stamped = kubectl(
        "get", "deploy", deploy, "-o",
        "jsonpath={.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}",
    )  # fmt: skip
    assert stamped


def test_rollout_history_lists_revisions_and_undo_brings_back_the_old_image(kubectl, deploy):
    kubectl(*APPLY, stdin=deployment(deploy, "nginx:1.27", 1, "first"))
    kubectl(*APPLY, stdin=deployment(deploy, "nginx:1.28", 1, "second"))
    history = kubectl("rollout", "history", f"deployment/{deploy}")
    rows = [line.split() for line in history.splitlines()[2:] if line.strip()]
    assert rows == [["1", "first"], ["2", "second"]]
    shown = kubectl("rollout", "history", f"deployment/{deploy}", "--revision=1")
    assert "nginx:1.27" in shown

    undone = kubectl.run("rollout", "undo", f"deployment/{deploy}")
    if "json-patch" in undone.stderr or "JSON patch" in undone.stderr:
        pytest.xfail("kubectl rollout undo sends a JSON patch, another part of issue 15")
    assert undone.returncode == 0, undone.stderr
    assert undone.stdout.strip() == f"deployment.apps/{deploy} rolled back"
    image = "jsonpath={.spec.template.spec.containers[0].image}"
    assert kubectl("get", "deploy", deploy, "-o", image) == "nginx:1.27"
    assert pods(kubectl, deploy, "{.items[*].spec.containers[0].image}") == ["nginx:1.27"]
    revisions = kubectl("rollout", "history", f"deployment/{deploy}").splitlines()[2:]
    assert [line.split()[0] for line in revisions if line.strip()] == ["2", "3"]


def test_a_statefulset_scales_by_ordinal(kubectl):
    name = kubectl.name("db")
    kubectl.run("delete", "statefulset", name, "--ignore-not-found")
    kubectl(*APPLY, stdin=workload("StatefulSet", name, replicas=3))
    assert pods(kubectl, name) == [f"{name}-0", f"{name}-1", f"{name}-2"]
    assert kubectl("scale", "statefulset", name, "--replicas=1").strip() == (
        f"statefulset.apps/{name} scaled"
    )
    assert pods(kubectl, name) == [f"{name}-0"]
    kubectl("scale", "statefulset", name, "--replicas=2")
    assert pods(kubectl, name) == [f"{name}-0", f"{name}-1"]
    assert kubectl("get", "sts", name, "-o", "jsonpath={.status.readyReplicas}") == "2"
    kubectl("delete", "statefulset", name)
    assert pods(kubectl, name) == []


def test_a_job_completes_after_its_pod_has_run(kubectl):
    name = kubectl.name("report")
    kubectl.run("delete", "job", name, "--ignore-not-found")
    kubectl(*APPLY, stdin=workload("Job", name, api="batch/v1"))
    complete = 'jsonpath={.status.conditions[?(@.type=="Complete")].status}'
    # kubectl wait watches when the condition is not met yet; until watch is served, the
    # test waits by reading the job, then checks that kubectl wait agrees.
    deadline = time.monotonic() + 60
    while kubectl("get", "job", name, "-o", complete) != "True":
        assert time.monotonic() < deadline, "the job did not complete within a minute"
        time.sleep(0.5)
    waited = kubectl("wait", "--for=condition=complete", "--timeout=60s", f"job/{name}")
    assert waited.strip() == f"job.batch/{name} condition met"
    assert kubectl("get", "job", name, "-o", "jsonpath={.status.succeeded}") == "1"
    assert kubectl("get", "job", name, "-o", "jsonpath={.status.completionTime}")
    listing = kubectl("get", "pods", "-l", f"job-name={name}")
    assert "Completed" in listing and "0/1" in listing
    kubectl("delete", "job", name)
    assert pods(kubectl, name) == []


def test_a_daemonset_runs_one_pod_on_each_super_node(kubectl):
    name = kubectl.name("agent")
    kubectl.run("delete", "daemonset", name, "--ignore-not-found")
    kubectl(*APPLY, stdin=workload("DaemonSet", name))
    nodes = sorted(kubectl("get", "nodes", "-o", "jsonpath={.items[*].metadata.name}").split())
    assert pods(kubectl, name, "{.items[*].spec.nodeName}") == nodes
    status = json.loads(kubectl("get", "ds", name, "-o", "jsonpath={.status}"))
    assert status["desiredNumberScheduled"] == status["numberReady"] == len(nodes)
    kubectl("delete", "daemonset", name)
    assert pods(kubectl, name) == []
