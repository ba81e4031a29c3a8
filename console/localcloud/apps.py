"""App config of localcloud."""

from django.apps import AppConfig


class LocalcloudConfig(AppConfig):
    name = "console.localcloud"
    label = "localcloud"
    default_auto_field = "django.db.models.BigAutoField"
