"""Log lines keyed by their container's stream: a LogStream names the container once, and a
line's id is (stream id << 32) + its place in time order (console/localcloud/logstore.py).

The four strings each line repeated, and the index over them and the time, were more than
half of what the log store added to the text; the primary key now does that index's work.
Existing lines keep their bodies and times and get their new ids in (time, id) order; the
SQLite trigram index is rebuilt for the new rowids, PostgreSQL's pg_trgm index stays.
"""

from django.db import migrations, models
import django.db.models.deletion

TABLE = "localcloud_logline"
FTS = "localcloud_logline_fts"
STREAM_SHIFT = 4294967296  # 1 << 32, logstore.STREAM_BITS

NEW_STREAMS = (
    "INSERT INTO localcloud_logstream (cluster_id, namespace, pod, container) "
    f"SELECT DISTINCT cluster_id, namespace, pod, container FROM {TABLE}"
)
# Old ids are below 2**32 and new ones at or above it, so no two rows ever share one.
RENUMBER = (
    f"UPDATE {TABLE} AS l SET id = r.new_id, stream_id = r.stream_id FROM ("
    f"SELECT o.id AS old_id, s.id AS stream_id, s.id * {STREAM_SHIFT} - 1 + "
    "row_number() OVER (PARTITION BY s.id ORDER BY o.time_ns, o.id) AS new_id "
    f"FROM {TABLE} o JOIN localcloud_logstream s ON s.cluster_id = o.cluster_id "
    "AND s.namespace = o.namespace AND s.pod = o.pod AND s.container = o.container) r "
    "WHERE l.id = r.old_id"
)
# Back: the stream's names onto each line again (ids stay, they are still unique).
NAMES_BACK = (
    f"UPDATE {TABLE} AS l SET cluster_id = s.cluster_id, namespace = s.namespace, "
    "pod = s.pod, container = s.container FROM localcloud_logstream s WHERE s.id = l.stream_id"
)


def _sqlite_index(create: bool) -> list[str]:
    statements = [
        f"DROP TRIGGER IF EXISTS {TABLE}_fts_insert",
        f"DROP TRIGGER IF EXISTS {TABLE}_fts_delete",
        f"DROP TRIGGER IF EXISTS {TABLE}_fts_update",
        f"DROP TABLE IF EXISTS {FTS}",
    ]
    if create:  # as migration 0006 left it
        statements += [
            f"CREATE VIRTUAL TABLE {FTS} USING fts5(body, content='{TABLE}', "
            "content_rowid='id', tokenize='trigram case_sensitive 1', detail=none, "
            "columnsize=0)",
            f"CREATE TRIGGER {TABLE}_fts_insert AFTER INSERT ON {TABLE} BEGIN "
            f"INSERT INTO {FTS}(rowid, body) VALUES (new.id, new.body); END",
            f"CREATE TRIGGER {TABLE}_fts_delete AFTER DELETE ON {TABLE} BEGIN "
            f"INSERT INTO {FTS}({FTS}, rowid, body) VALUES ('delete', old.id, old.body); END",
            f"CREATE TRIGGER {TABLE}_fts_update AFTER UPDATE OF body ON {TABLE} BEGIN "
            f"INSERT INTO {FTS}({FTS}, rowid, body) VALUES ('delete', old.id, old.body); "
            f"INSERT INTO {FTS}(rowid, body) VALUES (new.id, new.body); END",
            f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
        ]
    return statements


def _on_sqlite(statements: list[str]):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for sql in statements:
                schema_editor.execute(sql)

    return run


def _run(*statements: str):
    def run(apps, schema_editor):
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("localcloud", "0006_logline_trigram_none")]

    operations = [
        # The table is copied below (SQLite rebuilds it to change columns), which would drop
        # the triggers and leave the index pointing at old rowids: set it aside meanwhile.
        migrations.RunPython(_on_sqlite(_sqlite_index(False)), _on_sqlite(_sqlite_index(True))),
        migrations.CreateModel(
            name="LogStream",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("cluster_id", models.CharField(max_length=40)),
                ("namespace", models.CharField(max_length=63)),
                ("pod", models.CharField(max_length=253)),
                ("container", models.CharField(max_length=100)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("cluster_id", "namespace", "pod", "container"),
                        name="unique_log_stream",
                    )
                ]
            },
        ),
        migrations.AddField(
            model_name="logline",
            name="stream",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="lines",
                to="localcloud.logstream",
            ),
        ),
        migrations.RunPython(_run(NEW_STREAMS, RENUMBER), _run(NAMES_BACK)),
        migrations.RemoveIndex(model_name="logline", name="localcloud__cluster_397d1a_idx"),
        migrations.RemoveField(model_name="logline", name="cluster_id"),
        migrations.RemoveField(model_name="logline", name="namespace"),
        migrations.RemoveField(model_name="logline", name="pod"),
        migrations.RemoveField(model_name="logline", name="container"),
        migrations.AlterField(
            model_name="logline",
            name="stream",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="lines",
                to="localcloud.logstream",
            ),
        ),
        migrations.RunPython(_on_sqlite(_sqlite_index(True)), _on_sqlite(_sqlite_index(False))),
    ]
