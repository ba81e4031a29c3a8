"""localcloud's Kubernetes streams (k8s/streams/): watch events and resuming from a
resourceVersion, 410 Gone, bookmarks and timeouts; log parameters; exec over v4 and v5
websockets; the bound on streams per cluster."""

from __future__ import annotations

import json
import time

import pytest
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.test import RequestFactory

from console.localcloud.k8s import resources, streams, tombstones
from console.localcloud.k8s.server import Request, handle
from console.localcloud.k8s.streams import base, watch
from console.localcloud.logwriter import append_line, write_logs
from console.localcloud.models import Cluster, LogLine, Pod
from console.localcloud.routing import websocket_urlpatterns

pytestmark = pytest.mark.django_db(transaction=True)
PODS = resources.find("", "v1", "pods")
POD = "api-5b8c7d-h7j2n"


@pytest.fixture
def cluster(cloud) -> Cluster:
    return Cluster.objects.get(name="prod-web")


@pytest.fixture(autouse=True)
def _own_work_dir(settings, tmp_path):
    settings.LOCALCLOUD_WORK_DIR = str(tmp_path / "work")


def api(cluster, method, path, body=None):
    path, _, query = path.partition("?")
    from urllib.parse import parse_qs

    data = json.dumps(body).encode() if body is not None else b""
    kind = "application/merge-patch+json" if method == "PATCH" else "application/json"
    answer = handle(cluster, Request(method, path, parse_qs(query), content_type=kind, body=data))
    return answer.code, answer.body


def pod(name, labels=None):
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels or {"app": "streamed"}},
        "spec": {"containers": [{"name": "app", "image": "busybox"}]},
    }


def get(cluster, path: str, accept: str = "application/json"):
    """What the /k8s/ endpoint answers (a stream or None), as views.py calls it."""
    request = RequestFactory().get(f"/k8s/{cluster.cluster_id}/{path}", HTTP_ACCEPT=accept)
    return streams.answer(cluster, request, path.split("?")[0])


async def body_of(response) -> list[bytes]:
    return [chunk async for chunk in response]


def events(chunks: list[bytes]) -> list[tuple[str, str]]:
    lines = b"".join(chunks).decode().splitlines()
    return [(e["type"], e["object"]["metadata"].get("name", "")) for e in map(json.loads, lines)]


def new_watch(cluster, since=None, **selectors) -> watch.Watch:
    from console.localcloud.k8s.selectors import field_matcher, label_matcher

    return watch.Watch(
        cluster.pk, cluster.cluster_id, PODS, "default",
        label_matcher(selectors.get("labels", "app=streamed")),
        field_matcher(selectors.get("fields", "")),
        since, 60, False, False, False,
    )  # fmt: skip


def kinds(found: list[dict]) -> list[tuple[str, str]]:
    return [(e["type"], e["object"]["metadata"].get("name", "")) for e in found]


# Watch --------------------------------------------------------------------------------


def test_a_watch_tells_what_changes_between_looks(cluster):
    api(cluster, "POST", "/api/v1/namespaces/default/pods", pod("first"))
    seen = new_watch(cluster)
    assert kinds(watch.start(seen)) == [("ADDED", "first")]
    assert watch.look(seen) == []  # nothing moved

    api(cluster, "POST", "/api/v1/namespaces/default/pods", pod("second"))
    api(
        cluster,
        "PATCH",
        "/api/v1/namespaces/default/pods/first",
        {"metadata": {"labels": {"x": "1"}}},
    )
    assert sorted(kinds(watch.look(seen))) == [("ADDED", "second"), ("MODIFIED", "first")]

    # Leaving the selector reads as a deletion, as on the API server.
    api(
        cluster,
        "PATCH",
        "/api/v1/namespaces/default/pods/first",
        {"metadata": {"labels": {"app": "other"}}},
    )
    api(cluster, "DELETE", "/api/v1/namespaces/default/pods/second")
    assert sorted(kinds(watch.look(seen))) == [("DELETED", "first"), ("DELETED", "second")]


def test_a_watch_resumes_from_a_resource_version(cluster):
    api(cluster, "POST", "/api/v1/namespaces/default/pods", pod("kept"))
    api(cluster, "POST", "/api/v1/namespaces/default/pods", pod("doomed"))
    listed = api(cluster, "GET", "/api/v1/namespaces/default/pods")[1]["metadata"]
    since = int(listed["resourceVersion"])

    api(cluster, "DELETE", "/api/v1/namespaces/default/pods/doomed")
    api(cluster, "POST", "/api/v1/namespaces/default/pods", pod("late"))
    found = watch.start(new_watch(cluster, since))
    assert kinds(found) == [("DELETED", "doomed"), ("MODIFIED", "late")]
    versions = [int(e["object"]["metadata"]["resourceVersion"]) for e in found]
    assert since < versions[0] < versions[1]


def test_a_watch_from_before_the_kept_deletions_is_gone(cluster):
    api(cluster, "POST", "/api/v1/namespaces/default/pods", pod("brief"))
    since = Cluster.objects.get(pk=cluster.pk).kube_revision
    api(cluster, "DELETE", "/api/v1/namespaces/default/pods/brief")
    assert kinds(watch.start(new_watch(cluster, since))) == [("DELETED", "brief")]

    # Five minutes on, the next deletion forgets that one: resuming from before is 410.
    cluster.kube_tombstones.update(deleted_at=time.time() - tombstones.KEEP_SECONDS - 1)
    api(cluster, "POST", "/api/v1/namespaces/default/pods", pod("other"))
    api(cluster, "DELETE", "/api/v1/namespaces/default/pods/other")
    (gone,) = watch.start(new_watch(cluster, since))
    assert gone["type"] == "ERROR"
    assert gone["object"]["code"] == 410 and gone["object"]["reason"] == "Expired"
    assert gone["object"]["message"].startswith(f"too old resource version: {since} (")


def test_a_deleted_namespace_leaves_tombstones_of_what_was_in_it(cluster):
    api(cluster, "POST", "/api/v1/namespaces", {"metadata": {"name": "scratch"}})
    api(cluster, "POST", "/api/v1/namespaces/scratch/pods", pod("inside"))
    since = Cluster.objects.get(pk=cluster.pk).kube_revision
    api(cluster, "DELETE", "/api/v1/namespaces/scratch")
    assert [o["metadata"]["name"] for o in tombstones.since(cluster, "pods", since)] == ["inside"]


async def test_the_stream_sends_headers_at_once_bookmarks_and_ends_at_its_timeout(
    cluster, monkeypatch
):
    monkeypatch.setattr(watch, "LOOK_EVERY", 0.05)
    monkeypatch.setattr(watch, "BOOKMARK_EVERY", 0.0)
    path = "api/v1/namespaces/default/pods?watch=true&timeoutSeconds=1&allowWatchBookmarks=true"
    response = await _get(cluster, path)
    chunks = await body_of(response)
    assert chunks[0] == b""  # the headers before any event
    found = events(chunks)
    assert ("ADDED", POD) in found and found[-1][0] == "BOOKMARK"


async def test_initial_events_end_with_a_bookmark_so_marked(cluster):
    path = (
        "api/v1/namespaces/default/pods?watch=true&timeoutSeconds=0&sendInitialEvents=true"
        f"&resourceVersionMatch=NotOlderThan&fieldSelector=metadata.name%3D{POD}"
    )
    lines = b"".join(await body_of(await _get(cluster, path))).decode().splitlines()
    first, last = json.loads(lines[0]), json.loads(lines[-1])
    assert (first["type"], first["object"]["metadata"]["name"]) == ("ADDED", POD)
    assert last["type"] == "BOOKMARK"
    assert last["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}


async def test_a_watch_for_kubectl_get_sends_table_rows(cluster):
    path = "api/v1/namespaces/default/pods?watch=1&timeoutSeconds=0"
    path += f"&fieldSelector=metadata.name%3D{POD}"
    accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    (line,) = b"".join(await body_of(await _get(cluster, path, accept))).decode().splitlines()
    table = json.loads(line)["object"]
    assert table["kind"] == "Table" and table["rows"][0]["cells"][:3] == [POD, "1/1", "Running"]


async def _get(cluster, path, accept="application/json"):
    from asgiref.sync import sync_to_async

    return await sync_to_async(get)(cluster, path, accept)


def test_a_bad_selector_or_resource_version_is_a_bad_request(cluster):
    for query in ("labelSelector=a%20b%20c", "resourceVersion=abc"):
        answer = get(cluster, f"api/v1/pods?watch=true&{query}")
        assert answer.status_code == 400 and json.loads(answer.content)["reason"] == "BadRequest"


def test_streams_of_one_cluster_are_bounded(cluster, monkeypatch):
    monkeypatch.setattr(base, "MAX_STREAMS_PER_CLUSTER", 1)
    with base.slot(cluster.cluster_id):
        for path in ("api/v1/pods?watch=true", f"api/v1/namespaces/default/pods/{POD}/log"):
            answer = get(cluster, path)
            assert answer.status_code == 429
            assert json.loads(answer.content)["reason"] == "TooManyRequests"


# Logs ---------------------------------------------------------------------------------


def log_path(query: str, name: str = POD) -> str:
    return f"api/v1/namespaces/default/pods/{name}/log?{query}"


async def read_log(cluster, query: str) -> str:
    return b"".join(await body_of(await _get(cluster, log_path(query)))).decode()


async def test_log_lines_with_timestamps_and_limit_bytes(cluster):
    from asgiref.sync import sync_to_async

    the_pod = await Pod.objects.aget(cluster=cluster, namespace="default", name=POD)
    await sync_to_async(append_line)(the_pod, "app", "first\nsecond of the same entry")
    text = await read_log(cluster, "tailLines=2&timestamps=true")
    one, two = text.splitlines()
    assert one.endswith(" first") and two.endswith(" second of the same entry")
    stamp = one.split(" ")[0]
    assert len(stamp) == len("2024-01-01T00:00:00.000000000Z") and stamp == two.split(" ")[0]
    assert await read_log(cluster, "tailLines=2&limitBytes=8") == "first\nse"
    assert await read_log(cluster, "tailLines=0") == ""


async def test_log_since_time_leaves_older_lines_out(cluster):
    everything = await read_log(cluster, "timestamps=true")
    lines = everything.splitlines()
    middle = lines[len(lines) // 2].split(" ")[0]
    since = await read_log(cluster, f"timestamps=true&sinceTime={middle[:19]}Z")
    assert 0 < len(since.splitlines()) < len(lines)
    assert all(line.split(" ")[0] >= middle[:19] for line in since.splitlines())


@pytest.mark.parametrize(
    ("query", "name", "message"),
    [
        ("", "web-6f7d9c-x2k4p", "a container name must be specified for pod web-6f7d9c-x2k4p, "
         "choose one of: [nginx log-shipper]"),
        ("container=nope", POD, f"container nope is not valid for pod {POD}"),
        ("previous=true", POD, f'previous terminated container "app" in pod "{POD}" not found'),
        ("tailLines=-1", POD, "tailLines: Invalid value: -1: must be at least 0"),
        ("sinceSeconds=5&sinceTime=2024-01-01T00:00:00Z", POD,
         "at most one of sinceTime or sinceSeconds may be specified"),
    ],
)  # fmt: skip
def test_log_requests_the_api_server_refuses(cluster, query, name, message):
    answer = get(cluster, log_path(query, name))
    assert answer.status_code == 400 and json.loads(answer.content)["message"] == message


def test_catching_a_pods_log_up_twice_writes_its_lines_once(cluster):
    # Two readers (two processes) holding the same pod as it was: only one writes.
    first = Pod.objects.get(cluster=cluster, name=POD)
    second = Pod.objects.get(cluster=cluster, name=POD)
    write_logs(first)
    count = LogLine.objects.filter(stream__pod=POD).count()
    write_logs(second)
    assert LogLine.objects.filter(stream__pod=POD).count() == count


# Exec ---------------------------------------------------------------------------------


def exec_socket(cluster, query: str, protocol="v5.channel.k8s.io", token=None, pod=POD):
    path = f"/k8s/{cluster.cluster_id}/api/v1/namespaces/default/pods/{pod}/exec?{query}"
    auth = f"Bearer {token or cluster.kube_token}".encode()
    return WebsocketCommunicator(
        URLRouter(websocket_urlpatterns),
        path,
        headers=[(b"authorization", auth)],
        subprotocols=[protocol],
    )


async def frames_until_closed(comm) -> dict[int, bytes]:
    out: dict[int, bytes] = {}
    while True:
        message = await comm.receive_output(timeout=20)
        if message["type"] == "websocket.close":
            return out
        data = message["bytes"]
        out[data[0]] = out.get(data[0], b"") + data[1:]


@pytest.mark.parametrize("protocol", ["v4.channel.k8s.io", "v5.channel.k8s.io"])
async def test_exec_without_a_terminal_keeps_streams_apart_and_exits_with_its_code(
    cluster, protocol
):
    query = (
        "command=sh&command=-c&command=echo+out%3B+echo+err+>%262%3B+exit+3&stdout=true&stderr=true"
    )
    comm = exec_socket(cluster, query, protocol)
    connected, chosen = await comm.connect(timeout=10)
    assert connected and chosen == protocol
    got = await frames_until_closed(comm)
    assert got[1] == b"out\n" and got[2] == b"err\n"
    status = json.loads(got[3])
    assert status["reason"] == "NonZeroExitCode"
    assert status["details"]["causes"] == [{"reason": "ExitCode", "message": "3"}]


async def test_exec_reads_stdin_until_v5_closes_it(cluster):
    comm = exec_socket(cluster, "command=cat&stdin=true&stdout=true&stderr=true")
    assert (await comm.connect(timeout=10))[0]
    await comm.send_to(bytes_data=b"\x00piped\n")
    await comm.send_to(bytes_data=b"\xff\x00")  # v5: stdin is closed
    got = await frames_until_closed(comm)
    assert got[1] == b"piped\n" and json.loads(got[3])["status"] == "Success"


async def test_exec_with_a_wrong_token_is_refused_before_the_upgrade(cluster):
    comm = exec_socket(cluster, "command=true&stdout=true", token="wrong")
    connected, _ = await comm.connect(timeout=10)
    assert not connected


async def test_exec_in_a_missing_pod_answers_the_api_servers_status(cluster):
    comm = exec_socket(cluster, "command=true&stdout=true", pod="no-such-pod")
    assert (await comm.connect(timeout=10))[0]
    got = await frames_until_closed(comm)
    status = json.loads(got[3])
    assert (status["code"], status["message"]) == (404, 'pods "no-such-pod" not found')


def test_exec_over_spdy_says_to_use_a_newer_kubectl(cluster):
    request = RequestFactory().post(
        f"/k8s/{cluster.cluster_id}/api/v1/namespaces/default/pods/{POD}/exec?command=true",
        HTTP_UPGRADE="SPDY/3.1",
        HTTP_CONNECTION="Upgrade",
    )
    answer = streams.answer(cluster, request, f"api/v1/namespaces/default/pods/{POD}/exec")
    assert answer.status_code == 400
    assert "kubectl 1.30" in json.loads(answer.content)["message"]
