"""The process's CloudClient: one per event loop, pointed at settings or the embedded cloud."""

from __future__ import annotations

import asyncio
import weakref

import httpx
from django.conf import settings

from .client import CloudClient
from .credentials import console_key

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, CloudClient] = (
    weakref.WeakKeyDictionary()
)


def _embedded_app():
    """Django's ASGI handler for in-process calls, shielded from the caller's cancellation.

    A page whose browser went away is cancelled mid-call. Cancelled inside Django's
    handler, the call would leave its disconnect listener behind to fail unseen ("Task
    exception was never retrieved ... RequestAborted" in the server log); as behind a
    socket, the cloud instead finishes the call it was given, and its answer is dropped.
    """
    from django.core.asgi import get_asgi_application

    django_app = get_asgi_application()

    async def app(scope, receive, send):
        call = asyncio.ensure_future(django_app(scope, receive, send))
        _running.add(call)
        call.add_done_callback(_finished)
        await asyncio.shield(call)

    return app


_running: set[asyncio.Future] = set()  # calls whose caller left, kept until they end


def _finished(call: asyncio.Future) -> None:
    _running.discard(call)
    if not call.cancelled():
        call.exception()  # seen here; the caller, if still there, raises it


def build_client() -> CloudClient:
    transport = None
    base_url = settings.CONSOLE_CLOUD_URL
    if not base_url:
        # Embedded localcloud: the same encoding and signing over ASGI, no socket, no port.
        transport = httpx.ASGITransport(app=_embedded_app())
        base_url = f"http://{settings.EMBEDDED_CLOUD_HOST}"
    return CloudClient(
        base_url,
        credentials=console_key,
        timeout=settings.CONSOLE_CLOUD_TIMEOUT,
        transport=transport,
    )


def get_client() -> CloudClient:
    """The shared client of the running event loop (httpx pools are bound to one loop)."""
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None:
        client = _clients[loop] = build_client()
    return client


async def close_clients() -> None:
    loop = asyncio.get_running_loop()
    client = _clients.pop(loop, None)
    if client is not None:
        await client.aclose()
