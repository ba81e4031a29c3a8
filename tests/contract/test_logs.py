"""GetContainerLogs: Keywords all must match (case-sensitive substrings), KeywordsIgnore,
LineLimit keeps the newest lines in time order, Start inclusive and End exclusive."""

from __future__ import annotations

import uuid
from collections import Counter

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


def pick(texts: list[str], size: int) -> str:
    """A printable substring of `size` characters in some of the texts, nearest half of them."""
    seen = Counter(s for t in texts for s in {t[i : i + size] for i in range(len(t) - size + 1)})
    fits = [s for s, n in seen.items() if 2 <= n < len(texts) and s.isprintable()]
    assert fits, f"no {size}-character substring in some but not all lines"
    return min(fits, key=lambda s: (abs(seen[s] - len(texts) / 2), s))


def grep(logs, window, words=(), ignore=()) -> dict:
    """The whole window searched; the answer must equal `grep -F` over the window's lines."""
    answer = logs(
        Keywords=list(words),
        KeywordsIgnore=list(ignore),
        Start=window["Start"],
        End=window["End"],
        LineLimit=5000,
    )
    assert bodies(answer) == matching(window["lines"], words, ignore), (words, ignore)
    assert answer["TotalCount"] == len(answer["Infos"])
    return answer


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


# The search's index path: on SQLite, keywords of 3+ characters go through a trigram FTS5
# index, shorter ones and KeywordsIgnore through instr(). Both must behave as `grep -F`.


def test_it_matches_one_and_two_character_keywords_alone_and_with_a_longer_one(logs, window):
    texts = [x["Body"] for x in window["lines"]]
    long = pick(texts, 4)
    with_long = matching(window["lines"], [long])
    one, two = pick(with_long, 1), pick(with_long, 2)
    for words in ([one], [two], [one, two], [long, one], [two, long], [one, long, two]):
        grep(logs, window, words)
    both = grep(logs, window, [two, long])["TotalCount"]
    assert 0 < both < len(with_long)


FTS_SYNTAX = [
    '"', "AND", "OR", "NOT", "*", "NEAR(", "(", ":", "^", "-",
    "GET /api", '"GET', "GET OR POST", "GET AND 200", "NOT GET", "GET NOT 200", "GET*",
    "NEAR(GET 200)", "body:GET", "^GET", "-GET", "(GET)", '"GET"', "GET + 200", "   ",
]  # fmt: skip


@pytest.mark.parametrize("word", FTS_SYNTAX)
def test_it_takes_fts_syntax_in_keywords_literally(logs, window, word):
    texts = [x["Body"] for x in window["lines"]]
    grep(logs, window, [word])
    grep(logs, window, [word, pick(texts, 3)])
    grep(logs, window, ["GET", word], [word + word])
    # The word inside a longer substring the lines do hold, so that something must match.
    around = Counter(
        t[i : i + len(word) + 2]
        for t in texts
        for i in range(len(t) - len(word) - 1)
        if word in t[i : i + len(word) + 2] and t[i : i + len(word) + 2].isprintable()
    )
    if around:
        found = grep(logs, window, [min(around, key=lambda s: (-around[s], s))])
        assert found["TotalCount"] > 0


def test_it_finds_nothing_for_a_keyword_in_no_line(logs, window):
    texts = [x["Body"] for x in window["lines"]]
    absent = f"no-such-line-{uuid.uuid4().hex}"
    short = next(c for c in "~`|}{¤§" if not any(c in t for t in texts))
    for words in ([absent], [short], ["GET", absent], [absent, short], [short, pick(texts, 3)]):
        answer = logs(Keywords=words, Start=window["Start"], End=window["End"], LineLimit=5000)
        assert answer["TotalCount"] == 0 and answer["Infos"] == [], words


def test_it_matches_non_ascii_and_overlong_keywords(logs, window):
    longest = max((x["Body"] for x in window["lines"]), key=len)
    words = ["日志", "é", "日志服务", "café", "GET日志", "日", longest + "x", "x" + longest]
    for word in words:
        grep(logs, window, [word])
        grep(logs, window, ["GET", word])
        grep(logs, window, [], [word])
    assert grep(logs, window, [longest])["TotalCount"] >= 1


def test_it_leaves_out_ignored_keywords_from_indexed_matches(logs, window):
    long = pick([x["Body"] for x in window["lines"]], 4)
    with_long = matching(window["lines"], [long])
    ignored = [pick(with_long, 4), pick(with_long, 1)]
    for ignore in ([ignored[0]], [ignored[1]], ignored):
        answer = grep(logs, window, [long], ignore)
        assert 0 < answer["TotalCount"] < len(with_long), ignore
    grep(logs, window, [long], [long])
    grep(logs, window, [long, pick(with_long, 2)], ignored)


def test_it_bounds_indexed_matches_start_inclusive_end_exclusive(logs, window):
    word = pick([x["Body"] for x in window["lines"]], 3)
    found = [x for x in window["lines"] if word in x["Body"]]
    assert len(found) >= 6
    first, last = found[2], found[-3]
    answer = logs(Keywords=[word], Start=first["Time"], End=last["Time"], LineLimit=5000)
    assert answer["Infos"] == found[2:-3] and answer["TotalCount"] == len(found) - 5
    assert first in answer["Infos"] and last not in answer["Infos"]
    later = logs(Keywords=[word], Start=first["Time"] + 1, End=last["Time"] + 1, LineLimit=5000)
    assert later["Infos"] == found[3:-2] and later["TotalCount"] == len(found) - 5


@pytest.mark.parametrize("limit", [1, 7, "all but one"])
def test_it_keeps_the_newest_indexed_matches_and_counts_all(logs, window, limit):
    word = pick([x["Body"] for x in window["lines"]], 3)
    found = [x for x in window["lines"] if word in x["Body"]]
    limit = len(found) - 1 if limit == "all but one" else limit
    assert len(found) > limit
    answer = logs(Keywords=[word], Start=window["Start"], End=window["End"], LineLimit=limit)
    assert answer["Infos"] == found[-limit:]
    assert answer["TotalCount"] == len(found)
