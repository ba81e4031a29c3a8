"""GetContainerLogs' search on PostgreSQL (the production layout) finds what `grep -F`
finds: case-sensitive substrings, every keyword, no ignore-word, [start, end), the newest
`limit` oldest first, through the pg_trgm index. The database is migrated to before the
index with lines in it, then upgraded, as an existing deployment would be. Skipped when
PostgreSQL is absent, failed instead when CONSOLE_TEST_SERVICES_REQUIRED is set (CI)."""

from __future__ import annotations

import dj_database_url
import pytest
from django.core.management import call_command
from django.db import connections

from console.localcloud import logstore
from console.localcloud.logsearch import LogQuery, search

from .scaleout.services import postgres_database
from .test_log_search_paths import BODIES, CASES, OLD_INSERT, expected

ALIAS = "logs_postgres"
MORE = ["Post 100% done", "a_b", "tab\there", "x!y", "50%_off"]  # LIKE's special characters


@pytest.fixture(scope="module")
def postgres(django_db_setup, django_db_blocker):
    with postgres_database(label="logsearch") as url, django_db_blocker.unblock():
        settings = {**connections.settings, ALIAS: dj_database_url.parse(url, conn_max_age=0)}
        connections.settings[ALIAS] = connections.configure_settings(settings)[ALIAS]
        try:
            yield
        finally:
            connections[ALIAS].close()
            del connections[ALIAS]
            del connections.settings[ALIAS]


@pytest.fixture(scope="module")
def stream(postgres, django_db_blocker):
    bodies = BODIES + MORE
    lines = [(1000 + i, bodies[i % len(bodies)]) for i in range(300)]
    rows = [("c1", "n", "p", "x", t, b) for t, b in lines]
    rows.append(("c1", "n", "p", "y", 5000, "GET /a"))
    with django_db_blocker.unblock():
        # Lines in the four-string layout before the index, then every upgrade.
        call_command("migrate", "localcloud", "0005", database=ALIAS, verbosity=0)
        with connections[ALIAS].cursor() as cursor:
            cursor.executemany(OLD_INSERT, rows)
        call_command("migrate", database=ALIAS, verbosity=0)
        logstore.append("c1", "n", "p", "x", [(1300, "tail GET")], using=ALIAS)
    return [*lines, (1300, "tail GET")]


def test_it_upgrades_to_a_trigram_index(stream, django_db_blocker):
    with django_db_blocker.unblock(), connections[ALIAS].cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'localcloud_logline' "
            "AND indexdef LIKE '%gin_trgm_ops%'"
        )
        assert cursor.fetchall()


@pytest.mark.parametrize(
    "case",
    [
        *CASES,
        {"words": ["100%"]},
        {"words": ["a_b"]},
        {"words": ["post"]},  # case-sensitive: "Post" and "POST" are other words
        {"words": ["x!y"]},
        {"words": ["%_o"]},
        {"words": ["GET"], "ignore": ["/a", "%"]},
    ],
)
def test_it_finds_what_grep_finds(stream, django_db_blocker, case):
    words, ignore = case.get("words", []), case.get("ignore", [])
    start, end, limit = case.get("start"), case.get("end"), case.get("limit", 100)
    query = LogQuery("c1", "n", "p", "x", words, ignore, start, end, limit, using=ALIAS)
    with django_db_blocker.unblock():
        assert search(query) == expected(stream, words, ignore, start, end, limit)
