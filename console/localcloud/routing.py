"""Websocket routes of localcloud: the session gateway, and kubectl exec/attach."""

from django.urls import path, re_path

from .gateway import GatewayConsumer
from .k8s.streams.exec import ExecConsumer

websocket_urlpatterns = [
    path("api/session/<str:session_id>", GatewayConsumer.as_asgi()),
    re_path(
        r"^k8s/(?P<cluster_id>[\w-]+)/api/v1/namespaces/(?P<namespace>[^/]+)/pods/"
        r"(?P<pod>[^/]+)/(?P<action>exec|attach)/?$",
        ExecConsumer.as_asgi(),
    ),
]
