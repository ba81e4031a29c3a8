"""App config of logs."""

from django.apps import AppConfig


class LogsConfig(AppConfig):
    name = "console.logs"
    label = "logs"
