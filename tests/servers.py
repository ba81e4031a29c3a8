"""Start console or localcloud processes for tests and benchmarks, on free loopback ports."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def rss(pid: int) -> int:
    """Resident memory of one process, in bytes (Linux /proc)."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status)[1]) * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    env: dict[str, str]
    log_path: Path

    def manage(self, *args: str) -> str:
        """Run a manage.py command against this server's database."""
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        return done.stdout

    def keys(self, company: int | None = None) -> tuple[str, str]:
        """This server's admin key pair (or a demo tenant's own), made when it was seeded."""
        args = ["localcloud", "keys"] + (["--company", str(company)] if company else [])
        values = dict(line.split("=", 1) for line in self.manage(*args).splitlines())
        return values["CONSOLE_PUBLIC_KEY"], values["CONSOLE_PRIVATE_KEY"]

    def call(self, action: str, **params) -> dict:
        """One API call signed with this server's admin key, as an SDK or a script makes
        it; the decoded answer, whatever its RetCode."""
        from console.cloud.signing import flatten, signature

        public, private = self.keys()
        body = flatten({"Action": action, "PublicKey": public, **params})
        body["Signature"] = signature(body, private)
        return httpx.post(f"{self.url}/api", data=body, timeout=30).json()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def server_env(workdir: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("CONSOLE_CLOUD_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="console.settings",
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        LOCALCLOUD_CREATE_SECONDS="2",
        LOCALCLOUD_DELETE_SECONDS="2",
        PYTHONUNBUFFERED="1",
        LOCALCLOUD_WORK_DIR=str(workdir / "work"),
        CONSOLE_RECORDINGS_DIR=str(workdir / "recordings"),
        # The demo's few lines would always be read through; use the index as at scale.
        LOCALCLOUD_LOG_SCAN_AT_MOST="0",
    )
    env.update(extra)
    return env


def console_command(port: int) -> list[str]:
    """The console under Daphne on a loopback port, as deploy/Procfile runs a worker."""
    return [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "--proxy-headers",
            "console.asgi:application"]  # fmt: skip


def wait_ready(url: str, process: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    """Until url answers; fails with the log's end if the process exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log_path.read_text()[-3000:]}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"server did not start: {log_path.read_text()[-3000:]}")


def start(
    workdir: Path, kind: str, *, seed: bool = True, extra_clusters: int = 0, **env_extra: str
) -> Server:
    """kind: 'localcloud' (only /api) or 'console' (pages and the embedded /api)."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = server_env(workdir, LOCALCLOUD_PUBLIC_URL=f"http://127.0.0.1:{port}", **env_extra)
    run = [sys.executable, "manage.py"]
    subprocess.run([*run, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    if seed:
        seed_args = ["localcloud", "seed"]
        if extra_clusters:
            seed_args += ["--clusters", str(extra_clusters)]
        subprocess.run([*run, *seed_args], cwd=ROOT, env=env, check=True, capture_output=True)
    if kind == "console":
        subprocess.run([*run, "demo_users"], cwd=ROOT, env=env, check=True, capture_output=True)
        command = console_command(port)
    else:
        command = [*run, "localcloud", "serve", "--port", str(port)]
    log_path = workdir / f"{kind}.log"
    with log_path.open("w") as log:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    server = Server(url, process, env, log_path)
    try:
        wait_ready(url + ("/accounts/login/" if kind == "console" else "/api"), process, log_path)
    except BaseException:
        server.stop()  # also on Ctrl-C: never leave a server behind
        raise
    return server
