"""The controllers of localcloud's Kubernetes API, one kind at a time, as a client sees
them through the API: Deployment status and revisions (restart, undo, history limit),
StatefulSet ordinals, Jobs that complete after their pods' run, DaemonSet per node."""

from __future__ import annotations

import time

import pytest
import time_machine

from console.localcloud.models import Cluster, Pod
from tests.test_k8s_api import api, deployment

DEPLOYS = "/apis/apps/v1/namespaces/default/deployments"
RS = "/apis/apps/v1/namespaces/default/replicasets"
STS = "/apis/apps/v1/namespaces/default/statefulsets"
DS = "/apis/apps/v1/namespaces/default/daemonsets"
JOBS = "/apis/batch/v1/namespaces/default/jobs"
REVISION = "deployment.kubernetes.io/revision"
MERGE = "application/merge-patch+json"


@pytest.fixture
def cluster(cloud) -> Cluster:
    return Cluster.objects.get(name="prod-web")


def owned_pods(cluster, owner: dict) -> list[dict]:
    pods = api(cluster, "GET", "/api/v1/namespaces/default/pods")[1]["items"]
    uid = owner["metadata"]["uid"]
    return [
        p for p in pods if any(r["uid"] == uid for r in p["metadata"].get("ownerReferences", []))
    ]


def replicasets(cluster, name: str) -> dict[str, dict]:
    """The deployment's ReplicaSets by revision, as kubectl rollout history reads them."""
    items = api(cluster, "GET", f"{RS}?labelSelector=app%3D{name}")[1]["items"]
    return {int(rs["metadata"]["annotations"][REVISION]): rs for rs in items}


def patch_template(cluster, name: str, template: dict) -> dict:
    code, body = api(cluster, "PATCH", f"{DEPLOYS}/{name}", {"spec": {"template": template}}, MERGE)
    assert code == 200, body
    return body


def test_a_deployment_reports_its_status_as_the_api_server_writes_it(cluster):
    code, created = api(cluster, "POST", DEPLOYS, deployment("shop", replicas=3))
    assert code == 201
    status = created["status"]
    assert created["metadata"]["generation"] == status["observedGeneration"] == 1
    assert [status[k] for k in ("replicas", "readyReplicas", "updatedReplicas")] == [3, 3, 3]
    assert status["availableReplicas"] == 3
    reasons = {c["type"]: (c["status"], c["reason"]) for c in status["conditions"]}
    assert reasons == {
        "Available": ("True", "MinimumReplicasAvailable"),
        "Progressing": ("True", "NewReplicaSetAvailable"),
    }
    assert created["metadata"]["annotations"][REVISION] == "1"
    (rs,) = replicasets(cluster, "shop").values()
    assert rs["status"]["readyReplicas"] == 3 and len(owned_pods(cluster, rs)) == 3

    scaled = api(cluster, "PATCH", f"{DEPLOYS}/shop/scale", {"spec": {"replicas": 0}}, MERGE)[1]
    assert scaled["spec"]["replicas"] == 0
    after = api(cluster, "GET", f"{DEPLOYS}/shop")[1]
    assert after["metadata"]["generation"] == after["status"]["observedGeneration"] == 2
    assert "readyReplicas" not in after["status"]  # zero counts are left out, as on a server


def test_a_restart_makes_a_new_replicaset_and_replaces_every_pod(cluster):
    api(cluster, "POST", DEPLOYS, deployment("shop", replicas=2))
    (first,) = replicasets(cluster, "shop").values()
    before = {p["metadata"]["name"] for p in owned_pods(cluster, first)}
    stamp = {"kubectl.kubernetes.io/restartedAt": "2026-12-01T10:00:00Z"}
    restarted = patch_template(cluster, "shop", {"metadata": {"annotations": stamp}})

    assert restarted["metadata"]["generation"] == restarted["status"]["observedGeneration"] == 2
    assert restarted["metadata"]["annotations"][REVISION] == "2"
    by_revision = replicasets(cluster, "shop")
    assert sorted(by_revision) == [1, 2]
    assert by_revision[1]["spec"]["replicas"] == 0 and owned_pods(cluster, by_revision[1]) == []
    new_pods = owned_pods(cluster, by_revision[2])
    assert len(new_pods) == 2 and not {p["metadata"]["name"] for p in new_pods} & before
    assert all(p["metadata"]["annotations"] == stamp for p in new_pods)
    # Real localcloud pods: the console's logs and terminal find them.
    assert Pod.objects.filter(cluster=cluster, name=new_pods[0]["metadata"]["name"]).exists()


def test_going_back_to_an_old_template_reuses_its_replicaset_as_the_newest_revision(cluster):
    body = deployment("shop", replicas=1)
    body["metadata"]["annotations"] = {"kubernetes.io/change-cause": "first"}
    api(cluster, "POST", DEPLOYS, body)
    old_template = api(cluster, "GET", f"{DEPLOYS}/shop")[1]["spec"]["template"]
    new_image = {"spec": {"containers": [{"name": "app", "image": "nginx:1.28"}]}}
    api(
        cluster,
        "PATCH",
        f"{DEPLOYS}/shop",
        {"metadata": {"annotations": {"kubernetes.io/change-cause": "second"}}},
        MERGE,
    )
    patch_template(cluster, "shop", new_image)
    by_revision = replicasets(cluster, "shop")
    assert by_revision[1]["metadata"]["annotations"]["kubernetes.io/change-cause"] == "second"
    assert by_revision[2]["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"

    # What `kubectl rollout undo` sends: the old ReplicaSet's template (hash label removed),
    # as a Go client writes it (empty fields as null or {}).
    old_template["metadata"]["creationTimestamp"] = None
    old_template["spec"]["containers"][0]["resources"] = {}
    current = api(cluster, "GET", f"{DEPLOYS}/shop")[1]
    current["spec"]["template"] = old_template
    undone = api(cluster, "PUT", f"{DEPLOYS}/shop", current)[1]
    by_revision = replicasets(cluster, "shop")
    assert sorted(by_revision) == [2, 3] and undone["metadata"]["annotations"][REVISION] == "3"
    (pod,) = owned_pods(cluster, by_revision[3])
    assert pod["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert owned_pods(cluster, by_revision[2]) == []


def test_old_replicasets_beyond_the_history_limit_are_removed(cluster):
    body = deployment("shop", replicas=1)
    body["spec"]["revisionHistoryLimit"] = 2
    api(cluster, "POST", DEPLOYS, body)
    for tag in ("1.1", "1.2", "1.3", "1.4"):
        image = {"spec": {"containers": [{"name": "app", "image": f"nginx:{tag}"}]}}
        patch_template(cluster, "shop", image)
    assert sorted(replicasets(cluster, "shop")) == [3, 4, 5]


def test_deleting_a_deployment_takes_its_replicasets_and_pods(cluster):
    api(cluster, "POST", DEPLOYS, deployment("shop", replicas=2))
    patch_template(cluster, "shop", {"metadata": {"annotations": {"x": "y"}}})
    assert api(cluster, "DELETE", f"{DEPLOYS}/shop")[0] == 200
    assert replicasets(cluster, "shop") == {}
    assert not Pod.objects.filter(cluster=cluster, labels__app="shop").exists()


def statefulset(name="db", replicas=3) -> dict:
    body = deployment(name, replicas)
    body["kind"] = "StatefulSet"
    body["spec"]["serviceName"] = name
    return body


def pod_names(cluster, owner_path: str) -> list[str]:
    owner = api(cluster, "GET", owner_path)[1]
    return sorted(p["metadata"]["name"] for p in owned_pods(cluster, owner))


def test_a_statefulset_names_its_pods_by_ordinal_and_scales_from_the_top(cluster):
    code, created = api(cluster, "POST", STS, statefulset("db", replicas=3))
    assert code == 201 and created["status"]["readyReplicas"] == 3
    assert pod_names(cluster, f"{STS}/db") == ["db-0", "db-1", "db-2"]
    api(cluster, "PATCH", f"{STS}/db/scale", {"spec": {"replicas": 1}}, MERGE)
    assert pod_names(cluster, f"{STS}/db") == ["db-0"]
    api(cluster, "PATCH", f"{STS}/db/scale", {"spec": {"replicas": 2}}, MERGE)
    assert pod_names(cluster, f"{STS}/db") == ["db-0", "db-1"]
    status = api(cluster, "GET", f"{STS}/db")[1]["status"]
    assert (status["replicas"], status["readyReplicas"], status["observedGeneration"]) == (2, 2, 3)
    pod = api(cluster, "GET", "/api/v1/namespaces/default/pods/db-1")[1]
    assert pod["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] == "db-1"
    # A pod deleted by hand comes back under its name; the set's deletion takes them all.
    api(cluster, "DELETE", "/api/v1/namespaces/default/pods/db-1")
    assert pod_names(cluster, f"{STS}/db") == ["db-0", "db-1"]
    api(cluster, "DELETE", f"{STS}/db")
    assert not Pod.objects.filter(cluster=cluster, name__startswith="db-").exists()


def job(name="report", completions=1, parallelism=1) -> dict:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name},
        "spec": {
            "completions": completions,
            "parallelism": parallelism,
            "template": {
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "report", "image": "busybox"}],
                }
            },
        },
    }


def test_a_job_runs_its_pods_for_their_time_then_completes(cluster, settings):
    settings.LOCALCLOUD_JOB_SECONDS = 30
    code, created = api(cluster, "POST", JOBS, job("report", completions=2))
    assert code == 201 and created["status"]["active"] == 1
    assert "conditions" not in created["status"]
    (running,) = owned_pods(cluster, created)
    assert running["status"]["phase"] == "Running"
    assert running["metadata"]["labels"]["batch.kubernetes.io/job-name"] == "report"
    with time_machine.travel(time.time() + 31, tick=False):
        halfway = api(cluster, "GET", f"{JOBS}/report")[1]
        assert (halfway["status"]["succeeded"], halfway["status"]["active"]) == (1, 1)
    with time_machine.travel(time.time() + 62, tick=False):
        done = api(cluster, "GET", f"{JOBS}/report")[1]
    status = done["status"]
    assert status["succeeded"] == 2 and "active" not in status and status["completionTime"]
    assert [(c["type"], c["status"]) for c in status["conditions"]] == [("Complete", "True")]
    phases = [p["status"]["phase"] for p in owned_pods(cluster, done)]
    assert phases == ["Succeeded", "Succeeded"]
    api(cluster, "DELETE", f"{JOBS}/report")
    assert not Pod.objects.filter(cluster=cluster, name__startswith="report-").exists()


def test_a_daemonset_runs_one_pod_on_each_super_node(cluster):
    extra = cluster.super_nodes.first()
    extra.pk, extra.node_name, extra.is_default = None, "super-node-gpu", False
    extra.save()
    nodes = sorted(cluster.super_nodes.values_list("node_name", flat=True))
    assert len(nodes) == 2
    body = deployment("agent")
    body["kind"] = "DaemonSet"
    del body["spec"]["replicas"]
    code, created = api(cluster, "POST", DS, body)
    assert code == 201
    assert created["status"]["desiredNumberScheduled"] == len(nodes)
    assert created["status"]["numberReady"] == len(nodes)
    placed = sorted(p["spec"]["nodeName"] for p in owned_pods(cluster, created))
    assert placed == nodes
    # A super node that goes takes its pod; the status follows at the next request.
    cluster.super_nodes.filter(node_name=nodes[-1]).delete()
    after = api(cluster, "GET", f"{DS}/agent")[1]
    assert after["status"]["desiredNumberScheduled"] == len(nodes) - 1
    assert sorted(p["spec"]["nodeName"] for p in owned_pods(cluster, after)) == nodes[:-1]
