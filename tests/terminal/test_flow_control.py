"""Flow control: a 50 MB burst reaches a slow reader whole, and memory stays bounded."""

from __future__ import annotations

import asyncio
import time

import pytest

from console.terminal import protocol as p
from tests.terminal.conftest import communicator

pytestmark = pytest.mark.django_db(transaction=True)

BASE64_CHARS = 66_666_668  # base64 of 50,000,000 zero bytes: 66,666,667 'A' and one '='


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


async def test_it_delivers_every_byte_to_a_slow_reader_with_bounded_memory(
    operator_cookie, pod_query
):
    comm = communicator(operator_cookie, pod_query)
    assert (await comm.connect())[0]
    before = rss_bytes()
    peak = before
    await comm.send_to(
        bytes_data=bytes([p.INPUT]) + b"stty -echo; head -c 50000000 /dev/zero | base64; exit\r"
    )
    counts = {"A": 0, "=": 0}
    frames = 0
    exited = None
    started = time.monotonic()
    while exited is None:
        message = await comm.receive_output(timeout=30)
        if message["type"] == "websocket.close":
            break
        data = message["bytes"]
        if data[0] == p.OUTPUT:
            chunk = data[1:]
            counts["A"] += chunk.count(b"A")
            counts["="] += chunk.count(b"=")
            frames += 1
            # A slow browser: it falls behind now and then, and acknowledges what it wrote.
            if frames % 16 == 0:
                await asyncio.sleep(0.005)
            await comm.send_to(bytes_data=bytes([p.ACK]) + str(len(chunk)).encode())
        elif data[0] == p.STATUS and b'"exited"' in data:
            exited = data
        peak = max(peak, rss_bytes())
    assert exited is not None, "the session did not end"
    assert counts == {"A": BASE64_CHARS - 1, "=": 1}
    # 68 MB went through; the process grew by far less than that.
    growth_mb = (peak - before) / 1e6
    assert growth_mb < 30, f"memory grew by {growth_mb:.0f} MB"
    print(f"50 MB burst: {time.monotonic() - started:.1f} s, peak RSS growth {growth_mb:.1f} MB")
    await comm.disconnect()


async def test_it_stops_reading_upstream_while_the_browser_does_not_acknowledge(
    operator_cookie, pod_query
):
    comm = communicator(operator_cookie, pod_query)
    assert (await comm.connect())[0]
    await comm.send_to(bytes_data=bytes([p.INPUT]) + b"yes\r")
    received = 0
    # Never acknowledge: output must stop a little above the high-water mark.
    # (receive_nothing waits without cancelling the app, as a timed-out receive would.)
    while not await comm.receive_nothing(timeout=1.5, interval=0.05):
        message = await comm.receive_output()
        if message.get("bytes", b"")[:1] == bytes([p.OUTPUT]):
            received += len(message["bytes"]) - 1
    assert p.HIGH_WATER <= received < p.HIGH_WATER + 256 * 1024
    # Ctrl-C still goes through at once, and acknowledging lets the rest drain.
    await comm.send_to(bytes_data=bytes([p.INPUT]) + b"\x03")
    await comm.send_to(bytes_data=bytes([p.ACK]) + str(received).encode())
    await comm.send_to(bytes_data=bytes([p.INPUT]) + b"echo stopped-$((1+1))\r")
    text = b""
    async with asyncio.timeout(10):
        while b"stopped-2" not in text:
            message = await comm.receive_output(timeout=5)
            data = message.get("bytes", b"")
            if data[:1] == bytes([p.OUTPUT]):
                text = (text + data[1:])[-4096:]
                await comm.send_to(bytes_data=bytes([p.ACK]) + str(len(data) - 1).encode())
    await comm.disconnect()
