"""The console's URLs; localcloud's /api is mounted here too unless it runs elsewhere."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import include, path

urlpatterns = [
    path("", lambda request: redirect("clusters:list"), name="home"),
    path("accounts/", include("console.accounts.urls")),
    path("clusters/", include("console.clusters.urls")),
]

if settings.LOCALCLOUD_ENABLED:
    urlpatterns.append(path("", include("console.localcloud.urls")))
