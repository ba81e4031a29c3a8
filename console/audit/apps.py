"""App config of audit."""

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "console.audit"
    label = "audit"
    default_auto_field = "django.db.models.BigAutoField"
