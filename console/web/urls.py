"""URLs shared by several pages: the Kubernetes pickers."""

from django.urls import path

from . import pickers

app_name = "pickers"
urlpatterns = [path("<str:what>/", pickers.picker_options, name="options")]
