"""localcloud's three ways to find log lines give the same answer as a plain filter:
the trigram index sorting its matches, the index with a scan of the newest lines, and a
substring scan. Each is forced here on a small stream."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from console.localcloud import logsearch
from console.localcloud.logsearch import LogQuery, search
from console.localcloud.models import LogLine

BODIES = ["GET /a 200", "POST /b 500", "GET /c 404", "worker ok", "GET /a 500", "ab"]


@pytest.fixture
def stream(db):
    rows = [
        LogLine(cluster_id="c1", namespace="n", pod="p", container="x", time_ns=1000 + i, body=b)
        for i in range(300)
        for b in [BODIES[i % len(BODIES)]]
    ]
    LogLine.objects.bulk_create(rows)
    # Another container's lines must never leak in.
    LogLine.objects.create(
        cluster_id="c1", namespace="n", pod="p", container="y", time_ns=5000, body="GET /a 200"
    )
    return [(r.time_ns, r.body) for r in rows]


def expected(lines, words=(), ignore=(), start=None, end=None, limit=100):
    found = [
        (t, b)
        for t, b in lines
        if all(w in b for w in words)
        and not any(w in b for w in ignore)
        and (start is None or t >= start)
        and (end is None or t < end)
    ]
    return len(found), found[-limit:]


CASES = [
    {"words": ["GET"]},
    {"words": ["GET", "500"]},
    {"words": ["GET", "/a"], "ignore": ["200"]},
    {"words": ["ab"]},
    {"words": ["GET"], "start": 1010, "end": 1100, "limit": 7},
    {"words": ["nothing-like-this"]},
]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize(
    "path", ["index-sort", "index-recent-scan", "recent-scan-too-short", "short-range-read"]
)
def test_it_finds_the_same_lines_by_every_path(stream, monkeypatch, settings, case, path):
    # Only the last path reads a short range instead of asking the index.
    settings.LOCALCLOUD_LOG_SCAN_AT_MOST = 1000 if path == "short-range-read" else 0
    if path == "index-recent-scan":
        monkeypatch.setattr(logsearch, "SORT_CHEAPLY", 0)
    if path == "recent-scan-too-short":  # falls back to sorting the matches
        monkeypatch.setattr(logsearch, "SORT_CHEAPLY", 0)
        monkeypatch.setattr(logsearch, "RECENT_SCAN_ROWS", 5)
    words, ignore = case.get("words", []), case.get("ignore", [])
    start, end, limit = case.get("start"), case.get("end"), case.get("limit", 100)
    query = LogQuery("c1", "n", "p", "x", words, ignore, start, end, limit)
    assert search(query) == expected(stream, words, ignore, start, end, limit)


def test_the_substring_scan_agrees_where_there_is_no_index(stream, monkeypatch, settings):
    settings.LOCALCLOUD_LOG_SCAN_AT_MOST = 0
    monkeypatch.setattr(logsearch, "_has_index", lambda alias: False)
    query = LogQuery("c1", "n", "p", "x", ["GET", "500"], ["/c"], limit=10)
    assert search(query) == expected(stream, ["GET", "500"], ["/c"], limit=10)


def test_it_finds_the_same_lines_after_the_index_is_rebuilt(transactional_db, settings):
    # An existing database: lines written under the positional index (migration 0002),
    # then the upgrade to the smaller one rebuilds it from the table.
    call_command("migrate", "localcloud", "0005", verbosity=0)
    try:
        LogLine.objects.bulk_create(
            LogLine(cluster_id="c1", namespace="n", pod="p", container="x", time_ns=i, body=b)
            for i, b in enumerate(BODIES * 10)
        )
    finally:
        call_command("migrate", verbosity=0)
    settings.LOCALCLOUD_LOG_SCAN_AT_MOST = 0
    lines = [(i, b) for i, b in enumerate(BODIES * 10)]
    query = LogQuery("c1", "n", "p", "x", ["GET /a"], ["200"])
    assert search(query) == expected(lines, ["GET /a"], ["200"])
