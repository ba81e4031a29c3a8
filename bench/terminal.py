"""Terminal throughput (MB/s) and keystroke round trip (p50, p99) through the console's
bridge, side by side with terminado serving the same shell on this machine.

The console runs under Daphne (tests/servers.py) and is reached as a browser would: a
login over HTTP, then the /ws/terminal/ socket with the session cookie, acknowledging
output as it is consumed. terminado (JupyterLab's terminal server) runs in its own
process with Tornado. Both run `sh`; the same commands are typed into both.

    .venv/bin/python bench/terminal.py [--megabytes 50] [--keystrokes 300] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import servers  # noqa: E402

OUTPUT, INPUT, ACK, STATUS = 0, 0, 2, 3
DONE = "__DONE__"
POD = {"namespace": "default", "pod": "api-5b8c7d-h7j2n", "container": "app"}


class ConsoleTerminal:
    """The console's browser protocol: binary frames with a type byte, ACKs for output."""

    ACK_EVERY = 32 * 1024  # as static/js/terminal.js: acknowledge in batches

    def __init__(self, socket):
        self.socket = socket
        self.unacked = 0

    @classmethod
    async def open(cls, base: str, cookie: str, cluster_id: str) -> ConsoleTerminal:
        query = httpx.QueryParams({"cluster": cluster_id, **POD, "cols": 200, "rows": 50})
        socket = await connect(
            base.replace("http", "ws", 1) + f"/ws/terminal/?{query}",
            additional_headers={"Cookie": cookie, "Origin": base},
            max_size=None,
        )
        self = cls(socket)
        while True:  # until the session is connected
            frame = await socket.recv()
            if frame[0] == STATUS and json.loads(frame[1:])["state"] == "connected":
                return self

    async def type(self, text: str) -> None:
        await self.socket.send(bytes([INPUT]) + text.encode())

    async def read(self) -> str:
        while True:
            frame = await self.socket.recv()
            if frame[0] == OUTPUT:
                self.unacked += len(frame) - 1
                if self.unacked >= self.ACK_EVERY:
                    await self.socket.send(bytes([ACK]) + str(self.unacked).encode())
                    self.unacked = 0
                return frame[1:].decode(errors="replace")

    async def close(self) -> None:
        await self.socket.close()


class TerminadoTerminal:
    """terminado's protocol: JSON text frames ["stdin", …] / ["stdout", …]."""

    def __init__(self, socket):
        self.socket = socket

    @classmethod
    async def open(cls, url: str) -> TerminadoTerminal:
        socket = await connect(url, max_size=None)
        await socket.send(json.dumps(["set_size", 50, 200]))
        return cls(socket)

    async def type(self, text: str) -> None:
        await self.socket.send(json.dumps(["stdin", text]))

    async def read(self) -> str:
        while True:
            kind, *data = json.loads(await self.socket.recv())
            if kind == "stdout":
                return data[0]

    async def close(self) -> None:
        await self.socket.close()


async def read_until(term, marker: str, timeout: float = 120) -> int:
    """Characters read until `marker` has been seen (it may span two chunks)."""
    seen, tail = 0, ""
    async with asyncio.timeout(timeout):
        while True:
            chunk = await term.read()
            seen += len(chunk)
            window = tail + chunk
            if marker in window:
                return seen
            tail = window[-len(marker) :]


async def throughput(opener, megabytes: int) -> float:
    term = await opener()
    try:
        # Markers are typed split (READ""Y) so the echo of the command never matches.
        await term.type('stty -echo; echo READ""Y\r')
        await read_until(term, "READY")
        started = time.perf_counter()
        await term.type(f"head -c {megabytes * 1_000_000} /dev/zero | base64; echo __DO''NE__\r")
        count = await read_until(term, DONE)
        return count / 1e6 / (time.perf_counter() - started)
    finally:
        await term.close()


async def latency(opener, keystrokes: int) -> list[float]:
    """Send one character to `cat` on a raw terminal and wait for it to come back."""
    term = await opener()
    try:
        await term.type('stty raw -echo; echo READ""Y; cat\r')
        await read_until(term, "READY")
        await asyncio.sleep(0.2)
        times = []
        for i in range(keystrokes + 20):
            char = "abcdefghij"[i % 10]
            started = time.perf_counter()
            await term.type(char)
            await read_until(term, char, timeout=10)
            if i >= 20:  # warm-up
                times.append((time.perf_counter() - started) * 1000)
        return times
    finally:
        await term.close()


TERMINADO_APP = textwrap.dedent(
    """
    import sys, tornado.ioloop, tornado.web, terminado
    manager = terminado.UniqueTermManager(shell_command=["sh"])
    app = tornado.web.Application(
        [(r"/websocket", terminado.TermSocket, {"term_manager": manager})])
    app.listen(int(sys.argv[1]), "127.0.0.1")
    tornado.ioloop.IOLoop.current().start()
    """
)


def start_terminado() -> tuple[subprocess.Popen, str]:
    port = servers.free_port()
    process = subprocess.Popen([sys.executable, "-c", TERMINADO_APP, str(port)])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/websocket", timeout=1)
            return process, f"ws://127.0.0.1:{port}/websocket"
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("terminado did not start")


def log_in(base: str) -> tuple[str, str]:
    """The session cookie of the demo operator, and the ID of cluster staging-api."""
    with httpx.Client(base_url=base, follow_redirects=False) as http:
        http.get("/accounts/login/")
        token = http.cookies["csrftoken"]
        http.post(
            "/accounts/login/",
            data={
                "username": "operator",
                "password": "operator-demo-pass",
                "csrfmiddlewaretoken": token,
            },
            headers={"Referer": f"{base}/accounts/login/"},
        )
        page = http.get("/clusters/?q=staging-api").text
        cluster_id = re.search(r'data-cluster-id="([^"]+)"', page)[1]
        cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    return cookie, cluster_id


def summary(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.99) - 1)]


async def run(args) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        console = servers.start(Path(tmp) / "console", "console")
        terminado_process, terminado_url = start_terminado()
        try:
            cookie, cluster_id = log_in(console.url)
            openers = {
                "console bridge": lambda: ConsoleTerminal.open(console.url, cookie, cluster_id),
                "terminado": lambda: TerminadoTerminal.open(terminado_url),
            }
            results = {}
            for name, opener in openers.items():
                rates = [await throughput(opener, args.megabytes) for _ in range(args.rounds)]
                p50, p99 = summary(await latency(opener, args.keystrokes))
                results[name] = (statistics.median(rates), p50, p99)
        finally:
            terminado_process.terminate()
            terminado_process.wait(timeout=10)
            console.stop()
    print(
        f"`head -c {args.megabytes}MB /dev/zero | base64` x{args.rounds} (median), "
        f"{args.keystrokes} keystrokes echoed by cat on a raw tty"
    )
    print(f"{'server':16} {'MB/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for name, (rate, p50, p99) in results.items():
        print(f"{name:16} {rate:8.1f} {p50:8.2f} {p99:8.2f}")
    ours, theirs = results["console bridge"], results["terminado"]
    ratio_rate, ratio_p50 = ours[0] / theirs[0], ours[1] / theirs[1]
    print(
        f"{'ratio':16} {ratio_rate:8.2f} {ratio_p50:8.2f} {ours[2] / theirs[2]:8.2f}"
        "   console/terminado"
    )
    print(
        f"targets: throughput >= terminado's: {'met' if ratio_rate >= 1 else 'NOT met'}; "
        f"p50 within 1.5x: {'met' if ratio_p50 <= 1.5 else 'NOT met'}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=50)
    parser.add_argument("--keystrokes", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(run(parser.parse_args()))
