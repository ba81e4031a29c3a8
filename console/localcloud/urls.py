"""URLs of localcloud: the API endpoint, and each cluster's Kubernetes API server."""

from django.urls import path, re_path

from . import views
from .k8s import views as kubernetes

app_name = "localcloud"
urlpatterns = [
    path("api", views.api, name="api"),
    re_path(r"^k8s/(?P<cluster_id>[\w-]+)/(?P<path>.*)$", kubernetes.kubernetes_api, name="k8s"),
]
