"""Which pages may open a browser socket: only the console's own origin (scheme, host and
port) or a configured trusted origin, for a logged-in user as much as for anyone."""

from __future__ import annotations

import pytest

from console.web.origin import allowed
from tests.terminal.conftest import communicator

pytestmark = pytest.mark.django_db(transaction=True)

SITE = "http://127.0.0.1:8000"  # the communicator's Host is 127.0.0.1:8000, over ws://
FOREIGN = [
    "http://127.0.0.1:9999",  # another port of the same host
    "http://localhost:9999",
    "https://127.0.0.1:8000",  # another scheme
    "http://127.0.0.1",  # port 80
    "http://localcloud.internal",  # the embedded cloud's name is an allowed host
    "http://evil.example",
    "null",
    "http://127.0.0.1:8000/path",
    "http://user@127.0.0.1:8000",
]


@pytest.mark.parametrize("origin", FOREIGN)
@pytest.mark.parametrize("path", ["/ws/terminal/", "/ws/live/"])
async def test_it_refuses_a_logged_in_users_socket_from_another_origin(
    operator_cookie, path, origin
):
    comm = communicator(operator_cookie, path=path, origin=(b"origin", origin.encode()))
    connected, _ = await comm.connect()
    assert not connected


async def test_it_refuses_a_socket_without_origin(operator_cookie):
    comm = communicator(operator_cookie, path="/ws/live/", origin=None)
    assert not (await comm.connect())[0]


async def test_it_opens_a_socket_from_the_consoles_own_page(operator_cookie):
    comm = communicator(operator_cookie, path="/ws/live/", origin=(b"origin", SITE.encode()))
    assert (await comm.connect())[0]
    assert (await comm.receive_json_from())["kind"] == "hello"
    await comm.disconnect()


async def test_it_opens_a_socket_from_a_trusted_origin(operator_cookie, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://console.example.com", "https://*.corp.example"]
    for origin in ("https://console.example.com", "https://ops.corp.example"):
        comm = communicator(operator_cookie, path="/ws/live/", origin=(b"origin", origin.encode()))
        assert (await comm.connect())[0], origin
        await comm.disconnect()
    comm = communicator(
        operator_cookie, path="/ws/live/", origin=(b"origin", b"http://console.example.com")
    )
    assert not (await comm.connect())[0]


def scope(scheme: str, host: str, origin: str, **headers: str) -> dict:
    pairs = [(b"host", host.encode()), (b"origin", origin.encode())]
    pairs += [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    return {"type": "websocket", "scheme": scheme, "headers": pairs}


def test_it_matches_the_scheme_of_the_page_behind_tls_and_behind_a_proxy(settings):
    settings.ALLOWED_HOSTS = ["console.example.com"]
    host = "console.example.com"
    assert allowed(scope("wss", host, "https://console.example.com"))
    assert allowed(scope("wss", host + ":443", "https://console.example.com"))
    assert not allowed(scope("wss", host, "http://console.example.com"))
    assert not allowed(scope("ws", host, "https://console.example.com"))
    # Daphne --proxy-headers turns X-Forwarded-Proto into the scope's scheme.
    assert allowed(scope("https", host, "https://console.example.com"))
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    forwarded = {"x_forwarded_proto": "https"}
    assert allowed(scope("ws", host, "https://console.example.com", **forwarded))
    assert not allowed(scope("ws", host, "http://console.example.com", **forwarded))
    # A Host that is not allowed cannot vouch for its own origin.
    assert not allowed(scope("ws", "evil.example", "http://evil.example"))
