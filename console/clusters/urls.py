"""URLs of clusters."""

from django.urls import path

from .views import change, create, detail, listing

app_name = "clusters"
urlpatterns = [
    path("", listing.cluster_list, name="list"),
    path("new/", create.cluster_create, name="create"),
    path("new/price/", create.create_price, name="create-price"),
    path("<str:cluster_id>/", detail.cluster_detail, name="detail"),
    path("<str:cluster_id>/row/", listing.cluster_row, name="row"),
    path("<str:cluster_id>/status/", detail.cluster_status, name="status"),
    path("<str:cluster_id>/kubeconfig/", detail.kubeconfig_download, name="kubeconfig"),
    path("<str:cluster_id>/subnets/", change.update_subnets, name="subnets"),
    path("<str:cluster_id>/capacity/", change.update_capacity, name="capacity"),
    path("<str:cluster_id>/eip/attach/", change.attach_eip, name="attach-eip"),
    path("<str:cluster_id>/eip/detach/", change.detach_eip, name="detach-eip"),
    path("<str:cluster_id>/delete/", change.delete_cluster, name="delete"),
]
