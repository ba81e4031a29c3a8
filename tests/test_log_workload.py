"""Logs of a whole workload: every pod's lines merged by time and tagged with the pod, in the
search and the live tail; the severity filter; JSON lines as fields, searchable by field."""

from __future__ import annotations

import asyncio
import re
import time
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from django.core.cache import cache

from console.cloud.client import CloudError
from console.localcloud.logwriter import append_line
from console.localcloud.models import Pod
from console.logs import tail, workload
from console.logs.jsonfields import fields_html, fields_of, matches, parse_filter
from console.logs.linefilter import LineFilter
from console.logs.severity import level_of
from console.logs.workload import Stream, label_selector, tag_html
from tests.conftest import logged_in
from tests.terminal.conftest import communicator, session_cookie

PODS = ("web-6f7d9c-q8m3z", "web-6f7d9c-x2k4p")  # the demo deployment "web", two pods
PROD = {"cluster__name": "prod-web"}


@pytest.mark.parametrize(
    ("body", "level"),
    [
        ("ERROR worker-3 processed job", "error"),
        ("\x1b[33mWARN\x1b[0m cache hit ratio 40%", "warn"),
        ('time=2026-11-30T10:00:00Z level=info msg="ready"', "info"),
        ('{"ts":1,"level":"warning","msg":"slow"}', "warn"),
        ('{"severity":"DEBUG","message":"x"}', "debug"),
        ("E1130 12:00:01.123456    1 reflector.go:1] failed to list", "error"),
        ("I1130 12:00:01.123456    1 main.go:1] started", "info"),
        ("2026/11/30 12:00:00 [error] 7#7: *1 open() failed", "error"),
        ("FATAL: could not bind", "error"),
        ('10.9.1.2 - - "GET /api/orders HTTP/1.1" 500 120 3ms', None),
        ("an INFORMATIONAL word is not a level", None),
    ],
)
def test_it_reads_the_level_a_line_carries(body, level):
    assert level_of(body) == level


def test_json_lines_have_fields_and_filters_match_them_exactly():
    fields = fields_of('{"msg":"paid","status":500,"ok":false,"user":{"id":"u1"},"tags":["a"]}')
    assert fields == [
        ("msg", "paid"),
        ("status", "500"),
        ("ok", "false"),
        ("user.id", "u1"),
        ("tags", '["a"]'),
    ]
    assert matches(fields, [("status", "500"), ("user.id", "u1")])
    assert not matches(fields, [("status", "50")])
    assert matches(fields, [("user.id", "*")]) and not matches(fields, [("missing", "*")])
    assert not matches(fields_of("plain text"), [("status", "500")])
    assert fields_of('["a list"]') is None and fields_of("{not json}") is None
    assert parse_filter("http.status:5:00") == ("http.status", "5:00")
    for bad in ("no colon", ":value", "key:", "bad key:1"):
        with pytest.raises(ValueError, match="key:value"):
            parse_filter(bad)


def test_hostile_names_and_values_are_escaped():
    html = tag_html(Stream('"><img src=x onerror=alert(1)>', "c"), with_container=True)
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt; c" in html
    chips = fields_html(fields_of('{"<b>k</b>":"<script>alert(2)</script>"}'), ["alert"])
    assert "<script>" not in chips and "<b>" not in chips
    assert '<span class="fk">&lt;b&gt;k&lt;/b&gt;</span>' in chips
    assert "&lt;script&gt;<mark>alert</mark>(2)&lt;/script&gt;" in chips


def test_a_selector_becomes_a_label_query():
    spec = {
        "selector": {
            "matchLabels": {"app": "web", "tier": "front"},
            "matchExpressions": [
                {"key": "env", "operator": "In", "values": ["a", "b"]},
                {"key": "canary", "operator": "DoesNotExist"},
            ],
        }
    }
    assert label_selector({"spec": spec}) == "app=web,tier=front,env in (a,b),!canary"
    job = {"spec": {"template": {"metadata": {"labels": {"job-name": "report"}}}}}
    assert label_selector(job) == "job-name=report"


async def test_search_merges_streams_and_says_what_it_could_not_read():
    answers = {  # pod -> (TotalCount, [(ns, body)]), as a LineLimit of 2 cut them
        "a": (10, [(1, "INFO a1"), (4, "ERROR a4")]),
        "b": (2, [(2, "ERROR b2"), (3, "INFO b3")]),
    }

    async def call(action, **params):
        assert action == "GetContainerLogs" and params["Keywords"] == ["k"]
        if params["Pod"] == "gone":
            raise CloudError(200, "Pod [default/gone] does not exist", action)
        total, lines = answers[params["Pod"]]
        infos = [SimpleNamespace(Time=t, Body=b) for t, b in lines][-params["LineLimit"] :]
        return SimpleNamespace(TotalCount=total, Infos=infos)

    streams = [Stream(p, "c") for p in ("a", "b", "gone")]
    found = await workload.search(call, streams, {"Keywords": ["k"]}, 3, LineFilter())
    assert [(x.ns, x.stream.pod) for x in found.lines] == [(2, "b"), (3, "b"), (4, "a")]
    assert found.total == 12 and not found.narrowed
    assert found.failed == [(Stream("gone", "c"), "Pod [default/gone] does not exist")]
    # A level filter: counted among the lines read; "a" was cut, so the page says so.
    errors = LineFilter(levels=frozenset({"error"}))
    found = await workload.search(call, streams, {"Keywords": ["k"]}, 3, errors)
    assert [x.body for x in found.lines] == ["ERROR b2", "ERROR a4"]
    assert found.total == 2 and found.narrowed
    with pytest.raises(CloudError):  # nothing could be read: the failure itself
        await workload.search(call, [Stream("gone", "c")], {"Keywords": ["k"]}, 3, errors)


# ---- through the embedded cloud -------------------------------------------------------


@pytest.fixture
def web_pods(cloud) -> list[Pod]:
    return [
        Pod.objects.select_related("cluster").get(name=name, cluster__name="prod-web")
        for name in PODS
    ]


def workload_url(of: Pod, path: str = "/logs/", **extra) -> str:
    query = {
        "cluster": of.cluster.cluster_id,
        "namespace": "default",
        "workload": "deployment/web",
        "container": "nginx",
        **extra,
    }
    return f"{path}?{urlencode(query, doseq=True)}"


def tagged_lines(html: str) -> list[tuple[str, str]]:
    """(pod tag, body text) of each shown line, tags stripped as a reader sees them."""
    tag = r'<span class="pod-tag pc\d" title="[^"]*">([^<]*)</span> '
    rows = re.findall(rf'<span class="body">{tag}(.*?)</span></li>', html, re.S)
    return [(pod, re.sub(r"<[^>]+>", "", body)) for pod, body in rows]


def test_a_workload_search_merges_its_pods_newest_first_n(viewer_client, web_pods):
    one, two = web_pods
    for pod, body in [(one, "wl-a"), (two, "wl-b"), (one, "wl-c"), (two, "wl-d")]:
        append_line(pod, "nginx", f"merge-probe {body}")
    html = viewer_client.get(workload_url(one, kw="merge-probe", limit=3)).content.decode()
    assert tagged_lines(html) == [
        (two.name, "merge-probe wl-b"),
        (one.name, "merge-probe wl-c"),
        (two.name, "merge-probe wl-d"),
    ]
    # TotalCount is the sum of each pod's; both pods are listed above the lines.
    assert "<strong>4</strong> matching lines, showing the newest 3" in html
    assert 'id="histogram"' not in html
    assert all(f'<span class="pod-name" translate="no">{p}</span>' in html for p in PODS)
    text = viewer_client.get(workload_url(one, "/logs/download/", kw="merge-probe")).content
    assert text.decode().splitlines()[-1].endswith(f"{two.name} nginx merge-probe wl-d")


def test_every_container_of_the_pods_without_a_container(viewer_client, web_pods):
    append_line(web_pods[0], "log-shipper", "both-containers shipper")
    append_line(web_pods[0], "nginx", "both-containers nginx")
    html = viewer_client.get(workload_url(web_pods[0], container="", kw="both-containers"))
    assert tagged_lines(html.content.decode()) == [
        (f"{PODS[0]} log-shipper", "both-containers shipper"),
        (f"{PODS[0]} nginx", "both-containers nginx"),
    ]


def test_the_severity_filter_keeps_the_levels_ticked(viewer_client, web_pods):
    one, two = web_pods
    append_line(one, "nginx", "sev-probe ERROR payment failed")
    append_line(two, "nginx", "sev-probe level=info all good")
    append_line(two, "nginx", '{"level":"warn","msg":"sev-probe slow"}')
    append_line(one, "nginx", "sev-probe no level at all")
    url = workload_url(one, kw="sev-probe", level=["error", "warn"])
    bodies = [body for _pod, body in tagged_lines(viewer_client.get(url).content.decode())]
    assert bodies == ["sev-probe ERROR payment failed", "level: warn msg: sev-probe slow "]
    # The one-container search filters the same way.
    single = {"workload": "", "pod": one.name, "kw": "sev-probe", "level": "error"}
    html = viewer_client.get(workload_url(one, **single)).content.decode()
    assert "payment failed" in html and "no level at all" not in html


def test_json_lines_show_fields_and_are_searched_by_field(viewer_client, web_pods):
    one, two = web_pods
    append_line(one, "nginx", '{"msg":"json-probe paid","status":500,"user":{"id":"u1"}}')
    append_line(two, "nginx", '{"msg":"json-probe paid","status":200,"user":{"id":"u2"}}')
    append_line(two, "nginx", "json-probe status:500 as plain text")
    html = viewer_client.get(workload_url(one, field="status:500")).content.decode()
    assert tagged_lines(html) == [(one.name, "msg: json-probe paid status: 500 user.id: u1 ")]
    assert '<span class="fk">status</span>: <span class="fv">500</span>' in html
    html = viewer_client.get(workload_url(one, field=["user.id:u2", "msg:*"])).content.decode()
    assert [pod for pod, _body in tagged_lines(html)] == [two.name]
    html = viewer_client.get(workload_url(one, field="status 500")).content.decode()
    assert "is not a field filter" in html


def test_hostile_json_from_a_pod_stays_text(viewer_client, web_pods):
    append_line(web_pods[1], "nginx", '{"msg":"<img src=x onerror=alert(1)>","x":"hostile-json"}')
    html = viewer_client.get(workload_url(web_pods[1], kw="hostile-json")).content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_bad_or_missing_workloads_say_so(viewer_client, web_pods):
    html = viewer_client.get(workload_url(web_pods[0], workload="pod/web")).content.decode()
    assert "Write the workload as kind/name" in html
    html = viewer_client.get(workload_url(web_pods[0], workload="deployment/nope")).content
    assert "Kubernetes answered 404" in html.decode()
    html = viewer_client.get(workload_url(web_pods[0], pod=PODS[0])).content.decode()
    assert "Clear the pod to read the whole workload" in html


def test_the_workloads_tab_links_each_workload_to_its_logs(viewer_client, web_pods):
    cluster_id = web_pods[0].cluster.cluster_id
    html = viewer_client.get(f"/clusters/{cluster_id}/k8s/").content.decode()
    assert f"cluster={cluster_id}&namespace=default&workload=deployment/web" in html
    assert "workload=job/nightly-report" in html
    html = viewer_client.get(f"/clusters/{cluster_id}/k8s/statefulsets/shop/orders-db/")
    assert "&workload=statefulset/orders-db" in html.content.decode()


# ---- the live tail of a workload ------------------------------------------------------


# The test database is SQLite in memory with a shared cache, where two writers at once fail
# with "table is locked" instead of waiting (a file or PostgreSQL waits); each log call
# catches its pod's demo lines up, a write. So calls go one at a time, and the test's own
# writes wait for the poller's poll to end.
_one_writer: asyncio.Lock


@pytest.fixture
def _fast_tail(settings, monkeypatch):
    global _one_writer  # one per test: a lock belongs to one event loop
    _one_writer = asyncio.Lock()
    settings.CONSOLE_LOG_TAIL_SECONDS = 0.2
    monkeypatch.setattr(workload, "FAN_OUT", 1)
    poll_once = tail.Poller.poll_once

    async def one_writer(self, **kwargs):
        async with _one_writer:
            await poll_once(self, **kwargs)

    monkeypatch.setattr(tail.Poller, "poll_once", one_writer)
    cache.clear()


async def write(pod: Pod, body: str):
    async with _one_writer:
        return await asyncio.to_thread(append_line, pod, "nginx", body)


def tail_query(pod: Pod, **extra) -> str:
    query = {
        "cluster": pod.cluster.cluster_id,
        "namespace": "default",
        "workload": "deployment/web",
        "container": "nginx",
        "tail": "1",
        "after": time.time_ns(),
        "skip": 0,
        **extra,
    }
    return urlencode(query, doseq=True)


async def tailed(socket, count: int) -> list[tuple[str, str]]:
    """(pod tag, body text) of the next `count` lines the socket delivers."""
    seen: list[tuple[str, str]] = []
    async with asyncio.timeout(10):
        while len(seen) < count:
            message = await socket.receive_json_from(10)
            assert message["kind"] == "lines"
            for _ns, _shown, pieces, extra in message["lines"]:
                text = "".join(p[0] for p in pieces) or " ".join(
                    f"{k}: {''.join(p[0] for p in v)}" for k, v in extra.get("fields", [])
                )
                seen.append((extra["tag"], text))
    return seen


async def open_tail(user, query: str, answer: str = "following"):
    """A socket following the tail (its first read made while the poller waits)."""
    socket = communicator(await asyncio.to_thread(session_cookie, user), path="/ws/logs/")
    assert (await socket.connect())[0]
    async with _one_writer:
        await socket.send_json_to({"tail": query})
        assert (await socket.receive_json_from(5))["kind"] == answer
    return socket


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_fast_tail")
async def test_viewers_of_a_workload_tail_see_each_pods_lines_once_in_time_order(
    cloud, viewer, operator
):
    one, two = [
        await Pod.objects.select_related("cluster").aget(name=n, cluster__name="prod-web")
        for n in PODS
    ]
    query = tail_query(one, kw="wtail")
    sockets = [await open_tail(user, query) for user in (viewer, operator)]
    assert len(tail._pollers) == 1 and next(iter(tail._pollers.values())).viewers == 2
    async with _one_writer:  # another container of the same pods: not this tail's
        await asyncio.to_thread(append_line, one, "log-shipper", "wtail 0 shipper")
    for pod, body in [(one, "wtail 1"), (two, "wtail 2"), (one, "wtail 3")]:
        await write(pod, body)
    expected = [(one.name, "wtail 1"), (two.name, "wtail 2"), (one.name, "wtail 3")]
    for socket in sockets:
        assert await tailed(socket, 3) == expected
    await write(two, '{"msg":"wtail json","n":4}')
    for socket in sockets:
        assert await tailed(socket, 1) == [(two.name, "msg: wtail json n: 4")]
    await asyncio.sleep(0.6)  # several polls later, nothing comes again
    for socket in sockets:
        assert await socket.receive_nothing(0.3)
        await socket.disconnect()
    assert tail._pollers == {}


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_fast_tail")
async def test_a_workload_tail_keeps_only_the_levels_asked(cloud, viewer):
    one, two = [
        await Pod.objects.select_related("cluster").aget(name=n, cluster__name="prod-web")
        for n in PODS
    ]
    socket = await open_tail(viewer, tail_query(one, kw="wlevel", level="error"))
    await write(one, "INFO wlevel fine")
    await write(two, "ERROR wlevel broken")
    assert await tailed(socket, 1) == [(two.name, "ERROR wlevel broken")]
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_fast_tail")
async def test_another_tenant_is_refused_a_workload_tail(cloud, outsider):
    one = await Pod.objects.select_related("cluster").aget(name=PODS[0], cluster__name="prod-web")
    await open_tail(outsider, tail_query(one), answer="refused")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_fast_tail")
async def test_a_workload_tail_follows_a_pod_that_comes(cloud, viewer, operator, monkeypatch):
    monkeypatch.setattr(tail, "POD_LOOK_SECONDS", 0.2)
    one = await Pod.objects.select_related("cluster").aget(name=PODS[0], **PROD)
    socket = await open_tail(viewer, tail_query(one, kw="wcome"))
    cluster_id = one.cluster.cluster_id
    scale_url = f"/clusters/{cluster_id}/k8s/deployments/default/web/scale/"
    async with _one_writer:
        scaled = await asyncio.to_thread(
            lambda: logged_in(operator).post(scale_url, {"replicas": "3"})
        )
    assert scaled.status_code == 302
    new = await (
        Pod.objects.select_related("cluster")
        .filter(cluster__cluster_id=cluster_id, namespace="default", name__startswith="web-")
        .exclude(name__in=PODS)
        .aget()
    )
    await asyncio.sleep(0.6)  # the poller looks at the pods again
    await write(new, "wcome from the new pod")
    assert await tailed(socket, 1) == [(new.name, "wcome from the new pod")]
    await socket.disconnect()
