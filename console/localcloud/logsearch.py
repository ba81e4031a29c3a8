"""Searching one container's stored log lines: Keywords all match, KeywordsIgnore none,
Start inclusive, End exclusive, the newest `limit` lines returned oldest first.

On SQLite, keywords of three or more characters are looked up in the trigram FTS5 index
(migration 0002), so a search costs what it finds rather than what is stored. Shorter
keywords, ignore-words and other databases use a case-sensitive substring test (INSTR or
STRPOS), the same semantics as `grep -F`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Value
from django.db.models.functions import StrIndex

from .models import LogLine

TRIGRAM = 3  # the trigram index cannot find anything shorter

# Driving the join from the index's matches keeps the cost to what is found; letting
# SQLite choose, it scans the container's whole stream and probes the matches instead.
# The user's words only ever travel as bound parameters; these texts are constant.
INDEXED_FROM = (
    "FROM localcloud_logline_fts f CROSS JOIN localcloud_logline l ON l.id = f.rowid "
    "WHERE f.localcloud_logline_fts MATCH %s AND l.cluster_id = %s AND l.namespace = %s "
    "AND l.pod = %s AND l.container = %s"
)


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


@cache
def _has_index(alias: str) -> bool:
    conn = connections[alias]
    return conn.vendor == "sqlite" and "localcloud_logline_fts" in conn.introspection.table_names()


def _fts_phrase(word: str) -> str:
    # Inside an FTS5 string only the double quote is special; a quoted trigram phrase
    # matches exactly that substring.
    return '"' + word.replace('"', '""') + '"'


def search(q: LogQuery) -> tuple[int, list[tuple[int, str]]]:
    """(how many lines match, the newest `limit` of them oldest first)."""
    indexed = [w for w in q.keywords if len(w) >= TRIGRAM]
    if indexed and _has_index(DEFAULT_DB_ALIAS):
        return _search_indexed(q, indexed)
    return _search_scanning(q)


def _search_indexed(q: LogQuery, indexed: list[str]) -> tuple[int, list[tuple[int, str]]]:
    sql = [INDEXED_FROM]
    params: list = [" AND ".join(_fts_phrase(w) for w in indexed)]
    params += [q.cluster_id, q.namespace, q.pod, q.container]
    if q.start is not None:
        sql.append("AND l.time_ns >= %s")
        params.append(q.start)
    if q.end is not None:
        sql.append("AND l.time_ns < %s")
        params.append(q.end)
    for word in q.keywords:
        if len(word) < TRIGRAM:
            sql.append("AND instr(l.body, %s) > 0")
            params.append(word)
    for word in q.ignore:
        sql.append("AND instr(l.body, %s) = 0")
        params.append(word)
    where = " ".join(sql)
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT count(*) " + where, params)
        total = cursor.fetchone()[0]
        # Sorting only (time, id) and then reading the bodies of the few kept is about
        # twice as fast as sorting whole rows.
        cursor.execute(
            "SELECT l.id " + where + " ORDER BY l.time_ns DESC, l.id DESC LIMIT %s",
            [*params, q.limit],
        )
        ids = [row[0] for row in cursor.fetchall()]
    bodies = LogLine.objects.in_bulk(ids)
    return total, [(bodies[i].time_ns, bodies[i].body) for i in reversed(ids)]


def _search_scanning(q: LogQuery) -> tuple[int, list[tuple[int, str]]]:
    lines = LogLine.objects.filter(
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
