"""Websocket routes of localcloud: the session gateway."""

from django.urls import path

from .gateway import GatewayConsumer

websocket_urlpatterns = [
    path("api/session/<str:session_id>", GatewayConsumer.as_asgi()),
]
