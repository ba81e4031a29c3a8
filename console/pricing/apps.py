"""App config of pricing."""

from django.apps import AppConfig


class PricingConfig(AppConfig):
    name = "console.pricing"
    label = "pricing"
