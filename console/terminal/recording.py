"""asciicast v2 recordings: output and resizes with their timing; input as timing only.

Typed input is not stored (passwords typed at a prompt would be); each keystroke batch
is an "i" event with empty data, so a reviewer sees when the user typed.

Output events are encoded with msgspec: a terminal's output is mostly escapes (a "\r\n"
every line), which json.dumps encodes about six times slower, and every byte a session
prints passes through here on the event loop.
"""

from __future__ import annotations

import codecs
import json
import time
from pathlib import Path

import msgspec

_encoder = msgspec.json.Encoder()


class Recorder:
    def __init__(self, path: Path, cols: int, rows: int, title: str):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.started = time.monotonic()
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.file = path.open("wb")
        self._line = bytearray()  # each event is encoded into it, then written
        header = {
            "version": 2,
            "width": cols,
            "height": rows,
            "timestamp": int(time.time()),
            "title": title,
            "env": {"TERM": "xterm-256color"},
        }
        self.file.write(json.dumps(header).encode() + b"\n")
        self.file.flush()  # a recording being made can be opened (the header says what)

    def _event(self, kind: str, data: str) -> None:
        elapsed = round(time.monotonic() - self.started, 6)
        _encoder.encode_into([elapsed, kind, data], self._line)
        self._line += b"\n"
        self.file.write(self._line)

    def output(self, data: bytes) -> None:
        text = self.decoder.decode(data)
        if text:
            self._event("o", text)

    def resize(self, cols: int, rows: int) -> None:
        self._event("r", f"{cols}x{rows}")

    def input_timing(self) -> None:
        self._event("i", "")

    def close(self) -> None:
        if not self.file.closed:
            self.file.close()


def read_cast(path: Path) -> tuple[dict, list]:
    """Header and events of a recording, for the player."""
    with path.open(encoding="utf-8") as cast:
        header = json.loads(cast.readline())
        events = [json.loads(line) for line in cast if line.strip()]
    return header, events
