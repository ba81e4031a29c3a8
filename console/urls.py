"""The console's URLs; localcloud's /api is mounted here too unless it runs elsewhere."""

from django.conf import settings
from django.urls import include, path

urlpatterns = [
    path("", include("console.dashboard.urls")),
    path("accounts/", include("console.accounts.urls")),
    path("clusters/", include("console.clusters.urls")),
    path("clusters/<str:cluster_id>/nodes/", include("console.supernodes.urls")),
    path("clusters/<str:cluster_id>/k8s/", include("console.resources.urls")),
    path("pricing/", include("console.pricing.urls")),
    path("terminal/", include("console.terminal.urls")),
    path("logs/", include("console.logs.urls")),
    path("pick/", include("console.web.urls")),
    path("audit/", include("console.audit.urls")),
]

if settings.LOCALCLOUD_ENABLED:
    urlpatterns.append(path("", include("console.localcloud.urls")))
