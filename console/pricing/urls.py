"""URLs of pricing: one page; htmx asks it for the part it swaps (see views.calculator)."""

from django.urls import path

from . import views

app_name = "pricing"
urlpatterns = [
    path("", views.calculator, name="calculator"),
]
