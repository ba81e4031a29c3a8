"""A child process on a pseudo-terminal, driven from asyncio without blocking the loop.

Reads with loop.add_reader (64 KiB at a time, EIO means the child is gone), pauses by
removing the reader, writes through add_writer with a bounded buffer, resizes with
TIOCSWINSZ, and ends the whole process group escalating SIGHUP -> SIGTERM -> SIGKILL.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import errno
import fcntl
import os
import pty
import signal
import struct
import termios
from collections.abc import Callable

READ_SIZE = 64 * 1024
MAX_PENDING_INPUT = 1024 * 1024
PR_SET_PDEATHSIG = 1
# Looked up here, not in a forked child, where another thread may hold the loader's lock.
_prctl = getattr(ctypes.CDLL(None, use_errno=True), "prctl", None)


class PtyProcess:
    def __init__(
        self,
        argv: list[str],
        cwd: str,
        env: dict[str, str],
        rows: int = 24,
        cols: int = 80,
        pass_fds: tuple[int, ...] = (),
        claims_terminal: bool = True,
    ):
        # claims_terminal=False: the child's own session has no controlling terminal, so
        # a process further down (in a sandbox, whose PID namespace cannot see this
        # session) can make the PTY its own with setsid --ctty.
        server = os.getpid()
        self.pid, self.fd = pty.fork() if claims_terminal else _fork_unclaimed()
        if self.pid == 0:  # the child: its own session (pty.fork calls setsid)
            try:
                _die_with(server)
                # Only the terminal and what the child is meant to read: nothing of the
                # server's (sockets, pipes, the database) reaches the shell.
                _close_fds_but(pass_fds)
                os.chdir(cwd)
                os.execvpe(argv[0], argv, env)  # noqa: S606 - a terminal runs what was asked
            finally:
                os._exit(127)
        os.set_blocking(self.fd, False)
        self.resize(rows, cols)
        self._loop = asyncio.get_running_loop()
        self._pending = bytearray()
        self._on_output: Callable[[bytes], None] | None = None
        self._on_eof: Callable[[], None] | None = None
        self._reading = False
        self.exit_status: int | None = None

    # Output -----------------------------------------------------------------

    def start_reading(self, on_output: Callable[[bytes], None], on_eof: Callable[[], None]):
        self._on_output, self._on_eof = on_output, on_eof
        self.resume_reading()

    def pause_reading(self) -> None:
        if self._reading:
            self._loop.remove_reader(self.fd)
            self._reading = False

    def resume_reading(self) -> None:
        if not self._reading and self.fd >= 0:
            self._loop.add_reader(self.fd, self._read_ready)
            self._reading = True

    def _read_ready(self) -> None:
        # A PTY hands out about 4 KiB per read; gather up to READ_SIZE per wake-up so a
        # burst travels as few, large frames (the cost downstream is per frame).
        chunks, size, eof = [], 0, False
        while size < READ_SIZE:
            try:
                data = os.read(self.fd, READ_SIZE - size)
            except BlockingIOError:
                break
            except OSError as exc:
                if exc.errno != errno.EIO:  # EIO: the child closed its side
                    raise
                data = b""
            if not data:
                eof = True
                break
            chunks.append(data)
            size += len(data)
        if chunks:
            self._on_output(b"".join(chunks))
        if eof:
            self.pause_reading()
            self._on_eof()

    # Input ------------------------------------------------------------------

    def write(self, data: bytes) -> bool:
        """Send input to the child; False (and nothing queued) if the buffer is full.

        Written at once when the PTY takes it (a keystroke should not wait a loop turn);
        what it does not take waits for add_writer.
        """
        if len(self._pending) + len(data) > MAX_PENDING_INPUT:
            return False
        if not self._pending:
            try:
                written = os.write(self.fd, data)
            except BlockingIOError:
                written = 0
            except OSError:
                return True  # the child is gone; its end is reported by the reader
            data = data[written:]
            if not data:
                return True
            self._loop.add_writer(self.fd, self._write_ready)
        self._pending += data
        return True

    def _write_ready(self) -> None:
        try:
            written = os.write(self.fd, self._pending)
        except BlockingIOError:
            return
        except OSError:
            written = len(self._pending)  # the child is gone; drop what is left
        del self._pending[:written]
        if not self._pending:
            self._loop.remove_writer(self.fd)

    def resize(self, rows: int, cols: int) -> None:
        rows = max(1, min(int(rows), 1000))
        cols = max(1, min(int(cols), 1000))
        with contextlib.suppress(OSError):
            fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    # Ending -----------------------------------------------------------------

    def _reap(self) -> bool:
        if self.exit_status is not None:
            return True
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            self.exit_status = -1
            return True
        if pid == 0:
            return False
        self.exit_status = os.waitstatus_to_exitcode(status)
        return True

    async def wait(self, timeout: float) -> bool:
        """Reap the child, waiting up to `timeout` seconds."""
        deadline = self._loop.time() + timeout
        while not self._reap():
            if self._loop.time() >= deadline:
                return False
            await asyncio.sleep(0.02)
        return True

    async def terminate(self) -> None:
        """End every process of the child's session, politely first, and reap the child.

        The session, not only the process group: an interactive shell puts background
        jobs (`sleep 300 &`) in process groups of their own, which must not outlive it.
        """
        self.pause_reading()
        if self._pending:
            self._loop.remove_writer(self.fd)
            self._pending.clear()
        for sig, grace in ((signal.SIGHUP, 0.5), (signal.SIGTERM, 1.0), (signal.SIGKILL, 2.0)):
            members = session_members(self.pid)
            if not members and self._reap():
                break
            for pid in members or [self.pid]:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, sig)
            deadline = self._loop.time() + grace
            while session_members(self.pid) and self._loop.time() < deadline:
                self._reap()
                await asyncio.sleep(0.02)
        await self.wait(1.0)
        self.close_fd()

    def close_fd(self) -> None:
        if self.fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = -1


def _fork_unclaimed() -> tuple[int, int]:
    """pty.fork without making the terminal the child's controlling terminal."""
    master, slave = os.openpty()  # opened with O_NOCTTY
    pid = os.fork()
    if pid == 0:
        os.close(master)
        os.setsid()
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        if slave > 2:
            os.close(slave)
        return 0, -1
    os.close(slave)
    return pid, master


def _die_with(server: int) -> None:
    """SIGKILL this child when the server goes, however it goes (a sandbox ends with it)."""
    if _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != server:  # it went before the line above
        os._exit(1)


def _close_fds_but(kept: tuple[int, ...]) -> None:
    low = 3
    for fd in sorted(kept):
        os.closerange(low, fd)
        os.set_inheritable(fd, True)
        low = fd + 1
    os.closerange(low, os.sysconf("SC_OPEN_MAX"))


def session_members(sid: int) -> list[int]:
    """Live processes whose session ID is `sid` (Linux /proc)."""
    members = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        # After the command: state, ppid, pgrp, session, ...; zombies are already dead.
        if int(fields[3]) == sid and fields[0] != b"Z":
            members.append(int(entry.name))
    return members
