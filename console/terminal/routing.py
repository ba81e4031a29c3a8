"""Websocket routes of the terminal (behind the login and Origin checks of console.asgi)."""

from django.urls import path

from .consumers import TerminalConsumer

websocket_urlpatterns = [path("terminal/", TerminalConsumer.as_asgi())]
