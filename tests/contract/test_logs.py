"""GetContainerLogs: Keywords all must match (case-sensitive substrings), KeywordsIgnore,
LineLimit keeps the newest lines in time order, Start inclusive and End exclusive."""

from __future__ import annotations

import pytest

from console.cloud import actions

from .conftest import REGION, assert_error, assert_ok

pytestmark = pytest.mark.contract


@pytest.fixture
def logs(call, pod):
    def get(**extra) -> dict:
        answer = call(
            "GetContainerLogs",
            Region=REGION,
            ClusterID=pod.ClusterID,
            Namespace=pod.Namespace,
            Pod=pod.Pod,
            Container=pod.Container,
            **extra,
        )
        assert_ok(answer, "GetContainerLogs")
        return answer

    return get


@pytest.fixture
def window(logs) -> dict:
    """The newest 300 lines, and [Start, End) around them: a stretch that new lines
    (the pod keeps writing) do not change."""
    lines = logs(LineLimit=300)["Infos"]
    if len(lines) < 50:
        pytest.skip("the pod has fewer than 50 lines of logs")
    return {"Start": lines[0]["Time"], "End": lines[-1]["Time"] + 1, "lines": lines}


def bodies(answer: dict) -> list[str]:
    return [line["Body"] for line in answer["Infos"]]


def matching(lines: list[dict], words=(), ignore=()) -> list[str]:
    return [
        x["Body"]
        for x in lines
        if all(w in x["Body"] for w in words) and not any(w in x["Body"] for w in ignore)
    ]


def test_it_answers_a_window_exactly_oldest_first(logs, window):
    answer = logs(Start=window["Start"], End=window["End"], LineLimit=5000)
    assert answer["Infos"] == window["lines"]
    assert answer["TotalCount"] == len(window["lines"])
    times = [x["Time"] for x in answer["Infos"]]
    assert times == sorted(times) and len(set(times)) == len(times)


def test_it_needs_every_keyword_to_match(logs, window):
    bounds = {"Start": window["Start"], "End": window["End"], "LineLimit": 5000}
    lines = window["lines"]
    get, ok = matching(lines, ["GET"]), matching(lines, ["200"])
    both = logs(Keywords=["GET", "200"], **bounds)
    assert bodies(both) == matching(lines, ["GET", "200"])
    assert both["TotalCount"] == len(bodies(both))
    # AND, not OR: fewer than either word alone (the demo logs have both kinds).
    assert 0 < both["TotalCount"] < min(len(get), len(ok))


def test_it_matches_keywords_case_sensitively(logs, window):
    bounds = {"Start": window["Start"], "End": window["End"], "LineLimit": 5000}
    upper = logs(Keywords=["GET"], **bounds)
    lower = logs(Keywords=["get"], **bounds)
    assert bodies(upper) == matching(window["lines"], ["GET"]) != []
    assert bodies(lower) == matching(window["lines"], ["get"])
    assert lower["TotalCount"] != upper["TotalCount"]


def test_it_leaves_out_lines_with_an_ignored_keyword(logs, window):
    bounds = {"Start": window["Start"], "End": window["End"], "LineLimit": 5000}
    lines = window["lines"]
    answer = logs(Keywords=["GET"], KeywordsIgnore=["/healthz", " 404 "], **bounds)
    assert bodies(answer) == matching(lines, ["GET"], ["/healthz", " 404 "])
    assert answer["TotalCount"] < len(matching(lines, ["GET"]))
    alone = logs(KeywordsIgnore=["ERROR"], **bounds)
    assert bodies(alone) == matching(lines, ignore=["ERROR"])
    assert 0 < alone["TotalCount"] < len(lines)


def test_it_keeps_the_newest_line_limit_lines_and_counts_all(logs, window):
    answer = logs(Start=window["Start"], End=window["End"], LineLimit=7)
    assert answer["Infos"] == window["lines"][-7:]
    assert answer["TotalCount"] == len(window["lines"])


def test_it_takes_start_inclusive_and_end_exclusive(logs, window):
    lines = window["lines"]
    answer = logs(Start=lines[10]["Time"], End=lines[20]["Time"], LineLimit=5000)
    assert answer["Infos"] == lines[10:20]
    assert answer["TotalCount"] == 10
    one = logs(Start=lines[5]["Time"], End=lines[5]["Time"] + 1)
    assert one["Infos"] == [lines[5]] and one["TotalCount"] == 1
    none = logs(Start=lines[5]["Time"] + 1, End=lines[6]["Time"])
    assert none["Infos"] == [] and none["TotalCount"] == 0


@pytest.mark.parametrize(
    "bad",
    [{"LineLimit": 0}, {"LineLimit": 5001}, {"Start": 10, "End": 10}, {"Start": -1}],
    ids=lambda bad: "-".join(f"{k}={v}" for k, v in bad.items()),
)
def test_it_refuses_bounds_that_make_no_sense(call, pod, bad):
    answer = call(
        "GetContainerLogs",
        Region=REGION,
        ClusterID=pod.ClusterID,
        Namespace=pod.Namespace,
        Pod=pod.Pod,
        Container=pod.Container,
        **bad,
    )
    assert_error(answer, actions.CHECK_FAILED, "GetContainerLogs")


def test_it_searches_logs_of_a_pod_that_is_gone_only_when_asked(call, pod):
    gone = {
        "Region": REGION,
        "ClusterID": pod.ClusterID,
        "Namespace": pod.Namespace,
        "Pod": "a-pod-that-is-gone",
        "Container": pod.Container,
    }
    assert_error(call("GetContainerLogs", **gone), actions.NOT_FOUND, "GetContainerLogs")
    answer = call("GetContainerLogs", **gone, NotInCluster=True)
    assert_ok(answer, "GetContainerLogs")
    assert answer["TotalCount"] == 0 and answer["Infos"] == []
