"""URLs of dashboard."""

from django.shortcuts import redirect
from django.urls import path

app_name = "dashboard"
# Placeholder until the overview exists: the landing page is the cluster list.
urlpatterns = [path("", lambda request: redirect("clusters:list"), name="overview")]
