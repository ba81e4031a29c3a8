"""URLs of pricing."""

from django.urls import path

from . import views

app_name = "pricing"
urlpatterns = [
    path("", views.calculator, name="calculator"),
    path("premium/", views.premium, name="premium"),
]
