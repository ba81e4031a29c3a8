"""ASGI app of localcloud on its own (`manage.py localcloud serve`): /api and the gateway."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
os.environ["CONSOLE_URLCONF"] = "console.localcloud.urls"

from django.core.asgi import get_asgi_application

django_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from console import sendbuffer  # noqa: E402

from .routing import websocket_urlpatterns  # noqa: E402

sendbuffer.install()  # Daphne's send never pushes back (daphne #170)

application = ProtocolTypeRouter(
    {"http": django_app, "websocket": URLRouter(websocket_urlpatterns)}
)
