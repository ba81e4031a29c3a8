"""Flow control: a 50 MB burst reaches a slow reader whole, and memory stays bounded; a
browser that acknowledges what it never read, or stops reading, is closed."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from console.terminal import protocol as p
from console.terminal.bridge import ForgedAck, Window
from console.terminal.models import TerminalSession
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


# The browser's claims are checked (issue 13, finding 5) ------------------------------


@pytest.mark.parametrize(
    "claim", [b"", b"-5", b"abc", b"1e9", b" 5", b"+5", "٣".encode(), b"9" * 13]
)
def test_an_acknowledgement_that_is_not_a_byte_count_is_refused(claim):
    window = Window()
    window.sending(100)
    with pytest.raises(ForgedAck):
        window.acknowledge(claim)
    assert window.unacked == 100


async def test_an_acknowledgement_beyond_what_was_sent_is_refused_and_the_window_stays_shut():
    window = Window()
    window.sending(p.HIGH_WATER + 1)
    with pytest.raises(ForgedAck):
        window.acknowledge(str(p.HIGH_WATER + 2).encode())
    assert window.unacked == p.HIGH_WATER + 1
    with pytest.raises(TimeoutError):  # still shut: the bridge does not read upstream
        async with asyncio.timeout(0.2):
            await window.wait_open(stall_seconds=60)
    window.acknowledge(str(p.HIGH_WATER + 1).encode())  # exactly what was sent: fine
    async with asyncio.timeout(1):
        await window.wait_open(stall_seconds=60)


async def read_to_the_close(comm) -> tuple[int, list[dict], int]:
    """Output bytes, status messages and close code, reading (never acknowledging)."""
    received, statuses = 0, []
    while True:
        message = await comm.receive_output(timeout=30)
        if message["type"] == "websocket.close":
            return received, statuses, message.get("code")
        data = message["bytes"]
        if data[0] == p.OUTPUT:
            received += len(data) - 1
        elif data[0] == p.STATUS:
            statuses.append(json.loads(data[1:]))


async def test_a_forged_acknowledgement_closes_the_socket(operator_cookie, pod_query):
    comm = communicator(operator_cookie, pod_query)
    assert (await comm.connect())[0]
    await comm.send_to(bytes_data=bytes([p.INPUT]) + b"yes\r")
    # The attack: "I have written 100 GB", having read nothing.
    await comm.send_to(bytes_data=bytes([p.ACK]) + b"100000000000")
    received, statuses, code = await read_to_the_close(comm)
    assert code == 4400
    assert statuses[-1]["state"] == "error"
    assert "acknowledged output it was not sent" in statuses[-1]["message"]
    assert received < p.HIGH_WATER + 256 * 1024  # it never had more than its window out
    await comm.disconnect(timeout=15)  # the session's row is saved as it ends
    record = await TerminalSession.objects.aget()
    assert record.end_reason == "Closed: the browser acknowledged output it was not sent."


async def test_a_browser_that_stops_reading_is_paused_then_dropped(
    operator_cookie, pod_query, settings
):
    settings.CONSOLE_SEND_STALL_SECONDS = 1
    comm = communicator(operator_cookie, pod_query)
    assert (await comm.connect())[0]
    await comm.send_to(bytes_data=bytes([p.INPUT]) + b"yes\r")
    received, statuses, code = await read_to_the_close(comm)  # acknowledging nothing
    assert code == 4408
    assert "stopped reading" in statuses[-1]["message"]
    assert p.HIGH_WATER <= received < p.HIGH_WATER + 256 * 1024
    await comm.disconnect()
