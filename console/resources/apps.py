"""App config of resources: what runs inside a cluster, through ForwardCluster."""

from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "console.resources"
    label = "resources"
