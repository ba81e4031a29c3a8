"""URLs of a cluster's Kubernetes objects."""

from django.urls import path

from . import create_yaml, deployment_form, rollout, views

app_name = "resources"
urlpatterns = [
    path("", views.cluster_objects, name="objects"),
    path("new/yaml/", create_yaml.create_from_yaml, name="create-yaml"),
    path("new/deployment/", deployment_form.create_deployment, name="create-deployment"),
    path(
        "new/deployment/preview/",
        deployment_form.deployment_preview,
        name="deployment-preview",
    ),
    path("<str:kind_key>/<str:namespace>/<str:name>/", views.object_yaml, name="object"),
    path("<str:kind_key>/<str:namespace>/<str:name>/delete/", views.object_delete, name="delete"),
    path("<str:kind_key>/<str:namespace>/<str:name>/scale/", views.object_scale, name="scale"),
    path("<str:kind_key>/<str:namespace>/<str:name>/restart/", rollout.restart, name="restart"),
    path("<str:kind_key>/<str:namespace>/<str:name>/rollback/", rollout.rollback, name="rollback"),
]
