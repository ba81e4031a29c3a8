"""Deploy checks (`manage.py check --deploy`): what production must not serve by accident."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def embedded_cloud_in_production(app_configs, **kwargs):
    warnings = []
    if settings.LOCALCLOUD_ENABLED:
        warnings.append(
            Warning(
                "The embedded cloud (localcloud) is served on the console's port: its /api "
                "and /api/session/ answer anyone who holds a key, and its exec runs shells "
                "on this host.",
                hint="Set CONSOLE_CLOUD_URL to the real cloud and leave LOCALCLOUD_ENABLED "
                "unset; enable it in production only for a demo, on purpose.",
                id="console.W001",
            )
        )
    if settings.LOCALCLOUD_ENABLED and getattr(settings, "LOCALCLOUD_EXEC_UNSANDBOXED", False):
        warnings.append(
            Warning(
                "LOCALCLOUD_EXEC_UNSANDBOXED=true: pod terminals run as this server's user, "
                "outside any sandbox.",
                hint="Install bubblewrap and unset LOCALCLOUD_EXEC_UNSANDBOXED.",
                id="console.W002",
            )
        )
    if not settings.LOCALCLOUD_ENABLED and not settings.CONSOLE_CLOUD_URL:
        warnings.append(
            Warning(
                "No cloud: CONSOLE_CLOUD_URL is unset and the embedded cloud is off.",
                hint="Set CONSOLE_CLOUD_URL (and CONSOLE_PUBLIC_KEY, CONSOLE_PRIVATE_KEY).",
                id="console.W003",
            )
        )
    return warnings
