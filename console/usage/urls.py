"""URLs of the usage charts (mounted under /clusters/<cluster_id>/usage/)."""

from django.urls import path

from . import views

app_name = "usage"
urlpatterns = [
    path("", views.cluster_usage, name="cluster"),
    path("nodes/", views.nodes_usage, name="nodes"),
    path("pods/", views.pods_usage, name="pods"),
    path("pods/<str:namespace>/<str:name>/", views.pod_usage, name="pod"),
]
