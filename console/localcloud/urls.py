"""URLs of localcloud: the API endpoint (the session gateway comes with the terminal)."""

from django.urls import path

from . import views

app_name = "localcloud"
urlpatterns = [path("api", views.api, name="api")]
