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


def build_client() -> CloudClient:
    transport = None
    base_url = settings.CONSOLE_CLOUD_URL
    if not base_url:
        # Embedded localcloud: the same encoding and signing over ASGI, no socket, no port.
        from django.core.asgi import get_asgi_application

        transport = httpx.ASGITransport(app=get_asgi_application())
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
