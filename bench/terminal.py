"""Terminal throughput (MB/s) and keystroke round trip (p50, p99) through the console's
bridge, side by side with terminado serving the same shell on this machine.

The console runs under Daphne (tests/servers.py) and is reached as a browser would: a
login over HTTP, then the /ws/terminal/ socket with the session cookie, acknowledging
output as it is consumed. terminado (JupyterLab's terminal server) runs in its own
process with Tornado. Both run `sh`; the same commands are typed into both, and the two
servers take turns (throughput rounds alternate, keystrokes alternate one by one) so a
change in the machine's load falls on both alike.

Besides the times it reports the CPU time each server process used (its own process
only, not the shell), per MB of output and per keystroke: the cost of the server itself.

Then two attacks on the console's memory (issue 13, finding 5), with the console's RSS
before, during (the peak) and after each: a slow reader (a gateway client on
/api/session/<id>, allocated with a signed API call, that never reads while the shell is
asked for 200 MB) and forged acknowledgements (a browser socket that acknowledges a MiB
every 10 ms and reads nothing). Goal: under 32 MiB growth while 200 MB is produced.

    .venv/bin/python bench/terminal.py [--megabytes 100] [--keystrokes 300] [--rounds 3]
        [--only speed|memory] [--attack-megabytes 200] [--stall-seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import httpx
from websockets import ConnectionClosed
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Settings, not the app registry: the demo passwords come from this install's secret key.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")

from console.accounts.demo_logins import demo_password  # noqa: E402
from tests import servers  # noqa: E402

OUTPUT, INPUT, ACK, STATUS = 0, 0, 2, 3
DONE = "__DONE__"
POD = {"namespace": "default", "pod": "api-5b8c7d-h7j2n", "container": "app"}
WARM_UP = 20  # keystrokes not counted
TICKS = os.sysconf("SC_CLK_TCK")
MiB = 1024 * 1024
GOAL_GROWTH = 32 * MiB  # issue 13: under 32 MiB growth while 200 MB is produced


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


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
            open_timeout=10,
        )
        async with asyncio.timeout(15):
            while True:  # until the session is connected
                frame = await socket.recv()
                if frame[0] != STATUS:
                    continue
                status = json.loads(frame[1:])
                if status["state"] == "connected":
                    return cls(socket)
                await socket.close()
                raise RuntimeError(f"console terminal refused: {status}")

    async def type(self, text: str) -> None:
        await self.socket.send(bytes([INPUT]) + text.encode())

    async def read(self) -> str:
        while True:
            frame = await self.socket.recv()
            if frame[0] == OUTPUT:
                # Each frame is acknowledged as it is consumed (frames of 32 KiB and more
                # at once, smaller ones in batches, as the browser does).
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
        socket = await connect(url, max_size=None, open_timeout=10)
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


async def throughput(server, megabytes: int) -> tuple[float, float]:
    """MB/s of base64 output read to the end, and server CPU seconds per MB."""
    term = await server["open"]()
    try:
        # Markers are typed split (READ""Y) so the echo of the command never matches.
        await term.type('stty -echo; echo READ""Y\r')
        await read_until(term, "READY")
        cpu, started = cpu_seconds(server["pid"]), time.perf_counter()
        await term.type(f"head -c {megabytes * 1_000_000} /dev/zero | base64; echo __DO''NE__\r")
        count = await read_until(term, DONE)  # base64 is ASCII: characters are bytes
        elapsed = time.perf_counter() - started
        return count / 1e6 / elapsed, (cpu_seconds(server["pid"]) - cpu) / (count / 1e6)
    finally:
        await term.close()


async def latencies(servers_: dict, keystrokes: int) -> dict[str, tuple[list[float], float]]:
    """One character to `cat` on a raw terminal and back, taking turns between servers.

    Returns each server's round trips (ms) and its CPU seconds per keystroke.
    """
    terms = {}
    try:
        for name, server in servers_.items():
            terms[name] = term = await server["open"]()
            await term.type('stty raw -echo; echo READ""Y; cat\r')
            await read_until(term, "READY")
        await asyncio.sleep(0.2)
        times = {name: [] for name in terms}
        cpu = {}
        for i in range(keystrokes + WARM_UP):
            if i == WARM_UP:
                cpu = {name: cpu_seconds(servers_[name]["pid"]) for name in terms}
            char = "abcdefghij"[i % 10]
            order = list(terms) if i % 2 == 0 else list(reversed(terms))
            for name in order:
                started = time.perf_counter()
                await terms[name].type(char)
                await read_until(terms[name], char, timeout=10)
                if i >= WARM_UP:
                    times[name].append((time.perf_counter() - started) * 1000)
        return {
            name: (times[name], (cpu_seconds(servers_[name]["pid"]) - cpu[name]) / keystrokes)
            for name in terms
        }
    finally:
        for term in terms.values():
            await term.close()


TERMINADO_APP = textwrap.dedent(
    """
    import logging, sys, tornado.ioloop, tornado.web, terminado
    logging.getLogger("tornado.access").setLevel(logging.ERROR)
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
    while time.monotonic() < deadline and process.poll() is None:
        try:
            httpx.get(f"http://127.0.0.1:{port}/websocket", timeout=1)  # 400: it is up
            return process, f"ws://127.0.0.1:{port}/websocket"
        except httpx.HTTPError:
            time.sleep(0.2)
    stop(process)
    raise RuntimeError("terminado did not start")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def log_in(base: str) -> tuple[str, str]:
    """The session cookie of the demo operator, and the ID of cluster staging-api."""
    with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as http:
        http.get("/accounts/login/")
        token = http.cookies["csrftoken"]
        answer = http.post(
            "/accounts/login/",
            data={
                "username": "operator",
                "password": demo_password("operator"),
                "csrfmiddlewaretoken": token,
            },
            headers={"Referer": f"{base}/accounts/login/"},
        )
        if answer.status_code != 302:
            raise RuntimeError(f"login failed: HTTP {answer.status_code}")
        page = http.get("/clusters/?q=staging-api").text
        found = re.search(r'data-cluster-id="([^"]+)"', page)
        if found is None:
            raise RuntimeError("cluster staging-api is not on /clusters/")
        cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    return cookie, found[1]


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * 99 // 100) - 1)]  # nearest rank


async def measure(args, console: servers.Server, terminado_url: str, terminado_pid: int):
    cookie, cluster_id = log_in(console.url)
    subjects = {
        "console bridge": {
            "open": lambda: ConsoleTerminal.open(console.url, cookie, cluster_id),
            "pid": console.process.pid,
        },
        "terminado": {
            "open": lambda: TerminadoTerminal.open(terminado_url),
            "pid": terminado_pid,
        },
    }
    rates = {name: [] for name in subjects}
    for round_ in range(args.rounds):
        names = list(subjects) if round_ % 2 == 0 else list(reversed(subjects))
        for name in names:
            rates[name].append(await throughput(subjects[name], args.megabytes))
    trips = await latencies(subjects, args.keystrokes)
    return {
        name: {
            "rate": statistics.median(r for r, _ in rates[name]),
            "cpu_mb": statistics.median(c for _, c in rates[name]) * 1000,
            "p50": statistics.median(trips[name][0]),
            "p99": p99(trips[name][0]),
            "cpu_key": trips[name][1] * 1000,
            "rates": [r for r, _ in rates[name]],
        }
        for name in subjects
    }


def report(args, results: dict) -> None:
    print(
        f"`head -c {args.megabytes}MB /dev/zero | base64` x{args.rounds} (median), "
        f"{args.keystrokes} keystrokes echoed by cat on a raw tty; {os.cpu_count()} CPUs"
    )
    print(
        f"{'server':16} {'MB/s':>8} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'CPU ms/MB':>10} {'CPU ms/key':>11}"
    )
    for name, r in results.items():
        print(
            f"{name:16} {r['rate']:8.1f} {r['p50']:8.2f} {r['p99']:8.2f}"
            f" {r['cpu_mb']:10.1f} {r['cpu_key']:11.3f}"
        )
    ours, theirs = results["console bridge"], results["terminado"]
    ratios = {k: ours[k] / theirs[k] if theirs[k] else float("nan") for k in ours if k != "rates"}
    print(
        f"{'ratio':16} {ratios['rate']:8.2f} {ratios['p50']:8.2f} {ratios['p99']:8.2f}"
        f" {ratios['cpu_mb']:10.2f} {ratios['cpu_key']:11.2f}   console/terminado"
    )
    for name, r in results.items():
        print(f"{name:16} MB/s by round: " + " ".join(f"{rate:.1f}" for rate in r["rates"]))
    print(
        f"throughput console/terminado {ratios['rate']:.3f} (goal >= 1.0): "
        f"goal: {'met' if ratios['rate'] >= 1 else 'not met'}"
    )
    print(
        f"p50 round trip console/terminado {ratios['p50']:.3f} (goal <= 1.5): "
        f"goal: {'met' if ratios['p50'] <= 1.5 else 'not met'}"
    )


# Attacks on memory ------------------------------------------------------------------


def api_call(console: servers.Server, action: str, **params) -> dict:
    answer = console.call(action, CompanyID=10001, **params)
    if answer["RetCode"] != 0:
        raise RuntimeError(f"{action}: {answer}")
    return answer


async def never_reading(url: str, **options):
    """A websocket client with the smallest receive buffer, that reads only when told."""
    host, port = url.split("//", 1)[1].split("/", 1)[0].split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    sock.setblocking(False)
    return await connect(url, sock=sock, max_queue=1, max_size=None, ping_interval=None, **options)


async def read_to_the_end(socket_) -> int:
    received = 0
    with contextlib.suppress(ConnectionClosed, TimeoutError):
        async with asyncio.timeout(60):
            while True:
                received += len(await socket_.recv())
    return received


class Watch:
    """The console's RSS before, at its peak during, and after an attack; when it ended."""

    def __init__(self, console: servers.Server, marker: str):
        self.console, self.marker = console, marker
        self.seen = console.log_path.read_text().count(marker)
        self.before = self.peak = servers.rss(console.process.pid)
        self.started = time.monotonic()
        self.ended_after: float | None = None

    def ended(self) -> bool:
        self.peak = max(self.peak, servers.rss(self.console.process.pid))
        if self.console.log_path.read_text().count(self.marker) > self.seen:
            self.ended_after = time.monotonic() - self.started
        return self.ended_after is not None

    async def until_ended(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self.ended() and time.monotonic() < deadline:
            await asyncio.sleep(0.1)

    async def settle(self) -> dict:
        await asyncio.sleep(2)
        self.after = servers.rss(self.console.process.pid)
        return {"before": self.before, "peak": self.peak, "after": self.after,
                "ended_after": self.ended_after}  # fmt: skip


async def slow_reader(console: servers.Server, cluster_id: str, args) -> dict:
    """A gateway client that never reads while the shell is asked for the megabytes."""
    session = api_call(
        console,
        "AllocateK8SSession",
        Region="cn-bj2",
        ClusterID=cluster_id,
        NameSpace=POD["namespace"],
        PodName=POD["pod"],
        ContainerName=POD["container"],
        CmdName=f"sh -c 'yes | head -c {args.attack_megabytes * 1_000_000}'",
    )["SessionID"]
    url = console.url.replace("http", "ws", 1) + f"/api/session/{session}"
    watch = Watch(console, "the peer is not reading")
    peer = await never_reading(url, subprotocols=["v5.channel.k8s.io"])
    await watch.until_ended(timeout=args.stall_seconds + 120)
    received = await read_to_the_end(peer)
    return {**await watch.settle(), "received": received, "how": "dropped (read nothing)"}


async def forged_acks(console: servers.Server, cookie: str, cluster_id: str, args) -> dict:
    """A browser socket that acknowledges a MiB every 10 ms and reads nothing."""
    query = httpx.QueryParams({"cluster": cluster_id, **POD})
    url = console.url.replace("http", "ws", 1) + f"/ws/terminal/?{query}"
    watch = Watch(console, "acknowledged")
    browser = await never_reading(url, additional_headers={"Cookie": cookie, "Origin": console.url})
    command = f"yes | head -c {args.attack_megabytes * 1_000_000}\r"
    with contextlib.suppress(ConnectionClosed):
        await browser.send(bytes([INPUT]) + command.encode())
        deadline = time.monotonic() + 120
        while not watch.ended() and time.monotonic() < deadline:
            await browser.send(bytes([ACK]) + str(MiB).encode())
            await asyncio.sleep(0.01)
    received = await read_to_the_end(browser)
    return {**await watch.settle(), "received": received, "how": "closed (forged ack)"}


async def attacks(args, console: servers.Server) -> dict:
    cookie, cluster_id = log_in(console.url)
    return {
        "slow reader": await slow_reader(console, cluster_id, args),
        "forged acks": await forged_acks(console, cookie, cluster_id, args),
    }


def report_attacks(args, results: dict) -> None:
    print(
        f"Memory under attack: the shell is asked for {args.attack_megabytes} MB, the client"
        f" reads nothing; console RSS in MiB (a peer taking nothing is dropped after"
        f" {args.stall_seconds:g} s)"
    )
    print(
        f"{'run':12} {'before':>8} {'during':>8} {'after':>8} {'growth':>8}"
        f" {'client got':>11}  ended"
    )
    met = True
    for name, r in results.items():
        growth = r["peak"] - r["before"]
        met = met and growth < GOAL_GROWTH and r["ended_after"] is not None
        ended = f"{r['how']} after {r['ended_after']:.1f} s" if r["ended_after"] else "NOT ended"
        print(
            f"{name:12} {r['before'] / MiB:8.1f} {r['peak'] / MiB:8.1f} {r['after'] / MiB:8.1f}"
            f" {growth / MiB:8.1f} {r['received'] / 1e6:8.2f} MB  {ended}"
        )
    print(
        f"under {GOAL_GROWTH // MiB} MiB growth while {args.attack_megabytes} MB is produced,"
        f" and the reader dropped: goal: {'met' if met else 'not met'}"
    )


async def run(args) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        stall = {"CONSOLE_SEND_STALL_SECONDS": str(args.stall_seconds)}
        console = servers.start(Path(tmp) / "console", "console", **stall)
        terminado = None
        results = memory = None
        try:
            if args.only in (None, "speed"):
                terminado, terminado_url = start_terminado()
                results = await measure(args, console, terminado_url, terminado.pid)
            if args.only in (None, "memory"):
                memory = await attacks(args, console)
        finally:
            if terminado is not None:
                stop(terminado)
            console.stop()
    if results is not None:
        report(args, results)
    if memory is not None:
        report_attacks(args, memory)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=100)
    parser.add_argument("--keystrokes", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=["speed", "memory"])
    parser.add_argument("--attack-megabytes", type=int, default=200)
    parser.add_argument("--stall-seconds", type=float, default=10.0)
    asyncio.run(run(parser.parse_args()))
