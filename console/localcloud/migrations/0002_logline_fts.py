"""A trigram FTS5 index over log bodies, kept in step by triggers (SQLite only).

Trigrams make any substring of three or more characters an index lookup, which is what
GetContainerLogs' Keywords need (they are substrings, not words). Other databases skip
this and search by scanning; see console/localcloud/logsearch.py.
"""

from django.db import migrations

TABLE = "localcloud_logline"
FTS = "localcloud_logline_fts"

CREATE = [
    f"CREATE VIRTUAL TABLE {FTS} USING fts5(body, content='{TABLE}', content_rowid='id', "
    "tokenize='trigram case_sensitive 1')",
    f"CREATE TRIGGER {TABLE}_fts_insert AFTER INSERT ON {TABLE} BEGIN "
    f"INSERT INTO {FTS}(rowid, body) VALUES (new.id, new.body); END",
    f"CREATE TRIGGER {TABLE}_fts_delete AFTER DELETE ON {TABLE} BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, body) VALUES ('delete', old.id, old.body); END",
    f"CREATE TRIGGER {TABLE}_fts_update AFTER UPDATE OF body ON {TABLE} BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, body) VALUES ('delete', old.id, old.body); "
    f"INSERT INTO {FTS}(rowid, body) VALUES (new.id, new.body); END",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
]
DROP = [
    f"DROP TRIGGER IF EXISTS {TABLE}_fts_insert",
    f"DROP TRIGGER IF EXISTS {TABLE}_fts_delete",
    f"DROP TRIGGER IF EXISTS {TABLE}_fts_update",
    f"DROP TABLE IF EXISTS {FTS}",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "sqlite":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("localcloud", "0001_initial")]
    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
