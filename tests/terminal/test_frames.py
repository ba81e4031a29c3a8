"""Output that waits between the gateway and the bridge travels as fewer, larger frames
(in order, stream by stream, bounded); recordings of any output stay valid asciicast."""

from __future__ import annotations

import asyncio
import json

from console.terminal import upstream as u
from console.terminal.recording import Recorder, read_cast

STDOUT, STDERR, STATUS = b"\x01", b"\x02", b"\x03"


async def frames_from(queued: list[bytes | None]) -> list[bytes | None]:
    """What the bridge reads from an in-process gateway that has queued `queued`."""
    upstream = u.InProcessUpstream("s")
    upstream.from_app = asyncio.Queue()  # unbounded: the test queues all at once
    for frame in queued:
        upstream.from_app.put_nowait(frame)
    upstream.closed = True  # the gateway is done: recv ends with None
    read = []
    while (frame := await upstream.recv()) is not None:
        read.append(frame)
    return read


async def test_waiting_output_of_one_stream_goes_as_one_frame_in_order():
    read = await frames_from(
        [STDOUT + b"ab", STDOUT + b"cd", STDERR + b"oops", STDOUT + b"ef", STATUS + b"{}", None]
    )
    assert read == [STDOUT + b"abcd", STDERR + b"oops", STDOUT + b"ef", STATUS + b"{}"]


async def test_a_merged_frame_is_never_larger_than_max_frame():
    piece = STDOUT + b"x" * (48 * 1024)
    read = await frames_from([piece] * 5 + [None])
    assert [len(f) - 1 for f in read] == [96 * 1024, 96 * 1024, 48 * 1024]
    assert all(len(f) - 1 <= u.MAX_FRAME for f in read)


def test_a_recording_of_escapes_and_split_characters_is_valid_asciicast(tmp_path):
    recorder = Recorder(tmp_path / "s.cast", 80, 24, "pod")
    text = 'héllo \x1b[1mwörld\x1b[0m \u2028 "quoted" \\ tab\t\r\n'.encode()
    recorder.output(text[:2])  # "é" is cut in two: it waits for its second byte
    recorder.output(text[2:])
    recorder.output(b"\xff")  # not UTF-8: replaced, as before
    recorder.resize(100, 30)
    recorder.input_timing()
    recorder.close()
    header, events = read_cast(tmp_path / "s.cast")
    assert header["version"] == 2 and header["title"] == "pod"
    assert "".join(e[2] for e in events if e[1] == "o") == text.decode() + "\ufffd"
    assert [e[1:] for e in events[-2:]] == [["r", "100x30"], ["i", ""]]
    for line in (tmp_path / "s.cast").read_bytes().split(b"\n")[:-1]:
        json.loads(line)  # one JSON document a line
