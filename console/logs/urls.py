"""URLs of the log search."""

from django.urls import path

from . import views

app_name = "logs"
urlpatterns = [
    path("", views.log_search, name="search"),
    path("histogram/", views.log_histogram, name="histogram"),
    path("tail/", views.log_tail, name="tail"),
    path("download/", views.log_download, name="download"),
]
