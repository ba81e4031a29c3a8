"""Searching one container's stored log lines with `grep -F` semantics: Keywords all match
(case-sensitive substrings), KeywordsIgnore none, Start inclusive, End exclusive, the
newest `limit` lines returned oldest first.

The layout (logstore.py, measured at 1,000,000 lines in bench/logs.py): a line's id is
(stream << 32) + its place in time order, so one container is one id range and a time
bound becomes an id bound. On SQLite the trigram FTS5 index (detail=none: which lines
hold a trigram, not where) is asked for that rowid range: it counts, and walks its matches
newest first, without reading a row. What it cannot know alone is a keyword longer than
three characters (its trigrams may be apart in the line): those lines are read and
rechecked, the cost that remains for a common long word (about 1.7 us a line on 2 busy
CPUs, against about 0.3 us for the index's part; positions would remove it but make the
index about twice the size). Of a keyword's trigrams only the rarest few are asked for
(FTS5 intersects every term it is given, and a common one costs more than it removes),
ranked by how many lines hold each, read from the index once per process.

On PostgreSQL a pg_trgm GIN index answers LIKE with the id range; its bitmap heap scan
rechecks the candidates page by page. Short keywords and ignore-words are a substring test
(instr, strpos) over the lines found. A range of few lines is read through instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from . import logstore

TRIGRAM = 3  # the trigram index cannot find anything shorter
TRIGRAMS_ASKED = 3  # the rarest this many trigrams of the keywords go to the index
FTS = "localcloud_logline_fts"
# The user's words only ever travel as bound parameters; these texts are constant.
INDEXED_FROM = (
    "FROM localcloud_logline_fts f CROSS JOIN localcloud_logline l ON l.id = f.rowid "
    "WHERE f.localcloud_logline_fts MATCH %s AND f.rowid >= %s AND f.rowid < %s"
)
INDEX_ONLY_COUNT = (
    "SELECT count(*) FROM localcloud_logline_fts "
    "WHERE localcloud_logline_fts MATCH %s AND rowid >= %s AND rowid < %s"
)
TERM_LINES = "SELECT doc FROM localcloud_logline_fts_vocab WHERE term = %s"
SCANNED_FROM = "FROM localcloud_logline l WHERE l.id >= %s AND l.id < %s"
NEWEST = " ORDER BY l.id DESC LIMIT %s"


@dataclass
class LogQuery:
    cluster_id: str
    namespace: str
    pod: str
    container: str
    keywords: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    start: int | None = None
    end: int | None = None
    limit: int = 100
    using: str = DEFAULT_DB_ALIAS  # the database alias


def search(q: LogQuery) -> tuple[int, list[tuple[int, str]]]:
    """(how many lines match, the newest `limit` of them oldest first)."""
    stream_id = logstore.find_stream(q.cluster_id, q.namespace, q.pod, q.container, q.using)
    if stream_id is None:
        return 0, []
    first, end = logstore.stream_range(stream_id)[0], logstore.end_id(stream_id, q.using)
    low = first if q.start is None else logstore.first_id_at(stream_id, q.start, q.using)
    high = end if q.end is None else logstore.first_id_at(stream_id, q.end, q.using)
    if low >= high:
        return 0, []
    vendor = connections[q.using].vendor
    if vendor == "postgresql":
        total, newest = _search_postgresql(q, low, high)
    elif vendor == "sqlite" and _indexable(q) and not _few_lines(q, low, high):
        total, newest = _search_indexed(q, low, high)
    else:
        total, newest = _search_scanning(q, low, high)
    newest.reverse()
    return total, newest


def _indexable(q: LogQuery) -> bool:
    return any(len(w) >= TRIGRAM for w in q.keywords) and _has_index(q.using)


@cache
def _has_index(alias: str) -> bool:
    conn = connections[alias]
    return conn.vendor == "sqlite" and FTS in conn.introspection.table_names()


def _few_lines(q: LogQuery, low: int, high: int) -> bool:
    """Whether [low, high) holds at most LOCALCLOUD_LOG_SCAN_AT_MOST lines (a histogram's
    slice): cheaper to read through than to intersect with the index's matches. A
    stream's ids have no gaps but where lines were deleted, so the width is the most
    lines the range can hold."""
    return high - low <= settings.LOCALCLOUD_LOG_SCAN_AT_MOST


def _fetch(q: LogQuery, sql: str, params: list) -> list[tuple]:
    with connections[q.using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _substring_tests(present: list[str], absent: list[str]) -> tuple[str, list]:
    sql = ["AND instr(l.body, %s) > 0"] * len(present) + ["AND instr(l.body, %s) = 0"] * len(absent)
    return " ".join(sql), [*present, *absent]


def _search_indexed(q: LogQuery, low: int, high: int) -> tuple[int, list[tuple[int, str]]]:
    asked = _rarest_trigrams(q)
    match = " AND ".join('"' + t.replace('"', '""') + '"' for t in asked)  # only " is special
    # A keyword the index answered exactly (it is one of the trigrams asked) needs no
    # reading; any other is rechecked on the line.
    recheck = [w for w in q.keywords if w not in asked]
    if not recheck and not q.ignore:
        total = _fetch(q, INDEX_ONLY_COUNT, [match, low, high])[0][0]
        sql, params = "SELECT l.time_ns, l.body " + INDEXED_FROM, [match, low, high]
    else:
        tests, test_params = _substring_tests(recheck, q.ignore)
        where, params = f"{INDEXED_FROM} {tests}", [match, low, high, *test_params]
        total = _fetch(q, "SELECT count(*) " + where, params)[0][0]
        sql = "SELECT l.time_ns, l.body " + where
    if not total:
        return 0, []
    # The index walks its matches newest first and stops at the limit: nothing is sorted.
    return total, _fetch(q, sql + " ORDER BY f.rowid DESC LIMIT %s", [*params, q.limit])


def _rarest_trigrams(q: LogQuery) -> list[str]:
    """The rarest trigram of each indexable keyword, then rarer ones of the rest, up to
    TRIGRAMS_ASKED (more if there are more keywords): another list is worth intersecting
    only when it holds at most half the lines of the rarest asked so far."""
    holding = _lines_holding(q)
    per_word = [
        sorted({w[i : i + TRIGRAM] for i in range(len(w) - TRIGRAM + 1)}, key=holding)
        for w in q.keywords
        if len(w) >= TRIGRAM
    ]
    asked = list(dict.fromkeys(trigrams[0] for trigrams in per_word))
    rest = sorted({t for trigrams in per_word for t in trigrams[1:]}, key=holding)
    for trigram in rest:
        if len(asked) >= TRIGRAMS_ASKED:
            break
        if trigram not in asked and holding(trigram) * 2 <= min(map(holding, asked)):
            asked.append(trigram)
    return asked


def _lines_holding(q: LogQuery):
    def lines(trigram: str) -> int:
        return _term_lines(q.using, trigram)

    return lines


_TERM_CACHE_SIZE = 4096
_term_counts: dict[tuple[str, str], int] = {}


def _term_lines(alias: str, trigram: str) -> int:
    """How many lines hold a trigram, for ordering only: read once and kept (a stale
    figure makes a plan slower, never an answer wrong)."""
    key = (alias, trigram)
    if key not in _term_counts:
        if len(_term_counts) >= _TERM_CACHE_SIZE:
            _term_counts.clear()
        with connections[alias].cursor() as cursor:
            _ensure_vocabulary(cursor)
            cursor.execute(TERM_LINES, [trigram])
            row = cursor.fetchone()
        _term_counts[key] = row[0] if row else 0
    return _term_counts[key]


def _ensure_vocabulary(cursor) -> None:
    # fts5vocab is a view of the index itself (nothing stored); TEMP keeps it out of the
    # schema, so each connection makes its own.
    cursor.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{FTS}_vocab USING fts5vocab(main, {FTS}, row)"
    )


def _like(word: str) -> str:
    return "%" + word.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"


def _search_postgresql(q: LogQuery, low: int, high: int) -> tuple[int, list[tuple[int, str]]]:
    """LIKE is what the pg_trgm GIN index answers (rechecking each line it finds, and
    case-sensitively), with the stream's id range from the primary key."""
    sql, params = [SCANNED_FROM], [low, high]
    for word in q.keywords:
        if len(word) >= TRIGRAM:
            sql.append("AND l.body LIKE %s ESCAPE '!'")
            params.append(_like(word))
        else:
            sql.append("AND strpos(l.body, %s) > 0")
            params.append(word)
    sql += ["AND strpos(l.body, %s) = 0"] * len(q.ignore)
    where = " ".join(sql)
    params += q.ignore
    total = _fetch(q, "SELECT count(*) " + where, params)[0][0]
    if not total:
        return 0, []
    return total, _fetch(q, "SELECT l.time_ns, l.body " + where + NEWEST, [*params, q.limit])


def _search_scanning(q: LogQuery, low: int, high: int) -> tuple[int, list[tuple[int, str]]]:
    """Every line of the range read and tested; the newest read backwards to the limit."""
    tests, test_params = _substring_tests(q.keywords, q.ignore)
    where, params = f"{SCANNED_FROM} {tests}", [low, high, *test_params]
    total = _fetch(q, "SELECT count(*) " + where, params)[0][0]
    if not total:
        return 0, []
    return total, _fetch(q, "SELECT l.time_ns, l.body " + where + NEWEST, [*params, q.limit])
