"""API keys' private halves sealed at rest (published ones dropped); the operation log."""

from django.db import migrations, models


def seal_private_keys(apps, schema_editor):
    from console.localcloud import keys

    ApiKey = apps.get_model("localcloud", "ApiKey")
    for key in ApiKey.objects.using(schema_editor.connection.alias):
        try:
            keys.check_pair(key.public_key, key.private_key)
        except keys.RefusedKey:
            # A key anyone can read from the repository: `localcloud seed` makes new ones.
            key.delete()
            continue
        key.private_key_sealed = keys.seal(key.private_key)
        key.save(update_fields=["private_key_sealed"])


class Migration(migrations.Migration):
    dependencies = [("localcloud", "0003_kube_objects")]

    operations = [
        migrations.AddField(
            model_name="apikey",
            name="private_key_sealed",
            field=models.TextField(default=""),
            preserve_default=False,
        ),
        migrations.RunPython(seal_private_keys, migrations.RunPython.noop),
        migrations.RemoveField(model_name="apikey", name="private_key"),
        migrations.CreateModel(
            name="Operation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("time", models.DateTimeField(db_index=True)),
                ("public_key", models.CharField(blank=True, max_length=200)),
                ("company_id", models.IntegerField(null=True)),
                ("action", models.CharField(max_length=60)),
                ("params", models.JSONField(default=dict)),
                ("ret_code", models.IntegerField()),
                ("source", models.CharField(blank=True, max_length=64)),
            ],
        ),
    ]
