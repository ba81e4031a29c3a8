"""localcloud's metrics.k8s.io: the shapes metrics-server gives, selectors, the usage
model's bounds and agreement within a window, and read-only refusals."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from console.localcloud.k8s import metrics, metrics_api, shell_cpu
from console.localcloud.models import Cluster, Pod
from tests.test_k8s_api import api

BASE = "/apis/metrics.k8s.io/v1beta1"
WEB_PODS = {"web-6f7d9c-x2k4p", "web-6f7d9c-q8m3z"}


@pytest.fixture
def cluster(cloud) -> Cluster:
    return Cluster.objects.get(name="prod-web")


def cores(quantity: str) -> float:
    assert quantity.endswith("n")
    return int(quantity[:-1]) / 1e9


def gib(quantity: str) -> float:
    assert quantity.endswith("Ki")
    return int(quantity[:-2]) / 1024**2


def test_discovery_lists_the_metrics_group_and_its_two_resources(cluster):
    groups = api(cluster, "GET", "/apis")[1]["groups"]
    assert {"name": "metrics.k8s.io", "versions": [{"groupVersion": "metrics.k8s.io/v1beta1",
            "version": "v1beta1"}], "preferredVersion": {"groupVersion": "metrics.k8s.io/v1beta1",
            "version": "v1beta1"}} in groups  # fmt: skip
    listed = api(cluster, "GET", BASE)[1]
    assert {(r["name"], r["kind"], r["namespaced"]) for r in listed["resources"]} == {
        ("pods", "PodMetrics", True),
        ("nodes", "NodeMetrics", False),
    }


def test_pod_metrics_per_container_within_the_requests(cluster):
    code, body = api(cluster, "GET", f"{BASE}/pods")
    assert code == 200 and body["kind"] == "PodMetricsList"
    running = Pod.objects.filter(cluster=cluster, phase="Running").count()
    assert len(body["items"]) == running
    web = next(i for i in body["items"] if i["metadata"]["name"] == "web-6f7d9c-x2k4p")
    assert web["apiVersion"] == "metrics.k8s.io/v1beta1" and web["window"] == "15s"
    assert web["metadata"]["namespace"] == "default" and web["timestamp"].endswith("Z")
    assert [c["name"] for c in web["containers"]] == ["nginx", "log-shipper"]
    for container in web["containers"]:  # the demo asks 500m and 1Gi per container
        assert 0 < cores(container["usage"]["cpu"]) < 0.5
        assert 0 < gib(container["usage"]["memory"]) < 1


def test_get_by_name_namespace_and_selectors(cluster):
    code, one = api(cluster, "GET", f"{BASE}/namespaces/default/pods/web-6f7d9c-x2k4p")
    assert code == 200 and one["kind"] == "PodMetrics"
    code, missing = api(cluster, "GET", f"{BASE}/namespaces/default/pods/nope")
    assert code == 404
    assert missing["message"] == 'podmetrics.metrics.k8s.io "default/nope" not found'
    listed = api(cluster, "GET", f"{BASE}/namespaces/default/pods?labelSelector=app%3Dweb")[1]
    assert {i["metadata"]["name"] for i in listed["items"]} == WEB_PODS
    named = api(cluster, "GET", f"{BASE}/pods?fieldSelector=metadata.namespace%3Dkube-system")[1]
    assert named["items"]
    assert {i["metadata"]["namespace"] for i in named["items"]} == {"kube-system"}
    assert api(cluster, "GET", f"{BASE}/namespaces/nowhere/pods")[1]["items"] == []
    code, bad = api(cluster, "GET", f"{BASE}/pods?labelSelector=a%20in%20(")
    assert code == 400 and bad["reason"] == "BadRequest"


def test_node_metrics_sum_their_pods(cluster):
    pods = api(cluster, "GET", f"{BASE}/pods")[1]["items"]
    code, nodes = api(cluster, "GET", f"{BASE}/nodes")
    assert code == 200 and nodes["kind"] == "NodeMetricsList"
    if pods[0]["timestamp"] != nodes["items"][0]["timestamp"]:
        pytest.skip("a window ended between the two reads")
    on_node = {p.name: p.node_name for p in Pod.objects.filter(cluster=cluster)}
    for node in nodes["items"]:
        expected = sum(
            cores(c["usage"]["cpu"])
            for p in pods
            if on_node[p["metadata"]["name"]] == node["metadata"]["name"]
            for c in p["containers"]
        )
        assert cores(node["usage"]["cpu"]) == pytest.approx(expected, abs=1e-6 * len(pods))
    name = nodes["items"][0]["metadata"]["name"]
    assert api(cluster, "GET", f"{BASE}/nodes/{name}")[1]["metadata"]["name"] == name
    assert api(cluster, "GET", f"{BASE}/nodes/nope")[0] == 404
    assert api(cluster, "GET", f"{BASE}/namespaces/default/nodes")[0] == 404


def test_the_metrics_api_is_read_only(cluster):
    assert api(cluster, "POST", f"{BASE}/namespaces/default/pods", {"metadata": {}})[0] == 405
    assert api(cluster, "GET", f"{BASE}/pods?watch=true")[0] == 405


def test_the_model_agrees_within_a_window_and_moves_between_windows():
    at = metrics.window_end(1_800_000_007)
    assert at == 1_800_000_000
    first = metrics.container_usage("uid-1", "app", 0.5, 1.0, at)
    assert first == metrics.container_usage("uid-1", "app", 0.5, 1.0, at)
    hour = [metrics.container_usage("uid-1", "app", 0.5, 1.0, at + 15 * i) for i in range(240)]
    assert len({u.cpu_cores for u in hour}) > 100  # it moves
    assert all(0 < u.cpu_cores <= 0.5 * metrics.CEILING for u in hour)
    assert all(0 < u.memory_gib <= 1.0 * metrics.CEILING for u in hour)
    other = metrics.container_usage("uid-2", "app", 0.5, 1.0, at)
    assert other != first  # each workload its own


@pytest.mark.skipif(os.geteuid() != 0, reason="pods' shells have users of their own as root")
def test_a_busy_loop_in_a_pods_shell_shows_in_its_metrics(cluster, settings, tmp_path):
    settings.LOCALCLOUD_WORK_DIR = str(tmp_path)
    name = "web-6f7d9c-x2k4p"
    user = shell_cpu.pod_user(cluster.cluster_id, "default", name)
    loop = subprocess.Popen(["sh", "-c", "while :; do :; done"], user=user, group=user)
    try:
        time.sleep(1.5)
        assert shell_cpu.cores_by_user({user})[user] > 0.2
        at = metrics.window_end(time.time())
        quiet = metrics.pod_usage(Pod.objects.get(cluster=cluster, name=name), at)[0][1]
        item = metrics_api.pod_metrics(cluster, "default", name, at)[0]
        busy = cores(item["containers"][0]["usage"]["cpu"])
        ceiling = 0.5 * metrics.CEILING  # of nginx's 500m request
        assert busy > quiet.cpu_cores or quiet.cpu_cores >= ceiling - 1e-9
        assert busy <= ceiling + 1e-9
    finally:
        loop.kill()
        loop.wait()
