"""Searching one container's stored log lines: Keywords all match, KeywordsIgnore none,
Start inclusive, End exclusive, the newest `limit` lines returned oldest first.

Keywords of three or more characters are looked up in a trigram index, so counting costs
what is found rather than what is stored: on SQLite an FTS5 index that keeps which lines
hold each trigram but not where (migration 0006), so a longer keyword is all of its
trigrams and then an exact recheck; on PostgreSQL a pg_trgm GIN index, which LIKE uses
and rechecks by itself. Shorter keywords and ignore-words are a case-sensitive substring
test (INSTR or STRPOS), the same semantics as `grep -F`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Value
from django.db.models.functions import StrIndex

from .models import LogLine

TRIGRAM = 3  # the trigram index cannot find anything shorter
RECENT_SCAN_ROWS = 50_000
SORT_CHEAPLY = 20  # up to this many times the limit, matches are sorted, not scanned for

# The user's words only ever travel as bound parameters; these texts are constant.
STREAM = "l.cluster_id = %s AND l.namespace = %s AND l.pod = %s AND l.container = %s"
# Driving the join from the index's matches keeps the cost to what is found; left to
# choose, SQLite scans the container's whole stream and probes the matches instead.
INDEXED_FROM = (
    "FROM localcloud_logline_fts f CROSS JOIN localcloud_logline l ON l.id = f.rowid "
    "WHERE f.localcloud_logline_fts MATCH %s"
)
RANGE_COUNT = "SELECT count(*) FROM (SELECT 1 FROM localcloud_logline l WHERE {where} LIMIT %s)"
NEWEST_FIRST = " ORDER BY l.time_ns DESC, l.id DESC"
RECENT_FLOOR = (
    "SELECT l.time_ns FROM localcloud_logline l WHERE {where} "
    "ORDER BY l.time_ns DESC, l.id DESC LIMIT 1 OFFSET %s"
)
RECENT_MATCHES = "SELECT l.time_ns, l.body FROM localcloud_logline l WHERE {where}"


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

    def stream_sql(self) -> tuple[str, list]:
        """The container's lines in [start, end), as SQL over alias `l`."""
        sql, params = [STREAM], [self.cluster_id, self.namespace, self.pod, self.container]
        if self.start is not None:
            sql.append("l.time_ns >= %s")
            params.append(self.start)
        if self.end is not None:
            sql.append("l.time_ns < %s")
            params.append(self.end)
        return " AND ".join(sql), params

    def words_sql(self, keywords: list[str]) -> tuple[str, list]:
        """`keywords` present and every ignore-word absent, by substring test."""
        sql = ["AND instr(l.body, %s) > 0"] * len(keywords)
        sql += ["AND instr(l.body, %s) = 0"] * len(self.ignore)
        return " ".join(sql), [*keywords, *self.ignore]


@cache
def _has_index(alias: str) -> bool:
    conn = connections[alias]
    return conn.vendor == "sqlite" and "localcloud_logline_fts" in conn.introspection.table_names()


def _fts_match(words: list[str]) -> str:
    """Every trigram of every word, for an index that does not know where they are."""
    trigrams = sorted({w[i : i + TRIGRAM] for w in words for i in range(len(w) - TRIGRAM + 1)})
    # Inside an FTS5 string only the double quote is special.
    return " AND ".join('"' + t.replace('"', '""') + '"' for t in trigrams)


def search(q: LogQuery) -> tuple[int, list[tuple[int, str]]]:
    """(how many lines match, the newest `limit` of them oldest first)."""
    indexed = [w for w in q.keywords if len(w) >= TRIGRAM]
    if connections[q.using].vendor == "postgresql":
        return _search_postgresql(q)
    # The index finds a word's matches in every container and every hour; a short range
    # (a histogram's slice) is cheaper to read through than to intersect with them all.
    if indexed and _has_index(q.using) and not _few_lines(q):
        return _search_indexed(q, indexed)
    return _search_scanning(q)


def _few_lines(q: LogQuery) -> bool:
    """Whether the container has at most LOCALCLOUD_LOG_SCAN_AT_MOST lines in the range
    (counted no further than that)."""
    at_most = settings.LOCALCLOUD_LOG_SCAN_AT_MOST
    stream, params = q.stream_sql()
    sql = RANGE_COUNT.format(where=stream)
    return _fetch(q, sql, [*params, at_most + 1])[0][0] <= at_most


def _fetch(q: LogQuery, sql: str, params: list) -> list[tuple]:
    with connections[q.using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _search_indexed(q: LogQuery, indexed: list[str]) -> tuple[int, list[tuple[int, str]]]:
    stream, stream_params = q.stream_sql()
    # A three-character keyword is its one trigram; longer ones may match trigrams that
    # are apart in the line, so they are rechecked.
    inexact = [w for w in q.keywords if len(w) != TRIGRAM]
    words, word_params = q.words_sql(inexact)
    match = _fts_match(indexed)
    where = f"{INDEXED_FROM} AND {stream} {words}"
    params = [match, *stream_params, *word_params]
    total = _fetch(q, "SELECT count(*) " + where, params)[0][0]
    if not total:
        return 0, []
    # Few matches are cheap to sort; many are likely dense among the newest lines.
    newest = _newest_recent(q, total) if total > SORT_CHEAPLY * q.limit else None
    if newest is None:
        # Sorting only (time, id) and then reading the bodies of the few kept is about
        # twice as fast as sorting whole rows.
        order = " ORDER BY l.time_ns DESC, l.id DESC LIMIT %s"
        ids = [row[0] for row in _fetch(q, "SELECT l.id " + where + order, [*params, q.limit])]
        rows = LogLine.objects.using(q.using).filter(id__in=ids)
        by_id = {i: (t, b) for i, t, b in rows.values_list("id", "time_ns", "body")}
        newest = [by_id[i] for i in ids]
    newest.reverse()
    return total, newest


def _newest_recent(q: LogQuery, total: int) -> list[tuple[int, str]] | None:
    """The newest matches, found by reading at most about RECENT_SCAN_ROWS lines back from
    the end, or None when they are not all there. For a common word this beats sorting
    every match: at 10% of a million lines, 5,000 rows are read instead of 100,000 sorted."""
    stream, params = q.stream_sql()
    # Walking the (container, time) index newest first stops at the limit; the floor
    # (one index-only step) bounds the walk where the matches are all old.
    floor = _fetch(q, RECENT_FLOOR.format(where=stream), [*params, RECENT_SCAN_ROWS - 1])
    if floor:
        stream += " AND l.time_ns >= %s"
        params.append(floor[0][0])
    words, word_params = q.words_sql(q.keywords)
    sql = RECENT_MATCHES.format(where=f"{stream} {words}")
    found = _fetch(q, sql + NEWEST_FIRST + " LIMIT %s", [*params, *word_params, q.limit])
    return found if len(found) == min(q.limit, total) else None


def _like(word: str) -> str:
    return "%" + word.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"


def _search_postgresql(q: LogQuery) -> tuple[int, list[tuple[int, str]]]:
    """LIKE is what the pg_trgm GIN index answers (rechecking each line it finds, and
    case-sensitively); the planner weighs it against reading the stream newest first."""
    stream, params = q.stream_sql()
    sql = [f"FROM localcloud_logline l WHERE {stream}"]
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
    order = " ORDER BY l.time_ns DESC, l.id DESC LIMIT %s"
    newest = _fetch(q, "SELECT l.time_ns, l.body " + where + order, [*params, q.limit])
    newest.reverse()
    return total, newest


def _search_scanning(q: LogQuery) -> tuple[int, list[tuple[int, str]]]:
    lines = LogLine.objects.using(q.using).filter(
        cluster_id=q.cluster_id, namespace=q.namespace, pod=q.pod, container=q.container
    )
    if q.start is not None:
        lines = lines.filter(time_ns__gte=q.start)
    if q.end is not None:
        lines = lines.filter(time_ns__lt=q.end)
    for i, word in enumerate(q.keywords):
        lines = lines.annotate(**{f"kw{i}": StrIndex("body", Value(word))}).filter(
            **{f"kw{i}__gt": 0}
        )
    for i, word in enumerate(q.ignore):
        lines = lines.annotate(**{f"ig{i}": StrIndex("body", Value(word))}).filter(**{f"ig{i}": 0})
    total = lines.count()
    newest = list(lines.order_by("-time_ns", "-id").values_list("time_ns", "body")[: q.limit])
    newest.reverse()
    return total, newest
