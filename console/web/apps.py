"""App config of web (shared view helpers, template tags and templates)."""

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "console.web"
    label = "web"

    def ready(self):
        from . import checks  # noqa: F401 - registers the deploy checks
