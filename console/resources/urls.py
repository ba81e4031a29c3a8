"""URLs of a cluster's Kubernetes objects."""

from django.urls import path

from . import views

app_name = "resources"
urlpatterns = [
    path("", views.cluster_objects, name="objects"),
    path("<str:kind_key>/<str:namespace>/<str:name>/", views.object_yaml, name="object"),
    path("<str:kind_key>/<str:namespace>/<str:name>/delete/", views.object_delete, name="delete"),
    path("<str:kind_key>/<str:namespace>/<str:name>/scale/", views.object_scale, name="scale"),
]
