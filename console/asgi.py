"""ASGI entry point: Django for HTTP; websockets for the terminal, live updates and
localcloud's gateway.

The browser's sockets pass the Origin check and the login (session cookie); the gateway
is not for browsers: its SessionID is the credential.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")

from django.core.asgi import get_asgi_application

django_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import re_path  # noqa: E402

from console import sendbuffer  # noqa: E402
from console.live.routing import websocket_urlpatterns as live_sockets  # noqa: E402
from console.logs.routing import websocket_urlpatterns as log_sockets  # noqa: E402
from console.terminal.routing import websocket_urlpatterns as terminal_sockets  # noqa: E402
from console.web.origin import SameOriginValidator  # noqa: E402

# Daphne's websocket send never pushes back (daphne #170): bound what waits for a peer.
sendbuffer.install()

browser_sockets = terminal_sockets + live_sockets + log_sockets

# Browser sockets: Origin must be the site's own (scheme, host and port) or a trusted
# origin (CSRF_TRUSTED_ORIGINS), and the user logged in.
# (A regex prefix: a path() whose callback is not a bare URLRouter matches whole paths.)
sockets = [
    re_path(
        r"^ws/",
        SameOriginValidator(AuthMiddlewareStack(URLRouter(browser_sockets))),
    )
]
if settings.LOCALCLOUD_ENABLED:
    from console.localcloud.routing import websocket_urlpatterns as gateway_sockets

    sockets += gateway_sockets

application = ProtocolTypeRouter({"http": django_app, "websocket": URLRouter(sockets)})
