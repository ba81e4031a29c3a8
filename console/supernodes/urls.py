"""URLs of supernodes (mounted under /clusters/<cluster_id>/nodes/)."""

from django.urls import path

from . import views

app_name = "supernodes"
urlpatterns = [
    path("", views.node_list, name="list"),
    path("new/", views.node_create, name="create"),
    path("<str:node_name>/", views.node_detail, name="detail"),
    path("<str:node_name>/yaml/", views.node_yaml, name="yaml"),
    path("<str:node_name>/resize/", views.node_resize, name="resize"),
    path("<str:node_name>/gpu/", views.node_gpu, name="gpu"),
    path("<str:node_name>/delete/", views.node_delete, name="delete"),
]
