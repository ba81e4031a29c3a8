"""The browser sockets' Origin check: the page's own scheme, host and port, or a trusted origin."""

from __future__ import annotations

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain

DEFAULT_PORTS = {"http": "80", "https": "443"}


class SameOriginValidator:
    """ASGI middleware that closes a websocket whose Origin is not the site's own.

    Channels' AllowedHostsOriginValidator compares the Origin's host with ALLOWED_HOSTS
    only, so a page on another port or scheme of an allowed host (http://localhost:9999)
    could open a logged-in user's terminal. Here the Origin must equal the origin of the
    page the browser would have loaded from this Host, or be in CSRF_TRUSTED_ORIGINS."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)


def allowed(scope: dict) -> bool:
    origin = _header(scope, b"origin")
    if not origin:
        return False
    return origin in _trusted_exact() or _trusted_wildcard(origin) or _same_origin(scope, origin)


def _same_origin(scope: dict, origin: str) -> bool:
    domain, port = split_domain_port(_header(scope, b"host"))
    # localcloud.internal names the in-process cloud; no browser page is ever served there.
    if not domain or domain == settings.EMBEDDED_CLOUD_HOST:
        return False
    if not validate_host(domain, settings.ALLOWED_HOSTS):
        return False
    scheme = _page_scheme(scope)
    return _normalised(origin) == (scheme, domain, port or DEFAULT_PORTS[scheme])


def _page_scheme(scope: dict) -> str:
    """http or https: the scheme of the page that opened this socket, as Django would see it."""
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy:
        header, secure_value = proxy
        name = header.removeprefix("HTTP_").replace("_", "-").lower().encode()
        value = _header(scope, name)
        if value:
            return "https" if value.split(",")[0].strip() == secure_value else "http"
    # ws/wss from the server itself; http/https when Daphne took X-Forwarded-Proto.
    return "https" if scope.get("scheme", "ws") in ("wss", "https") else "http"


def _normalised(origin: str) -> tuple[str, str, str] | None:
    """(scheme, host, port) of an Origin header; None for anything but scheme://host[:port]."""
    try:
        parts = urlsplit(origin)
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or parts.path or parts.query or parts.fragment:
        return None
    if "@" in parts.netloc:
        return None
    domain, port = split_domain_port(parts.netloc)
    if not domain:
        return None
    return parts.scheme, domain, port or DEFAULT_PORTS[parts.scheme]


def _trusted_exact() -> set[str]:
    return {o for o in settings.CSRF_TRUSTED_ORIGINS if "*" not in o}


def _trusted_wildcard(origin: str) -> bool:
    """As Django's CSRF check reads `https://*.example.com` in CSRF_TRUSTED_ORIGINS."""
    parts = urlsplit(origin)
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        if "*" not in trusted:
            continue
        pattern = urlsplit(trusted)
        host = pattern.netloc[pattern.netloc.index("*") + 1 :] if "*" in pattern.netloc else ""
        if host and parts.scheme == pattern.scheme and is_same_domain(parts.netloc, host):
            return True
    return False


def _header(scope: dict, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return ""
