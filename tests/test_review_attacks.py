"""Attacks on the workload actions, usage charts and workload logs, replayed as a tenant's
viewer or operator would try them: another tenant's cluster, writes without the role or
without CSRF, and hostile input (YAML values JSON cannot carry, deeply nested JSON log
lines, digits that are not ASCII). Each must change nothing and answer a page, not a 500."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.test import Client

from console.localcloud.k8s.server import Request, handle
from console.localcloud.logwriter import append_line
from console.localcloud.models import Cluster, KubeObject, Pod
from tests.conftest import logged_in
from tests.test_log_workload import _fast_tail, open_tail, tail_query  # noqa: F401 - a fixture
from tests.test_workload_actions import DEPLOY_PATH, get, make_shop, stored, url

CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: odd-values\ndata:\n"


@pytest.fixture
def cluster(cloud) -> Cluster:
    return Cluster.objects.get(name="prod-web")


def test_yaml_values_json_cannot_carry_are_a_message(operator_client, cluster):
    for n, value in enumerate(
        ["2024-01-01", "2024-01-01T10:00:00Z", "!!binary aGk=", ".nan", "!!set {a: null}"]
    ):
        text = f"{CONFIGMAP.replace('odd-values', f'odd-values-{n}')}  when: {value}\n"
        for action in ("dry_run", "create"):
            response = operator_client.post(
                url(cluster, "new/yaml/"),
                {"manifest": text, "namespace": "default", "action": action},
            )
            assert response.status_code in (200, 400), value
        # An unquoted date is the text kubectl would send; the others are refused.
        assert stored(cluster, f"odd-values-{n}") == value.startswith("2024"), value


def test_unicode_digits_are_not_a_revision(operator_client, viewer_client, cluster):
    make_shop(operator_client, cluster)
    path = url(cluster, "deployments/default/shop/rollback/")
    response = operator_client.post(path, {"revision": "²", "confirm": "²"})
    assert response.status_code == 302
    # A ReplicaSet annotated with such a "revision" by anyone with kubectl: the page reads.
    rs_path = "/apis/apps/v1/namespaces/default/replicasets"
    rs = get(cluster, rs_path)["items"][0]
    rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "²"
    name = rs["metadata"]["name"]
    handle(cluster, Request("PUT", f"{rs_path}/{name}", body=json.dumps(rs).encode()))
    assert viewer_client.get(url(cluster, "deployments/default/shop/")).status_code == 200
    assert operator_client.post(path, {"revision": "1", "confirm": "1"}).status_code == 302
    scale = operator_client.post(url(cluster, "deployments/default/shop/scale/"), {"replicas": "²"})
    assert scale.status_code == 302
    form = {"name": "sup", "namespace": "default", "image": "nginx", "replicas": "1",
            "ports": "8²", "action": "create"}  # fmt: skip
    assert operator_client.post(url(cluster, "new/deployment/"), form).status_code == 400
    preview = operator_client.post(url(cluster, "new/deployment/preview/"), form)
    assert preview.status_code == 200 and "Fix the fields" in preview.content.decode()
    assert not stored(cluster, "sup")


def test_another_tenant_cannot_act_on_a_clusters_workloads(operator_client, outsider, cluster):
    make_shop(operator_client, cluster)
    revision = get(cluster, DEPLOY_PATH)["metadata"]["resourceVersion"]
    pods = set(Pod.objects.filter(cluster=cluster).values_list("name", flat=True))
    other = logged_in(outsider)
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: planted\n"
    for path, data in [
        ("new/yaml/", {"manifest": manifest, "namespace": "default", "action": "create"}),
        ("new/deployment/", {"name": "planted", "namespace": "default", "image": "n",
                             "replicas": "1", "action": "create"}),
        ("deployments/default/shop/restart/", {"confirm": "restart"}),
        ("deployments/default/shop/rollback/", {"revision": "1", "confirm": "1"}),
    ]:  # fmt: skip
        other.post(url(cluster, path), data)
    assert not stored(cluster, "planted")
    assert get(cluster, DEPLOY_PATH)["metadata"]["resourceVersion"] == revision
    assert set(Pod.objects.filter(cluster=cluster).values_list("name", flat=True)) == pods
    page = other.get(url(cluster, "deployments/default/shop/")).content.decode()
    assert "nginx:1.26" not in page
    for rest in ("", "pods/", "nodes/", "pods/default/web-6f7d9c-q8m3z/"):
        html = other.get(f"/clusters/{cluster.cluster_id}/usage/{rest}").content.decode()
        assert 'class="moment"' not in html and "spark-value" not in html, rest
        if "default" not in rest:  # the pod's own page names the pod the address names
            assert "web-6f7d9c" not in html, rest


def test_every_new_write_needs_the_csrf_token(operator, cluster):
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    for path, data in [
        ("new/yaml/", {"manifest": CONFIGMAP + "  a: b\n", "namespace": "default",
                       "action": "create"}),
        ("new/deployment/", {"name": "x", "namespace": "default", "image": "n",
                             "replicas": "1", "action": "create"}),
        ("new/deployment/preview/", {"name": "x", "image": "n"}),
        ("deployments/default/web/restart/", {"confirm": "restart"}),
        ("deployments/default/web/rollback/", {"revision": "1", "confirm": "1"}),
    ]:  # fmt: skip
        assert client.post(url(cluster, path), data).status_code == 403, path
    assert not KubeObject.objects.filter(cluster=cluster, name__in=["x", "odd-values"]).exists()


def test_a_viewer_cannot_write_by_get(viewer_client, cluster):
    for path in ("deployments/default/web/restart/", "deployments/default/web/rollback/"):
        assert viewer_client.get(url(cluster, path) + "?confirm=restart").status_code == 405
    query = "?manifest=apiVersion%3A+v1&action=create"
    assert viewer_client.get(url(cluster, "new/yaml/") + query).status_code == 403


def test_a_deeply_nested_json_log_line_is_shown_as_text(viewer_client, cloud):
    pod = Pod.objects.select_related("cluster").get(
        name="web-6f7d9c-q8m3z", cluster__name="prod-web"
    )
    body = '{"deep-probe":' + "[" * 5000 + "]" * 5000 + "}"
    append_line(pod, "nginx", body)
    query = {
        "cluster": pod.cluster.cluster_id,
        "namespace": "default",
        "workload": "deployment/web",
        "container": "nginx",
        "kw": "deep-probe",
    }
    for extra in ({}, {"field": "deep-probe:*"}):
        response = viewer_client.get(f"/logs/?{urlencode({**query, **extra})}")
        assert response.status_code == 200, extra
    assert "deep-probe" in viewer_client.get(f"/logs/?{urlencode(query)}").content.decode()


def test_nan_is_not_json_on_a_clusters_api(cluster):
    body = b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"nan"},"data":{"a":NaN}}'
    answer = handle(cluster, Request("POST", "/api/v1/namespaces/default/configmaps", body=body))
    assert answer.code == 400 and not stored(cluster, "nan")


def test_metrics_a_cluster_makes_up_are_a_note_not_a_500(viewer_client, cluster, monkeypatch):
    from console.localcloud.k8s import metrics_api

    # On a real cloud the tenant can serve metrics.k8s.io itself: values need not parse.
    def hostile(*_args):
        usage = {"cpu": "lots", "memory": "1Ki"}
        meta = {"name": "p", "namespace": "default"}
        return [{"metadata": meta, "containers": [{"name": "c", "usage": usage}]}]

    monkeypatch.setattr(metrics_api, "pod_metrics", hostile)
    for rest in ("", "pods/", "nodes/", "pods/default/p/"):
        response = viewer_client.get(f"/clusters/{cluster.cluster_id}/usage/{rest}")
        assert response.status_code == 200, rest
        assert 'data-usage-note="error"' in response.content.decode(), rest


def test_a_workload_page_lists_a_bounded_number_of_pods(viewer_client, cluster, monkeypatch):
    from console.resources import workload

    monkeypatch.setattr(workload, "MAX_PODS", 1)  # "web" has two pods
    html = viewer_client.get(url(cluster, "deployments/default/web/")).content.decode()
    rows = html.split('id="table-workload-pods"')[1].split("</table>")[0]
    assert rows.count("<tr data-name=") == 1
    assert "The first 1 of 2 pods, by name." in html and '<small class="count">2</small>' in html


def test_made_up_cluster_ids_are_not_kept_an_hour(viewer_client, cloud, monkeypatch):
    from django.core.cache import cache

    from console.usage import history

    kept = {}
    real = cache.aset

    async def spy(key, value, timeout=None, **kwargs):
        kept[key] = timeout
        return await real(key, value, timeout, **kwargs)

    monkeypatch.setattr(cache, "aset", spy)
    for n in range(3):
        assert viewer_client.get(f"/clusters/uk8s-madeup{n}/usage/").status_code == 200
    usage = {k: t for k, t in kept.items() if k.startswith("usage:cluster:")}
    assert len(usage) == 3 and all(t <= history.FAILED_SECONDS for t in usage.values())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_fast_tail")
async def test_one_user_keeps_a_bounded_number_of_tails_open(cloud, viewer, monkeypatch):
    from console.logs import tail

    monkeypatch.setattr(tail, "MOST_TAILS_PER_USER", 2)
    pod = await Pod.objects.select_related("cluster").aget(
        name="web-6f7d9c-q8m3z", cluster__name="prod-web"
    )
    # Each filter is a tail (and a poller reading every pod) of its own.
    first, second = [await open_tail(viewer, tail_query(pod, kw=f"t{n}")) for n in (1, 2)]
    await open_tail(viewer, tail_query(pod, kw="t3"), answer="refused")
    await first.disconnect()
    third = await open_tail(viewer, tail_query(pod, kw="t3"))
    for socket in (second, third):
        await socket.disconnect()
    assert tail._pollers == {} and tail._open_by_user == {}


def test_hostile_events_on_a_workloads_page(operator_client, cluster):
    make_shop(operator_client, cluster)
    shop = get(cluster, DEPLOY_PATH)
    for when in ["99999999999999999999", "²", "<b>now</b>"]:
        _hostile_event(operator_client, cluster, shop, when)


def _hostile_event(operator_client, cluster, shop, when):
    event = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"shop.hostile{len(when)}", "namespace": "default"},
        "involvedObject": {"kind": "Deployment", "name": "shop", "namespace": "default",
                           "uid": shop["metadata"]["uid"]},
        "reason": "<i>Reason</i>",
        "message": "<script>alert(1)</script>",
        "type": "<b>Warning</b>",
        "lastTimestamp": when,
    }  # fmt: skip
    path = "/api/v1/namespaces/default/events"
    assert handle(cluster, Request("POST", path, body=json.dumps(event).encode())).code == 201
    response = operator_client.get(url(cluster, "deployments/default/shop/"))
    html = response.content.decode()
    assert response.status_code == 200, when
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "<i>Reason" not in html and "<b>Warning" not in html and "<b>now" not in html, when


def test_pods_a_metrics_api_names_oddly_are_left_out(viewer_client, cluster, monkeypatch):
    from console.localcloud.k8s import metrics_api

    usage = {"cpu": "5m", "memory": "1Ki"}
    items = [
        {"metadata": meta, "containers": [{"name": "c", "usage": usage}]}
        for meta in ({"name": "a/b", "namespace": "default"}, {"name": "p"})
    ]
    monkeypatch.setattr(metrics_api, "pod_metrics", lambda *_args: items)
    for rest in ("", "pods/", "nodes/"):
        response = viewer_client.get(f"/clusters/{cluster.cluster_id}/usage/{rest}")
        assert response.status_code == 200, rest


def test_pasted_yaml_is_parsed_off_the_event_loop(operator_client, cluster, monkeypatch):
    import asyncio

    from console.resources import manifests

    on_loop = []
    parse = manifests.parse

    def watched(text):
        try:
            asyncio.get_running_loop()
            on_loop.append(True)
        except RuntimeError:
            on_loop.append(False)
        return parse(text)

    monkeypatch.setattr(manifests, "parse", watched)
    text = "".join(f"k{i}: v\n" for i in range(20))
    operator_client.post(url(cluster, "new/yaml/"), {"manifest": text, "action": "dry_run"})
    assert on_loop == [False]  # every other request of the worker waits while it runs


BOMB = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
    f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


def test_the_object_editor_refuses_bombs_and_depth(operator_client, cluster):
    path = url(cluster, "configmaps/default/api-config/")
    for tail in (BOMB, "deep: " + "[" * 1500 + "]" * 1500 + "\n", "when: !!binary aGk=\n"):
        text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api-config\n" + tail
        response = operator_client.post(path, {"manifest": text})
        assert response.status_code == 400, tail[:20]


def test_objects_are_written_as_yaml_off_the_event_loop(
    operator_client, viewer_client, cluster, monkeypatch
):
    import asyncio

    import yaml

    on_loop = []
    dump = yaml.safe_dump

    def watched(*args, **kwargs):
        try:
            asyncio.get_running_loop()
            on_loop.append(True)
        except RuntimeError:
            on_loop.append(False)
        return dump(*args, **kwargs)

    monkeypatch.setattr(yaml, "safe_dump", watched)
    viewer_client.get(url(cluster, "configmaps/default/api-config/"))
    operator_client.post(
        url(cluster, "new/yaml/"), {"manifest": CONFIGMAP + "  a: b\n", "action": "dry_run"}
    )
    assert on_loop == [False, False]  # the page's object, the dry run's answer
