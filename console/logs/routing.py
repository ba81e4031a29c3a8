"""Websocket route of the live log tail (behind the login and Origin checks of console.asgi)."""

from django.urls import path

from .tail import LogTailConsumer

websocket_urlpatterns = [path("logs/", LogTailConsumer.as_asgi())]
