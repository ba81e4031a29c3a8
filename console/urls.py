"""The console's URLs; localcloud's /api is mounted here too unless it runs elsewhere."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language

from console.usage.views import overview_usage
from console.web.health import healthz

# A database away (PostgreSQL restarting) is a readable 503, every other error the 500 page.
handler500 = "console.web.outage.server_error_page"

urlpatterns = [
    path("", include("console.dashboard.urls")),
    path("accounts/", include("console.accounts.urls")),
    path("clusters/", include("console.clusters.urls")),
    path("clusters/<str:cluster_id>/nodes/", include("console.supernodes.urls")),
    path("clusters/<str:cluster_id>/k8s/", include("console.resources.urls")),
    path("clusters/<str:cluster_id>/usage/", include("console.usage.urls")),
    path("usage/", overview_usage, name="usage-overview"),
    path("pricing/", include("console.pricing.urls")),
    path("terminal/", include("console.terminal.urls")),
    path("logs/", include("console.logs.urls")),
    path("pick/", include("console.web.urls")),
    path("audit/", include("console.audit.urls")),
    path("healthz", healthz, name="healthz"),
    # The language switcher (POST, CSRF-checked); open on the login page too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    # The scripts' strings in the page's language; the login page needs them too.
    path("i18n/js/", login_not_required(JavaScriptCatalog.as_view()), name="js-catalog"),
]

if settings.LOCALCLOUD_ENABLED:
    urlpatterns.append(path("", include("console.localcloud.urls")))
