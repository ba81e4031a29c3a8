"""SQLite's trigram index sees each line with its end: it indexes the body and a newline
(a view, localcloud_logline_text, is its content), so the last two characters of a line
make a trigram too.

Then the index alone can prove that a line holds a keyword longer than a trigram: from its first trigram,
each next character is the only one the line ever puts after those two, and a keyword cut
off by the line's end leaves a trigram with the newline (console/localcloud/logsearch.py).
The index grows by one trigram a line (about 2%).
"""

from django.db import migrations

# Migrations are frozen history: this one keeps its own copy of 0007's index statements
# (with the line's end added) rather than importing them, so a later edit of 0007 cannot
# change what 0008 did.

TABLE = "localcloud_logline"
FTS = "localcloud_logline_fts"
TEXT = "localcloud_logline_text"


def _sqlite_index(line_end: bool) -> list[str]:
    content, body = (TEXT, "{}.body || char(10)") if line_end else (TABLE, "{}.body")
    new, old = body.format("new"), body.format("old")
    statements = [
        f"DROP TRIGGER IF EXISTS {TABLE}_fts_insert",
        f"DROP TRIGGER IF EXISTS {TABLE}_fts_delete",
        f"DROP TRIGGER IF EXISTS {TABLE}_fts_update",
        f"DROP TABLE IF EXISTS {FTS}",
        f"DROP VIEW IF EXISTS {TEXT}",
    ]
    if line_end:
        statements.append(f"CREATE VIEW {TEXT} AS SELECT id, body || char(10) AS body FROM {TABLE}")
    return statements + [
        f"CREATE VIRTUAL TABLE {FTS} USING fts5(body, content='{content}', content_rowid='id', "
        "tokenize='trigram case_sensitive 1', detail=none, columnsize=0)",
        f"CREATE TRIGGER {TABLE}_fts_insert AFTER INSERT ON {TABLE} BEGIN "
        f"INSERT INTO {FTS}(rowid, body) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER {TABLE}_fts_delete AFTER DELETE ON {TABLE} BEGIN "
        f"INSERT INTO {FTS}({FTS}, rowid, body) VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER {TABLE}_fts_update AFTER UPDATE OF body ON {TABLE} BEGIN "
        f"INSERT INTO {FTS}({FTS}, rowid, body) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO {FTS}(rowid, body) VALUES (new.id, {new}); END",
        f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
    ]


def _on_sqlite(statements: list[str]):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("localcloud", "0007_logstream")]
    operations = [
        migrations.RunPython(_on_sqlite(_sqlite_index(True)), _on_sqlite(_sqlite_index(False)))
    ]
