"""The demo data for in-process tests, seeded once and copied in: `localcloud seed` runs
its controllers for every object (about half a second), which hundreds of tests paid each.

The rows the seed adds are read straight from the tables (database values, no model
conversion) and written back into each test's database. The copy is taken again when it
is older than SNAPSHOT_SECONDS, so times the seed derives from the clock (a cluster
created "now", pods started minutes ago) stay close to a fresh seed's. Where the copy does
not fit (another database, tables not empty before the seed, rows the seed changed), the
seed itself runs, as before.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction

from console.localcloud import seed as demo

SNAPSHOT_SECONDS = 30.0
# FTS5's own tables follow the lines through their triggers; they are never copied.
SKIPPED_PREFIXES = ("localcloud_logline_fts", "sqlite_", "django_migrations")


@dataclass
class _Snapshot:
    taken_at: float
    install: tuple  # keys are sealed with the install's master key: another install re-seeds
    rows: dict[str, tuple[list[str], list[tuple]]]  # table -> (columns, rows added)


_snapshot: _Snapshot | None = None


def seed_demo() -> None:
    """The demo data in the test database, as `demo.seed()` leaves it."""
    global _snapshot
    if connection.vendor != "sqlite" or not _tables_empty(_snapshot):
        demo.seed()
        return
    if (
        _snapshot is None
        or _snapshot.install != _install()
        or time.monotonic() - _snapshot.taken_at > SNAPSHOT_SECONDS
    ):
        _snapshot = _take()
        if _snapshot is None:
            demo.seed()
            return
    # One transaction: foreign keys are checked at its end, when every table is written.
    with transaction.atomic(), connection.cursor() as cursor:
        for table, (columns, rows) in _snapshot.rows.items():
            names = ", ".join(connection.ops.quote_name(c) for c in columns)
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
    demo.ensure_console_key()  # writes this run's key file, as the seed does


def _tables_empty(snapshot: _Snapshot | None) -> bool:
    tables = snapshot.rows if snapshot else _tables()
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
            if cursor.fetchone()[0]:
                return False
    return True


def _take() -> _Snapshot | None:
    """Seed inside a savepoint, read what it added, and roll it back."""
    tables = _tables()
    with transaction.atomic():
        before = {t: _read(t)[1] for t in tables}
        demo.seed()
        after = {t: _read(t) for t in tables}
        transaction.set_rollback(True)
    if any(before[t] for t in tables):
        return None  # something was there already: only a real seed knows what to do
    rows = {t: (columns, rows) for t, (columns, rows) in after.items() if rows}
    return _Snapshot(time.monotonic(), _install(), rows)


def _install() -> tuple:
    return (
        settings.LOCALCLOUD_WORK_DIR,
        getattr(settings, "LOCALCLOUD_MASTER_KEY", ""),
        settings.CONSOLE_PUBLIC_KEY,
        settings.CONSOLE_KEY_FILE,
    )


def _tables() -> list[str]:
    names = connection.introspection.table_names(include_views=False)
    return [t for t in names if t.startswith("localcloud_") and not t.startswith(SKIPPED_PREFIXES)]


def _read(table: str) -> tuple[list[str], list[tuple]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")
        return [d[0] for d in cursor.description], cursor.fetchall()
