"""App config of accounts."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "console.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
