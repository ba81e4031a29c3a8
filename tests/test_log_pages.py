"""The log search page, histogram, live tail and download, through the embedded localcloud."""

from __future__ import annotations

import asyncio
import re
import time
from urllib.parse import urlencode

import pytest

from console.localcloud import logstore
from console.localcloud.logwriter import append_line
from console.localcloud.models import Fault, LogLine, Operation, Pod
from console.logs import histogram, views
from tests.conftest import logged_in

NS = 1_000_000_000


@pytest.fixture
def pod(cloud) -> Pod:
    return Pod.objects.get(name="web-6f7d9c-x2k4p", cluster__name="prod-web")


def search_url(pod: Pod, path: str = "/logs/", **extra) -> str:
    query = {
        "cluster": pod.cluster.cluster_id,
        "namespace": pod.namespace,
        "pod": pod.name,
        "container": "nginx",
        **extra,
    }
    return f"{path}?{urlencode(query, doseq=True)}"


def line_bodies(html: str) -> list[str]:
    """The text of each shown line's body, tags stripped (what a reader sees)."""
    bodies = re.findall(r'<span class="body">(.*?)</span></li>', html, re.S)
    return [re.sub(r"<[^>]+>", "", b) for b in bodies]


def write(pod: Pod, body: str, container: str = "nginx") -> LogLine:
    return append_line(pod, container, body)


def test_it_shows_newest_matching_lines_with_the_count(viewer_client, pod):
    until = time.time_ns() - 5 * NS  # a fixed end: the pod writes a line every 2 s
    url = search_url(pod, kw="GET", limit=5, range="custom", since=until - 86400 * NS, until=until)
    html = viewer_client.get(url).content.decode()
    stored = LogLine.objects.filter(
        stream__pod=pod.name, stream__container="nginx", time_ns__lt=until
    )
    matching = [x for x in stored if "GET" in x.body]
    assert len(line_bodies(html)) == 5
    assert f"<strong>{len(matching)}</strong> matching lines, showing the newest 5" in html
    assert "<mark>GET</mark>" in html


def test_it_needs_every_keyword_and_none_of_the_ignored(viewer_client, pod):
    write(pod, "alpha beta gamma")
    write(pod, "alpha beta")
    write(pod, "alpha gamma")
    html = viewer_client.get(search_url(pod, kw=["alpha", "beta"])).content.decode()
    assert line_bodies(html) == ["alpha beta gamma", "alpha beta"]
    html = viewer_client.get(search_url(pod, kw=["alpha"], ignore=["gamma"])).content.decode()
    assert line_bodies(html) == ["alpha beta"]


def test_it_renders_hostile_lines_as_text(viewer_client, pod):
    write(
        pod,
        "<script>alert(1)</script> \x1b[31mred\x1b[0m \x1b]0;title\x07 "
        "<img src=x onerror=alert(2)>",
    )
    html = viewer_client.get(search_url(pod, kw=["alert"])).content.decode()
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt;" in html
    assert '<span class="a-f1">red</span>' in html
    assert "\x1b" not in html  # no raw escape reaches the browser
    assert line_bodies(html)[-1].startswith("&lt;script&gt;alert(1)&lt;/script&gt; red ")


def test_a_hostile_older_line_cannot_end_the_unparsed_block_early(viewer_client, pod):
    """Lines past the first screens travel inside <script type="text/html">: a line that
    says </script> must stay text in it, or what follows would run as the page's own."""
    write(pod, 'oldest </script><script>alert("x")</script> hostile')
    for n in range(views.IN_DOCUMENT):
        write(pod, f"hostile filler {n}")
    html = viewer_client.get(search_url(pod, kw="hostile", limit=1000)).content.decode()
    start = html.index('<script type="text/html" id="log-older"')
    end = html.index("</script>", start)
    assert html[end:].startswith('</script><ol id="log-lines"')  # the block ends where we end it
    assert "&lt;/script&gt;&lt;script&gt;alert" in html[start:end]
    assert "<script>alert" not in html


def test_it_bounds_a_custom_range_start_inclusive_end_exclusive(viewer_client, pod):
    first = write(pod, "bounded one")
    second = write(pod, "bounded two")
    url = search_url(pod, kw="bounded", range="custom", since=first.time_ns, until=second.time_ns)
    assert line_bodies(viewer_client.get(url).content.decode()) == ["bounded one"]
    url = search_url(pod, kw="bounded", range="custom", since=first.time_ns + 1)
    assert line_bodies(viewer_client.get(url).content.decode()) == ["bounded two"]


def test_it_reads_a_typed_time_in_the_browser_zone(viewer_client, pod):
    line = write(pod, "zoned line")
    viewer_client.cookies["tz"] = "Asia/Shanghai"
    moment = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(line.time_ns // NS + 8 * 3600))
    html = viewer_client.get(search_url(pod, kw="zoned", range="custom", since=moment)).content
    assert line_bodies(html.decode()) == ["zoned line"]
    assert "Local (Asia/Shanghai)" in html.decode()
    shown = time.strftime("%H:%M:%S", time.gmtime(line.time_ns // NS))
    utc = viewer_client.get(search_url(pod, kw="zoned", tz="utc")).content.decode()
    assert shown in utc


def test_it_keeps_what_was_typed_when_input_is_wrong(viewer_client, pod):
    url = search_url(pod, kw=["keep me"], range="custom", since="yesterday", limit="9000")
    html = viewer_client.get(url).content.decode()
    assert "Nothing was searched" in html
    assert "From: Write a time as 2026-11-29 08:15:03 or as a unix time." in html
    assert "Lines: Ensure this value is less than or equal to 5000." in html
    assert 'value="yesterday"' in html and 'value="keep me"' in html and 'value="9000"' in html


def test_it_refuses_an_end_before_the_start(viewer_client, pod):
    url = search_url(pod, range="custom", since="1764375303", until="1764375000")
    assert "To: The end must be after the start." in viewer_client.get(url).content.decode()


def test_it_shows_the_clouds_refusal_readably(viewer_client, pod):
    html = viewer_client.get(search_url(pod, container="nope")).content.decode()
    assert "Container [nope] does not exist (RetCode 200)" in html


def test_it_survives_an_unavailable_cloud(viewer_client, pod):
    Fault.objects.update_or_create(pk=1, defaults={"error_rate": 1.0, "error_kind": "malformed"})
    response = viewer_client.get(search_url(pod, kw="GET"))
    assert response.status_code == 200
    assert "The cloud is unavailable" in response.content.decode()


def test_it_searches_a_pod_that_is_gone_with_not_in_cluster(viewer_client, pod):
    write(pod, "farewell words")
    name, cluster = pod.name, pod.cluster
    pod.delete()
    url = search_url(Pod(name=name, namespace="default", cluster=cluster), kw="farewell")
    assert "does not exist (RetCode 200)" in viewer_client.get(url).content.decode()
    url = search_url(Pod(name=name, namespace="default", cluster=cluster), kw="farewell", gone="1")
    assert line_bodies(viewer_client.get(url).content.decode()) == ["farewell words"]


def test_the_tail_gives_each_new_line_once(viewer_client, pod):
    write(pod, "tail zero")
    page = viewer_client.get(search_url(pod, kw="tail", tail="1")).content.decode()
    poll = re.search(r'hx-get="(/logs/tail/\?[^"]+)"', page).group(1).replace("&amp;", "&")
    first = write(pod, "tail one")
    twin = (first.time_ns, "tail one twin")
    logstore.append(pod.cluster.cluster_id, pod.namespace, pod.name, "nginx", [twin])
    answer = viewer_client.get(poll).content.decode()
    assert line_bodies(answer) == ["tail one", "tail one twin"]
    poll = re.search(r'hx-get="(/logs/tail/\?[^"]+)"', answer).group(1).replace("&amp;", "&")
    assert 'hx-swap-oob="true"' in answer
    assert line_bodies(viewer_client.get(poll).content.decode()) == []
    write(pod, "tail two")
    assert line_bodies(viewer_client.get(poll).content.decode()) == ["tail two"]


def test_the_histogram_counts_lines_in_slices_that_narrow_the_range(viewer_client, pod):
    html = viewer_client.get(search_url(pod, path="/logs/histogram/", range="5m")).content.decode()
    counts = [int(n) for n in re.findall(r"<title>(\d+) lines from", html)]
    first = int(re.search(r"since=(\d+)", html).group(1))
    stored = LogLine.objects.filter(
        stream__pod=pod.name, stream__container="nginx", time_ns__gte=first
    ).count()
    assert len(counts) == 30 and abs(sum(counts) - stored) <= 2
    href = re.search(r'<a href="\?([^"]+)"', html).group(1)
    assert "range=custom" in href and "since=" in href and "until=" in href


def counting_calls() -> int:
    return Operation.objects.filter(action="GetContainerLogs").count()


def test_the_histogram_counts_settled_slices_once(viewer_client, pod):
    """A past slice's count comes from the cache; only slices younger than the delay in
    which late lines may still arrive are counted again."""
    url = search_url(pod, path="/logs/histogram/", range="1h")
    first = viewer_client.get(url).content.decode()
    cold = counting_calls()
    again = viewer_client.get(url).content.decode()
    warm = counting_calls() - cold
    # 2-minute slices: only the last 2 minutes (and the slice they begin in) are counted again
    assert 30 <= cold <= 32 and warm <= 5
    titles = re.findall(r"<title>([^<]+)</title>", first)
    assert re.findall(r"<title>([^<]+)</title>", again)[:20] == titles[:20]


def test_a_histogram_ready_with_the_search_is_drawn_in_the_page(viewer_client, pod, monkeypatch):
    monkeypatch.setattr("console.logs.views.HISTOGRAM_GRACE_SECONDS", 60)
    html = viewer_client.get(search_url(pod, range="1h")).content.decode()
    assert html.count("<title>") >= 30 and "lines from" in html
    assert "/logs/histogram/" not in html  # nothing left to load after the page


def test_the_newest_slice_is_counted_from_the_searchs_own_lines(viewer_client, pod, monkeypatch):
    """Past slices kept, the page's own search holds the last minutes: the histogram asks
    the cloud nothing more, and its bars add up to what the page found."""
    monkeypatch.setattr("console.logs.views.HISTOGRAM_GRACE_SECONDS", 60)
    url = search_url(pod, range="24h", kw="GET")
    viewer_client.get(url)  # keeps the past slices' counts
    before = counting_calls()
    html = viewer_client.get(url).content.decode()
    assert counting_calls() - before == 1  # the search itself
    counts = [int(n) for n in re.findall(r"<title>(\d+) lines from", html)]
    bounds = re.findall(r"since=(\d+)&amp;until=(\d+)", html)
    first, end = int(bounds[0][0]), int(bounds[-1][1])
    # The sliver of the range before the first slice is left out of the bars.
    sliver = LogLine.objects.filter(
        stream__pod=pod.name,
        stream__container="nginx",
        time_ns__gte=end - 86400 * NS,
        time_ns__lt=first,
        body__contains="GET",
    ).count()
    found = int(re.search(r"<strong>(\d+)</strong> matching", html).group(1))
    assert len(counts) == 30 and sum(counts) + sliver == found


def test_the_searchs_lines_count_a_slice_only_when_they_hold_all_of_it():
    newest = histogram.Newest([10 * NS, 20 * NS, 20 * NS, 30 * NS], total=9)
    assert newest.count(21 * NS, 40 * NS) == 1 and newest.count(11 * NS, 40 * NS) == 3
    assert newest.count(10 * NS, 40 * NS) is None  # more lines at 10 s may have been cut
    assert histogram.Newest([10 * NS, 20 * NS], total=2).count(0, 15 * NS) == 1
    assert histogram.Newest([], total=0).count(0, 15 * NS) == 0


def test_a_histogram_still_counting_loads_after_the_page(viewer_client, pod, monkeypatch):
    monkeypatch.setattr("console.logs.views.HISTOGRAM_GRACE_SECONDS", 0)

    async def slow(*args, **kwargs):
        await asyncio.sleep(30)

    monkeypatch.setattr(histogram, "count_bars", slow)
    html = viewer_client.get(search_url(pod, range="1h")).content.decode()
    assert 'hx-get="/logs/histogram/?' in html and "lines from" not in html
    assert len(line_bodies(html)) > 0


def test_another_tenant_never_gets_a_cached_count(viewer_client, outsider, pod):
    url = search_url(pod, path="/logs/histogram/", range="1h")
    assert viewer_client.get(url).content.decode().count("<title>") == 30
    html = logged_in(outsider).get(url).content.decode()
    assert "No histogram:" in html and "lines from" not in html


def test_keywords_and_tenant_make_their_own_cache_entries():
    params = {"ClusterID": "c", "Namespace": "n", "Pod": "p", "Container": "x"}
    one = histogram.cache_key(1, "cn-bj2", params, 0, 10)
    assert one != histogram.cache_key(2, "cn-bj2", params, 0, 10)
    assert one != histogram.cache_key(1, "cn-bj2", {**params, "Keywords": ["a"]}, 0, 10)
    assert one != histogram.cache_key(1, "cn-bj2", {**params, "KeywordsIgnore": ["a"]}, 0, 10)
    assert one != histogram.cache_key(1, "cn-sh2", params, 0, 10)
    assert one != histogram.cache_key(1, "cn-bj2", params, 0, 11)


def test_slices_sit_on_a_grid_that_does_not_move_with_now():
    hour = 3600 * NS
    now = 1_700_000_000 * NS + 12_345
    one = histogram.slices(now - hour, now)
    later = histogram.slices(now - hour + 7 * NS, now + 7 * NS)
    assert len(one) == 30 and one[0][0] % (120 * NS) == 0 and one[-1][1] == now
    assert one[1:-1] == later[1:-1] or one[2:-1] == later[1:-2]
    assert all(b - a == 120 * NS for a, b in one[:-1])


def test_it_downloads_the_current_result_as_text(viewer_client, pod):
    write(pod, "download me <b>")
    response = viewer_client.get(search_url(pod, path="/logs/download/", kw="download", tz="utc"))
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert 'filename="logs-web-6f7d9c-x2k4p-nginx.txt"' in response["Content-Disposition"]
    text = response.content.decode()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z download me <b>\n", text)


def test_it_links_logs_from_a_clusters_pods(viewer_client, pod):
    html = viewer_client.get(f"/terminal/pods/{pod.cluster.cluster_id}/").content.decode()
    assert search_url(pod) in html


def test_the_empty_page_offers_the_pickers(viewer_client, cloud):
    html = viewer_client.get("/logs/").content.decode()
    assert "prod-web" in html and 'list="dl-pods"' in html and "Nothing was searched" not in html
