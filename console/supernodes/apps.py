"""App config of supernodes."""

from django.apps import AppConfig


class SupernodesConfig(AppConfig):
    name = "console.supernodes"
    label = "supernodes"
