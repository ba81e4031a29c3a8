"""The log index at half the size: SQLite's trigram FTS5 index keeps which lines hold a
trigram but not where (detail=none, no column sizes), and PostgreSQL gets a pg_trgm GIN
index on the bodies, which it scanned before.

Without positions a keyword longer than three characters is looked up as all of its
trigrams and rechecked against the line (console/localcloud/logsearch.py); at a million
lines that recheck costs less than the positions did, and the index is a third the size.
"""

from django.db import migrations

TABLE = "localcloud_logline"
FTS = "localcloud_logline_fts"
PG_INDEX = "localcloud_logline_body_trgm"


def _sqlite_index(options: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {TABLE}_fts_insert",
        f"DROP TRIGGER IF EXISTS {TABLE}_fts_delete",
        f"DROP TRIGGER IF EXISTS {TABLE}_fts_update",
        f"DROP TABLE IF EXISTS {FTS}",
        f"CREATE VIRTUAL TABLE {FTS} USING fts5(body, content='{TABLE}', content_rowid='id', "
        f"tokenize='trigram case_sensitive 1'{options})",
        f"CREATE TRIGGER {TABLE}_fts_insert AFTER INSERT ON {TABLE} BEGIN "
        f"INSERT INTO {FTS}(rowid, body) VALUES (new.id, new.body); END",
        f"CREATE TRIGGER {TABLE}_fts_delete AFTER DELETE ON {TABLE} BEGIN "
        f"INSERT INTO {FTS}({FTS}, rowid, body) VALUES ('delete', old.id, old.body); END",
        f"CREATE TRIGGER {TABLE}_fts_update AFTER UPDATE OF body ON {TABLE} BEGIN "
        f"INSERT INTO {FTS}({FTS}, rowid, body) VALUES ('delete', old.id, old.body); "
        f"INSERT INTO {FTS}(rowid, body) VALUES (new.id, new.body); END",
        f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
    ]


SQLITE_FORWARD = _sqlite_index(", detail=none, columnsize=0")
SQLITE_BACKWARD = _sqlite_index("")
# pg_trgm is a trusted extension (PostgreSQL 13+): a database's owner may create it.
PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON {TABLE} USING gin (body gin_trgm_ops)",
]
PG_BACKWARD = [f"DROP INDEX IF EXISTS {PG_INDEX}"]


def _run(sqlite: list[str], postgresql: list[str]):
    def run(apps, schema_editor):
        statements = {"sqlite": sqlite, "postgresql": postgresql}
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("localcloud", "0005_kube_tombstones")]
    operations = [
        migrations.RunPython(_run(SQLITE_FORWARD, PG_FORWARD), _run(SQLITE_BACKWARD, PG_BACKWARD))
    ]
