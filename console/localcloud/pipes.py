"""A child process on pipes (stdin, stdout and stderr apart), for exec without a terminal;
started by sandbox.start_piped only. Reads and writes are bounded by asyncio's streams
(a reader pauses the pipe past its limit), input past MAX_PENDING_INPUT is dropped as on
a PTY, and the end escalates SIGHUP -> SIGTERM -> SIGKILL over the child's session."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess

from .pty import MAX_PENDING_INPUT, READ_SIZE, session_members


class PipeProcess:
    def __init__(self, process: asyncio.subprocess.Process):
        self.process = process
        self.pid = process.pid

    @classmethod
    async def start(
        cls,
        argv: list[str],
        cwd: str,
        env: dict[str, str],
        stdin: bool,
        pass_fds: tuple[int, ...] = (),
    ) -> PipeProcess:
        process = await asyncio.create_subprocess_exec(
            *argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=pass_fds,
            # Its own session: ended as a whole, and no terminal of the server's.
            start_new_session=True,
            limit=READ_SIZE,
        )
        return cls(process)

    async def read(self, stream: int) -> bytes:
        """Up to READ_SIZE bytes of stdout (1) or stderr (2); b"" at its end."""
        reader = self.process.stdout if stream == 1 else self.process.stderr
        return await reader.read(READ_SIZE)

    def write(self, data: bytes) -> bool:
        """Send input; False (and nothing queued) while the child has not taken enough."""
        stdin = self.process.stdin
        if stdin is None or stdin.is_closing():
            return True
        if stdin.transport.get_write_buffer_size() + len(data) > MAX_PENDING_INPUT:
            return False
        stdin.write(data)
        return True

    def close_stdin(self) -> None:
        """End of input: the child reads EOF (kubectl's close of stdin, v5)."""
        if self.process.stdin is not None and not self.process.stdin.is_closing():
            self.process.stdin.close()

    async def wait(self) -> int:
        return await self.process.wait()

    @property
    def exit_status(self) -> int | None:
        return self.process.returncode

    async def terminate(self) -> None:
        """End every process of the child's session, politely first, and reap the child."""
        self.close_stdin()
        for sig, grace in ((signal.SIGHUP, 0.5), (signal.SIGTERM, 1.0), (signal.SIGKILL, 2.0)):
            members = session_members(self.pid)
            if not members and self.process.returncode is not None:
                break
            for pid in members or [self.pid]:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, sig)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(grace):
                    while session_members(self.pid):
                        await asyncio.sleep(0.02)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(1.0):
                await self.process.wait()
