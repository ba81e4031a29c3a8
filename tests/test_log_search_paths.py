"""localcloud's ways to find log lines give the same answer as a plain filter: the
trigram index (counting by itself, proving short keywords, or rechecking the lines it
finds, with few or many trigrams asked), a read of a short range, and a substring scan
where there is no index. Each is forced here on a small stream."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection

from console.localcloud import logsearch, logstore
from console.localcloud.logsearch import LogQuery, search
from console.localcloud.models import LogLine, LogStream

# "POS and OST apart" holds both trigrams of "POST" but not the word: only a recheck knows.
BODIES = ["GET /a 200", "POST /b 500", "GET /c 404", "worker ok", "GET /a 500", "ab"]
BODIES += ["POS and OST apart", 'say "hi" GET']
# Lines that hold every trigram of POST or ERROR without the word, where only the line's
# end or another way on from a pair of its letters gives them away; and lines that match.
BODIES += ["OST then POS", "POS\nT OST", "POSIX OST", "RROR and ERRO", "ERRORS", "POSTED"]


@pytest.fixture(autouse=True)
def _fresh_counts():
    # Each test has a database of its own: trigram counts another one left in this
    # process's caches would steer the plan (never the answer) away from what is tested.
    logsearch._term_counts.clear()
    logsearch._pair_terms.clear()


# The index proves keywords only outside a transaction (logsearch._proven_count), as
# localcloud searches: these tests write in autocommit, not in a test's transaction.
@pytest.fixture
def stream(transactional_db):
    lines = [(1000 + i, BODIES[i % len(BODIES)]) for i in range(300)]
    logstore.append("c1", "n", "p", "x", lines)
    # Another container's lines must never leak in.
    logstore.append("c1", "n", "p", "y", [(5000, "GET /a 200")])
    logstore.append("c1", "n", "p", "x", [(1300, "tail GET")])
    return [*lines, (1300, "tail GET")]


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
    {"words": ["POST"]},
    {"words": ["ERROR"]},
    {"words": ["POST", "GET"]},
    {"words": ["ERRO"], "start": 1100},
    {"words": ["OS\n"]},  # the index saw a newline after "POS"; the line holds none there
    {"words": ["GET"], "ignore": ["/a"]},
    {"words": ['"hi"']},
    {"words": ["GET"], "start": 1000, "end": 1001},
    {"words": ["GET"], "start": 1300},
    {"words": ["GET"], "end": 1000},
    {"words": ["GET"], "start": 9999},
    {"words": []},
    {"words": [], "ignore": ["GET"], "limit": 3},
]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize(
    "path", ["index", "index-one-trigram", "index-rechecking", "short-range-read"]
)
def test_it_finds_the_same_lines_by_every_path(stream, monkeypatch, settings, case, path):
    # Only the last path reads a short range instead of asking the index.
    settings.LOCALCLOUD_LOG_SCAN_AT_MOST = 1000 if path == "short-range-read" else 0
    if path == "index-one-trigram":  # fewer trigrams asked: more lines rechecked
        monkeypatch.setattr(logsearch, "TRIGRAMS_ASKED", 1)
    if path == "index-rechecking":  # nothing proven by the index: every candidate read
        monkeypatch.setattr(logsearch, "_proven_count", lambda *args: None)
    words, ignore = case.get("words", []), case.get("ignore", [])
    start, end, limit = case.get("start"), case.get("end"), case.get("limit", 100)
    query = LogQuery("c1", "n", "p", "x", words, ignore, start, end, limit)
    assert search(query) == expected(stream, words, ignore, start, end, limit)


def test_a_new_line_makes_the_index_prove_a_keyword_afresh(transactional_db, settings):
    # Once the index has shown that "OS" only ever goes on as "OST", a line holding "POS"
    # holds "POST"; a later line that breaks that ("POS OST", no POST) must be counted out.
    settings.LOCALCLOUD_LOG_SCAN_AT_MOST = 0
    logstore.append("c1", "n", "p", "w", [(1000, "POST a"), (1001, "POST b")])
    query = LogQuery("c1", "n", "p", "w", ["POST"])
    assert search(query)[0] == 2
    logstore.append("c1", "n", "p", "w", [(1002, "POS OST")])
    assert search(query) == (2, [(1000, "POST a"), (1001, "POST b")])


# Pieces of random lines: mostly whole words, sometimes a word cut short or its tail, so
# that keyword chains hold, break, or end with the line.
PIECES = ["POST ", "POST ", "POST ", "GET ", "/api ", "POS", "OST", "PO", "ST ", "a", " "]


@pytest.mark.parametrize("alphabet", ["pieces", "letters"])
def test_the_index_counts_as_a_plain_filter_on_random_lines(
    transactional_db, settings, monkeypatch, alphabet
):
    # Whatever the index proves ("pieces": often) or rechecks ("letters", breaks
    # everywhere) must give the lines and the count that `in` gives.
    import random

    settings.LOCALCLOUD_LOG_SCAN_AT_MOST = 0
    proven, prove = [], logsearch._proven_count

    def proving(*args):  # notes what the index proved (None: it did not)
        proven.append(prove(*args))
        return proven[-1]

    monkeypatch.setattr(logsearch, "_proven_count", proving)
    rng = random.Random(16)
    pieces = PIECES if alphabet == "pieces" else list("abc ")
    keywords = ["POST", "POST ", "OST /", "ST GET"] if alphabet == "pieces" else None
    for round_ in range(40):
        container = f"{alphabet}{round_}"
        bodies = ["".join(rng.choices(pieces, k=rng.randint(0, 8))) for _ in range(40)]
        lines = [(1000 + i, body) for i, body in enumerate(bodies)]
        logstore.append("c1", "n", "p", container, lines)
        for _ in range(4):
            if keywords:
                words = rng.sample(keywords, rng.randint(1, 2))
            else:
                words = ["".join(rng.choices("abc", k=rng.randint(4, 6)))]
            found = search(LogQuery("c1", "n", "p", container, words, limit=5))
            assert found == expected(lines, words, limit=5), (bodies, words)
    if alphabet == "pieces":  # the proof did run, with and without lines to recheck
        assert any(count is not None for count in proven)


def test_a_write_between_reading_trigrams_and_counting_is_not_trusted(
    transactional_db, settings, monkeypatch
):
    settings.LOCALCLOUD_LOG_SCAN_AT_MOST = 0
    logstore.append("c1", "n", "p", "v", [(1000, "POST a"), (1001, "POST b")])
    query = LogQuery("c1", "n", "p", "v", ["POST"])
    low, high = logstore.stream_range(logstore.find_stream("c1", "n", "p", "v"))
    assert logsearch._proven_count(query, ["POS"], ["POST"], low, high) == 2
    versions = iter([b"read with the trigrams", b"a write committed since"])
    monkeypatch.setattr(logsearch, "_index_version", lambda alias: next(versions))
    assert logsearch._proven_count(query, ["POS"], ["POST"], low, high) is None


def test_nothing_is_proven_inside_a_transaction(db, settings):
    # The test's own transaction: lines it wrote may not be in the index's version yet.
    settings.LOCALCLOUD_LOG_SCAN_AT_MOST = 0
    logstore.append("c1", "n", "p", "v", [(1000, "POST a")])
    low, high = logstore.stream_range(logstore.find_stream("c1", "n", "p", "v"))
    query = LogQuery("c1", "n", "p", "v", ["POST"])
    assert logsearch._proven_count(query, ["POS"], ["POST"], low, high) is None
    assert search(query) == (1, [(1000, "POST a")])


def test_a_container_that_never_wrote_has_no_lines(stream):
    assert search(LogQuery("c1", "n", "p", "z", ["GET"])) == (0, [])


def test_a_stream_is_one_id_range_in_time_order(stream):
    stream_id = logstore.find_stream("c1", "n", "p", "x")
    ids = list(LogLine.objects.filter(stream_id=stream_id).values_list("id", flat=True))
    first, last = logstore.stream_range(stream_id)
    assert ids == list(range(first, first + len(stream)))
    assert ids[-1] <= last
    assert logstore.first_id_at(stream_id, 1000) == first
    assert logstore.first_id_at(stream_id, 1150) == first + 150
    assert logstore.first_id_at(stream_id, 99_999) == first + len(stream)


def test_a_line_never_goes_back_in_time(db):
    logstore.append("c1", "n", "p", "x", [(2000, "later"), (1500, "clock stepped back")])
    rows = LogLine.objects.order_by("id").values_list("time_ns", "body")
    assert list(rows) == [(2000, "later"), (2000, "clock stepped back")]


def test_the_substring_scan_agrees_where_there_is_no_index(stream, monkeypatch, settings):
    settings.LOCALCLOUD_LOG_SCAN_AT_MOST = 0
    monkeypatch.setattr(logsearch, "_has_index", lambda alias: False)
    query = LogQuery("c1", "n", "p", "x", ["GET", "500"], ["/c"], limit=10)
    assert search(query) == expected(stream, ["GET", "500"], ["/c"], limit=10)


OLD_INSERT = (
    "INSERT INTO localcloud_logline (cluster_id, namespace, pod, container, time_ns, body) "
    "VALUES (%s, %s, %s, %s, %s, %s)"
)


def old_layout_rows():
    """Lines as the four-string layout held them: two containers interleaved, one line
    stored after a later one."""
    rows = [("c1", "n", "p", "x", i, b) for i, b in enumerate(BODIES * 10)]
    rows += [("c1", "n", "p", "y", i, "GET y") for i in range(5)]
    rows.append(("c1", "n", "p", "x", 3, "GET /a late but stored last"))
    return rows


def test_existing_lines_move_to_streams_and_stay_searchable(transactional_db, settings):
    # An existing database: lines written under the positional index (migration 0002)
    # and the four-string layout, then the upgrades rebuild the index and renumber them.
    call_command("migrate", "localcloud", "0005", verbosity=0)
    try:
        with connection.cursor() as cursor:
            cursor.executemany(OLD_INSERT, old_layout_rows())
    finally:
        call_command("migrate", verbosity=0)
    assert LogStream.objects.count() == 2
    settings.LOCALCLOUD_LOG_SCAN_AT_MOST = 0
    lines = sorted(
        [(t, b) for c, n, p, k, t, b in old_layout_rows() if k == "x"], key=lambda line: line[0]
    )
    for words, ignore in ([["GET /a"], ["200"]], [["GET"], []], [["POST"], []]):
        query = LogQuery("c1", "n", "p", "x", words, ignore)
        assert search(query) == expected(lines, words, ignore)
    # New lines go on after the renumbered ones, into the rebuilt index.
    logstore.append("c1", "n", "p", "x", [(10_000, "GET after the upgrade")])
    assert search(LogQuery("c1", "n", "p", "x", ["after the upgrade"])) == (
        1,
        [(10_000, "GET after the upgrade")],
    )


def test_a_writer_that_lost_the_race_for_ids_reads_the_end_again(db, monkeypatch):
    real, attempts = logstore._append, []

    def losing_once(*args):
        attempts.append(1)
        if len(attempts) == 1:  # what the database says when another writer took the id
            raise IntegrityError("UNIQUE constraint failed: localcloud_logline.id")
        return real(*args)

    monkeypatch.setattr(logstore, "_append", losing_once)
    logstore.append("c1", "n", "p", "x", [(3, "mine")])
    assert len(attempts) == 2
    assert list(LogLine.objects.values_list("time_ns", "body")) == [(3, "mine")]


def test_a_writer_that_always_loses_gives_up(db, monkeypatch):
    def losing(*args):
        raise IntegrityError("UNIQUE constraint failed: localcloud_logline.id")

    monkeypatch.setattr(logstore, "_append", losing)
    with pytest.raises(IntegrityError):
        logstore.append("c1", "n", "p", "x", [(3, "mine")])
