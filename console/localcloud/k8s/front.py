"""The TLS front of the clusters' Kubernetes endpoint: accepts TLS on its own port and
pipes the bytes to the console's (or localcloud's) plain HTTP port, where /k8s/<cluster>/
answers. A byte pipe, so HTTP keep-alive and upgrades pass through untouched."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from pathlib import Path

from .tls import ensure_certificates

CHUNK = 64 * 1024


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()  # backpressure: read no faster than the other side takes
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


async def serve(host: str, port: int, upstream: tuple[str, int], tls_folder: Path) -> None:
    _, cert, key = ensure_certificates(tls_folder)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    async def handle(client_reader, client_writer):
        try:
            up_reader, up_writer = await asyncio.open_connection(*upstream)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(_pipe(client_reader, up_writer), _pipe(up_reader, client_writer))

    server = await asyncio.start_server(handle, host, port, ssl=context)
    async with server:
        await server.serve_forever()
