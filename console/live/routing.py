"""Websocket route of live updates (behind the login and Origin checks of console.asgi)."""

from django.urls import path

from .consumers import LiveConsumer

websocket_urlpatterns = [path("live/", LiveConsumer.as_asgi())]
