"""Flow control of the terminal bridge: output in flight to the browser, and its window.

xterm.js acknowledges the bytes it has written; the bridge stops reading the gateway
while more than HIGH_WATER bytes are unacknowledged and resumes below LOW_WATER. The
browser's claims are checked, never trusted: an acknowledgement that is not a decimal
count, or that would acknowledge more than was sent, is refused, so a client cannot
open the window by acknowledging output it never read, and one that stops acknowledging
is dropped (console/sendbuffer.py bounds what Daphne holds for it besides).
"""

from __future__ import annotations

import asyncio

from . import protocol as p

MAX_ACK_DIGITS = 12  # a terabyte: more than any session sends


class ForgedAck(ValueError):
    """An acknowledgement the browser cannot have earned."""


class Stalled(Exception):
    """The browser has stopped acknowledging output while the window is closed."""


class Window:
    def __init__(self, high: int = p.HIGH_WATER, low: int = p.LOW_WATER):
        self.high, self.low = high, low
        self.sent = 0  # output bytes handed to the browser's socket
        self.acked = 0  # of which the browser has acknowledged
        self._open = asyncio.Event()
        self._open.set()

    @property
    def unacked(self) -> int:
        return self.sent - self.acked

    def sending(self, size: int) -> None:
        self.sent += size
        if self.unacked > self.high:
            self._open.clear()

    def acknowledge(self, payload: bytes) -> None:
        """Count an ACK frame's payload; ForgedAck if it is not a count the browser earned."""
        if not (payload.isdigit() and len(payload) <= MAX_ACK_DIGITS):  # ASCII digits only
            raise ForgedAck(f"not a byte count: {payload[:20]!r}")
        count = int(payload)
        if count > self.unacked:
            raise ForgedAck(f"acknowledged {count} bytes, {self.unacked} were unacknowledged")
        self.acked += count
        if self.unacked <= self.low:
            self._open.set()

    async def wait_open(self, stall_seconds: float) -> None:
        """Return when the browser may be sent more (at once unless above HIGH_WATER);
        Stalled if it acknowledges nothing for `stall_seconds` meanwhile."""
        while self.unacked > self.high:
            acked = self.acked
            try:
                async with asyncio.timeout(stall_seconds):
                    await self._open.wait()
            except TimeoutError:
                if self.acked == acked:
                    raise Stalled(f"nothing acknowledged for {stall_seconds:g} s") from None
