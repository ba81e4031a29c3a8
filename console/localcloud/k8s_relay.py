"""Run inside a cluster shell's sandbox (by the system's python3, no Django): listens on
the sandbox's own loopback at the Kubernetes endpoint's port and pipes each connection to
the one unix socket the sandbox is given, so kubectl reaches its endpoint and nothing else
on the host's network. Returns once listening; the server carries on in the background.

    python3 k8s_relay.py PORT SOCKET
"""

import asyncio
import os
import signal
import socket
import sys

CHUNK = 64 * 1024


async def pipe(reader, writer):
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()


async def serve(listener, path):
    async def handle(reader, writer):
        try:
            up_reader, up_writer = await asyncio.open_unix_connection(path)
        except OSError:
            writer.close()
            return
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    server = await asyncio.start_server(handle, sock=listener)
    await server.serve_forever()


def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    listener = socket.create_server(("127.0.0.1", port))
    if os.fork():
        os._exit(0)  # the shell starts once the port listens
    # Out of the shell's session and terminal: Ctrl-C and job control leave it alone; it
    # ends with the sandbox's PID namespace.
    os.setsid()
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    quiet = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(quiet, fd)
    asyncio.run(serve(listener, path))


if __name__ == "__main__":
    main()
