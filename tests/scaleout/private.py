"""A Redis and a PostgreSQL of a test's (or bench/chaos.py's) own, on free ports in a
temporary folder, so they can be stopped and started again without touching the
machine's. PostgreSQL's binaries come from /usr/lib/postgresql/*/bin; as root, its
server runs as the postgres user (initdb refuses root)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests import servers


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def missing() -> str:
    """Why private services cannot run here, or '' when they can."""
    if shutil.which("redis-server") is None:
        return "redis-server is not installed"
    if _postgres_bin() is None:
        return "PostgreSQL's server binaries (/usr/lib/postgresql/*/bin) are not installed"
    return ""


class PrivateRedis:
    def __init__(self, workdir: Path):
        self.dir = workdir / "redis"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = servers.free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        # No persistence, as a cache-only Redis: a restart forgets every key and group.
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _wait_port(self.port)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


class PrivatePostgres:
    def __init__(self):
        self.bin = _postgres_bin()
        # A folder of its own under /tmp: the postgres user must reach it, and pytest's
        # and tempfile's folders of root are closed to others.
        self.home = Path(tempfile.mkdtemp(prefix="console-pg-"))
        self.dir = self.home / "data"
        self.port = servers.free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        self.log = self.home / "postgres.log"
        as_root = os.geteuid() == 0
        self.prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
        self.home.chmod(0o755)
        if as_root:
            shutil.chown(self.home, "postgres")
        self._run("initdb", "-D", str(self.dir), "-U", "postgres", "-A", "trust", "-N")

    def database(self, name: str) -> str:
        """A new database on this server, and its URL (the cluster goes with remove())."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return self.url.rsplit("/", 1)[0] + f"/{name}"

    def remove(self) -> None:
        shutil.rmtree(self.home, ignore_errors=True)

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self.prefix, str(self.bin / tool), *args], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.dir), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        # Immediate: connections are cut as a crash or a restart of the machine cuts them.
        self._run("pg_ctl", "-D", str(self.dir), "-m", "immediate", "-w", "stop")


def _wait_port(port: int, seconds: float = 10) -> None:
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port} after {seconds} s")
