"""URLs of the terminal."""

from django.urls import path

from . import views

app_name = "terminal"
urlpatterns = [
    path("", views.terminal_page, name="page"),
    path("pods/<str:cluster_id>/", views.cluster_pods, name="pods"),
    path("sessions/", views.session_list, name="sessions"),
    path("sessions/<int:pk>/", views.session_player, name="player"),
    path("sessions/<int:pk>/cast/", views.session_cast, name="cast"),
]
