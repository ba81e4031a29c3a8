"""Searching one container's stored log lines with `grep -F` semantics: Keywords all match
(case-sensitive substrings), KeywordsIgnore none, Start inclusive, End exclusive, the
newest `limit` lines returned oldest first.

The layout (logstore.py, measured at 1,000,000 lines in bench/logs.py): a line's id is
(stream << 32) + its place in time order, so one container is one id range and a time
bound becomes an id bound. On SQLite the trigram FTS5 index (detail=none: which lines
hold a trigram, not where) is asked for that rowid range: it counts, and walks its matches
newest first, without reading a row. What it cannot know alone is a keyword longer than
three characters (its trigrams may be apart in the line). The index sees each line with
a newline after it (migration 0008), so it can often prove one anyway (_proven_count):
when, in the lines holding a keyword's first trigram, each pair of its characters is
only ever followed by the keyword's next one, every such line holds the keyword; only
lines holding another way on from such a pair are read and rechecked (about 1.7 us a line
on 2 busy CPUs, against about 0.3 us for the index's part; positions would make it exact
but the index about twice the size). Of a keyword's trigrams only the rarest few are asked for
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
# Proving a keyword from the index (_proven_count) is worth it while the index entries it
# walks are at most this many times the candidates: reading and rechecking a line costs
# several times an entry.
ENTRIES_PER_CANDIDATE = 4
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
TERMS_STARTING = (
    "SELECT term, doc FROM localcloud_logline_fts_vocab WHERE term >= %s AND term <= %s"
)
# FTS5's list of its segments (its "structure" record): every write to the index rewrites it.
INDEX_VERSION = "SELECT block FROM localcloud_logline_fts_data WHERE id = 10"
LAST_CHARACTER = chr(0x10FFFF)  # sorts after any character a trigram can go on with
LINE_END = "\n"  # what the index reads after each line (migration 0008)
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
    match = _all_of(asked)
    # A keyword the index answered exactly (it is one of the trigrams asked) needs no
    # reading; any other is rechecked on the line, unless the index proves it. One with a
    # newline is always rechecked: the index also saw the newline after each line.
    recheck = [w for w in q.keywords if w not in asked or LINE_END in w]
    if not recheck and not q.ignore:
        total = _fetch(q, INDEX_ONLY_COUNT, [match, low, high])[0][0]
        sql, params = "SELECT l.time_ns, l.body " + INDEXED_FROM, [match, low, high]
    else:
        tests, test_params = _substring_tests(recheck, q.ignore)
        where, params = f"{INDEXED_FROM} {tests}", [match, low, high, *test_params]
        total = _proven_count(q, asked, recheck, low, high)
        if total is None:
            total = _fetch(q, "SELECT count(*) " + where, params)[0][0]
        sql = "SELECT l.time_ns, l.body " + where
    if not total:
        return 0, []
    # The index walks its matches newest first and stops at the limit: nothing is sorted.
    return total, _fetch(q, sql + " ORDER BY f.rowid DESC LIMIT %s", [*params, q.limit])


def _all_of(trigrams) -> str:
    return " AND ".join(_quoted(t) for t in trigrams)


def _quoted(trigram: str) -> str:
    return '"' + trigram.replace('"', '""') + '"'  # only " is special in a string


def _proven_count(q: LogQuery, asked: list[str], words: list[str], low: int, high: int):
    """How many lines hold every keyword, from the index alone where it can prove it, or
    None when rechecking every candidate is cheaper or the only way.

    The index holds each line followed by a newline (migration 0008). A line that holds a
    keyword's first trigram, and after each pair of the keyword's characters only ever the
    keyword's next one, holds the keyword: from the first trigram each next character is
    forced, and the line's end cannot cut it short (it would leave the pair before a
    newline). Lines that also hold another trigram starting with such a pair (a "break")
    are read and rechecked.

    Only outside a transaction: there every statement reads a committed index, whose
    version (its structure record, which counts the index's writes) only moves forward, so
    trigrams kept by version are exact. Inside one, the index may hold lines not yet in
    that record, and a rolled-back write leaves the same version over other lines."""
    if q.ignore or any(len(w) <= TRIGRAM or LINE_END in w for w in words):
        return None
    if connections[q.using].in_atomic_block:
        return None
    budget = ENTRIES_PER_CANDIDATE * min(map(_lines_holding(q), asked))
    read = _chain_breaks(q, words, budget)
    if read is None or sum(read[1].values()) > budget:
        return None
    version, breaks = read
    held = _all_of(dict.fromkeys([*asked, *(w[:TRIGRAM] for w in words)]))
    if not breaks:
        total = _fetch(q, INDEX_ONLY_COUNT, [held, low, high])[0][0]
    else:
        broken = " OR ".join(map(_quoted, breaks))
        proven = _fetch(q, INDEX_ONLY_COUNT, [f"({held}) NOT ({broken})", low, high])[0][0]
        tests, test_params = _substring_tests(words, [])
        suspects = [f"({held}) AND ({broken})", low, high, *test_params]
        total = proven + _fetch(q, f"SELECT count(*) {INDEXED_FROM} {tests}", suspects)[0][0]
    # Each statement reads the newest committed index: a write committed between reading
    # the trigrams and counting may hold a break they miss. Same version after: same index.
    return total if _index_version(q.using) == version else None


def _index_version(alias: str) -> bytes:
    with connections[alias].cursor() as cursor:
        cursor.execute(INDEX_VERSION)
        return cursor.fetchone()[0]


def _chain_breaks(
    q: LogQuery, words: list[str], budget: int
) -> tuple[bytes, dict[str, int]] | None:
    """The index's version, and every trigram in it that starts with a pair of a keyword's
    characters (past its first) but goes on differently, with how many lines hold it; None
    when reading them afresh would walk more than `budget` index entries."""
    steps = {
        (w[i : i + TRIGRAM - 1], w[i : i + TRIGRAM]) for w in words for i in range(1, len(w) - 2)
    }
    version = _index_version(q.using)
    with connections[q.using].cursor() as cursor:
        # One lookup a pair, kept here: another thread may empty the cache meanwhile.
        known = {pair: _pair_terms.get((q.using, pair), (None, {})) for pair, _ in steps}
        unread = {pair for pair, (read_at, _) in known.items() if read_at != version}
        # Reading a pair's trigrams walks each one's lines: at least its own trigram's.
        if sum(_term_lines(q.using, own) for pair, own in steps if pair in unread) > budget:
            return None
        for pair in unread:
            _ensure_vocabulary(cursor)
            cursor.execute(TERMS_STARTING, [pair, pair + LAST_CHARACTER])
            known[pair] = (version, dict(cursor.fetchall()))
            _remember_pair(q.using, pair, known[pair])
    return version, {t: n for pair, own in steps for t, n in known[pair][1].items() if t != own}


# The trigrams of the index starting with a pair, with the index's version they were read
# at (one tuple, so a reader never pairs one version with another's terms): one missed
# would count a line that does not match, so any write to the index makes them read again.
# Only the count rests on them: the lines shown are always rechecked.
_pair_terms: dict[tuple[str, str], tuple[bytes, dict[str, int]]] = {}


def _remember_pair(alias: str, pair: str, read: tuple[bytes, dict[str, int]]) -> None:
    if len(_pair_terms) >= _TERM_CACHE_SIZE:
        _pair_terms.clear()
    _pair_terms[alias, pair] = read


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
