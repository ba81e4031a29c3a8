"""URLs of accounts."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import keys, views

urlpatterns = [
    path("login/", views.ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("region/", views.switch_region, name="switch-region"),
    path("key/", keys.tenant_key, name="tenant-key"),
    path("tenant/", keys.switch_tenant, name="switch-tenant"),
]
