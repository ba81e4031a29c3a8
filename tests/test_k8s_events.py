"""localcloud's Events as a client reads them: the scheduler's and the kubelet's for each
pod started or stopped (by a controller or by hand), the controllers' own; and their end
after the event TTL or beyond a cluster's newest MAX_EVENTS, seen DELETED by a watch."""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest
import time_machine

from console.localcloud.k8s import tombstones
from console.localcloud.k8s.controllers import events
from console.localcloud.models import Cluster
from tests.test_k8s_api import api, deployment

DEPLOYS = "/apis/apps/v1/namespaces/default/deployments"
PODS = "/api/v1/namespaces/default/pods"
EVENTS = "/api/v1/namespaces/default/events"
MERGE = "application/merge-patch+json"


@pytest.fixture
def cluster(cloud) -> Cluster:
    cluster = Cluster.objects.get(name="prod-web")
    assert events.prune(cluster) == 0  # the demo's are days old: the seed left none
    return cluster


def events_of(cluster, kind: str, name: str) -> list[dict]:
    selector = quote(f"involvedObject.kind={kind},involvedObject.name={name}")
    found = api(cluster, "GET", f"{EVENTS}?fieldSelector={selector}")[1]["items"]
    return sorted(found, key=lambda e: int(e["metadata"]["resourceVersion"]))


def pods_of(cluster, app: str) -> list[str]:
    items = api(cluster, "GET", f"{PODS}?labelSelector=app%3D{app}")[1]["items"]
    return sorted(p["metadata"]["name"] for p in items)


def test_a_controllers_pod_is_scheduled_and_started_then_killed(cluster):
    api(cluster, "POST", DEPLOYS, deployment("shop", replicas=2))
    first, second = pods_of(cluster, "shop")
    node = api(cluster, "GET", f"{PODS}/{first}")[1]["spec"]["nodeName"]
    told = events_of(cluster, "Pod", first)
    assert [(e["reason"], e["source"]["component"]) for e in told] == [
        ("Scheduled", "default-scheduler"),
        ("Pulled", "kubelet"),
        ("Created", "kubelet"),
        ("Started", "kubelet"),
    ]
    assert told[0]["message"] == f"Successfully assigned default/{first} to {node}"
    assert told[1]["message"] == 'Container image "nginx:1.27" already present on machine'
    assert told[3]["involvedObject"]["fieldPath"] == "spec.containers{app}"
    assert told[3]["source"]["host"] == node and told[3]["type"] == "Normal"
    rs = events_of(cluster, "ReplicaSet", told[0]["involvedObject"]["name"].rsplit("-", 1)[0])
    assert [e["source"]["component"] for e in rs] == ["replicaset-controller"] * 2

    api(cluster, "PATCH", f"{DEPLOYS}/shop", {"spec": {"replicas": 1}}, MERGE)
    gone = ({first, second} - set(pods_of(cluster, "shop"))).pop()
    killing = events_of(cluster, "Pod", gone)[-1]
    assert (killing["reason"], killing["message"]) == ("Killing", "Stopping container app")


def test_a_job_tells_of_its_pod_and_its_completion(cluster, settings):
    settings.LOCALCLOUD_JOB_SECONDS = 30
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "report"},
        "spec": {"template": {"spec": {"containers": [{"name": "r", "image": "busybox"}]}}},
    }
    api(cluster, "POST", "/apis/batch/v1/namespaces/default/jobs", job)
    with time_machine.travel(time.time() + 31, tick=False):
        told = events_of(cluster, "Job", "report")
    assert [(e["reason"], e["source"]["component"]) for e in told] == [
        ("SuccessfulCreate", "job-controller"),
        ("Completed", "job-controller"),
    ]


def test_a_pod_made_and_deleted_by_hand_has_its_events(cluster):
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "solo"},
        "spec": {"containers": [{"name": "a", "image": "busybox"}, {"name": "b", "image": "x"}]},
    }
    assert api(cluster, "POST", PODS, pod)[0] == 201
    reasons = [e["reason"] for e in events_of(cluster, "Pod", "solo")]
    assert reasons == ["Scheduled"] + ["Pulled", "Created", "Started"] * 2
    api(cluster, "PATCH", f"{PODS}/solo", {"metadata": {"labels": {"x": "y"}}}, MERGE)
    assert len(events_of(cluster, "Pod", "solo")) == 7  # a changed pod is not started again
    assert api(cluster, "DELETE", f"{PODS}/solo")[0] == 200
    assert [e["reason"] for e in events_of(cluster, "Pod", "solo")][-2:] == ["Killing"] * 2


def test_events_older_than_the_ttl_go_at_the_next_request_and_watchers_see_them_go(
    cluster, settings
):
    settings.LOCALCLOUD_EVENT_TTL_SECONDS = 3600
    with time_machine.travel(time.time() - 2 * 3600, tick=False):
        api(cluster, "POST", DEPLOYS, deployment("old", replicas=1))
        listed = [e["metadata"]["name"] for e in api(cluster, "GET", EVENTS)[1]["items"]]
    old = {name for name in listed if name.startswith("old")}
    assert len(old) == 6  # the deployment's, its ReplicaSet's, its pod's four
    before = Cluster.objects.get(pk=cluster.pk).kube_revision
    api(cluster, "POST", DEPLOYS, deployment("new", replicas=1))
    left = [e["metadata"]["name"] for e in api(cluster, "GET", EVENTS)[1]["items"]]
    assert not old & set(left) and len([n for n in left if n.startswith("new")]) == 6
    buried = {e["metadata"]["name"] for e in tombstones.since(cluster, "events", before)}
    assert old <= buried  # a watch resumed from before sees them DELETED
    assert events.prune(cluster) == 0


def test_a_cluster_keeps_only_its_newest_events(cluster, monkeypatch):
    monkeypatch.setattr(events, "MAX_EVENTS", 6)
    api(cluster, "POST", DEPLOYS, deployment("shop", replicas=2))  # 1 + 2 x (1 + 4) events
    api(cluster, "PATCH", f"{DEPLOYS}/shop", {"spec": {"replicas": 3}}, MERGE)  # 1 + 5 more
    kept = api(cluster, "GET", EVENTS)[1]["items"]  # the request pruned the rest first
    kept.sort(key=lambda e: int(e["metadata"]["resourceVersion"]))
    assert [e["reason"] for e in kept] == [
        "ScalingReplicaSet",
        "SuccessfulCreate",
        "Scheduled",
        "Pulled",
        "Created",
        "Started",
    ]
    assert kept[0]["message"].endswith(" to 3")
    api(cluster, "DELETE", f"{DEPLOYS}/shop")  # 3 Killing: the three before them go
    assert events.prune(cluster) == 3
    assert [e["reason"] for e in api(cluster, "GET", EVENTS)[1]["items"]].count("Killing") == 3
