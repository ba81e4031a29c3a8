"""App config of terminal."""

from django.apps import AppConfig


class TerminalConfig(AppConfig):
    name = "console.terminal"
    label = "terminal"
    default_auto_field = "django.db.models.BigAutoField"
