"""The production layout of the README, run as written: deploy/Procfile under honcho, two
Daphne workers behind nginx (deploy/nginx.conf) at one address, the machine's PostgreSQL
and Redis (a database and key prefix of the run's own)."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import servers

from .services import postgres_database, redis_prefix, services_required

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Layout:
    url: str  # nginx: the one address users have
    access_log: Path
    worker_ports: tuple[int, int]


@contextmanager
def production_layout(workdir: Path) -> Iterator[Layout]:
    if shutil.which("nginx") is None:
        reason = "nginx is not installed (make test installs nginx-light as root)"
        pytest.fail(reason) if services_required() else pytest.skip(reason)
    with postgres_database() as database_url, redis_prefix() as (redis_url, prefix):
        port, web1, web2 = servers.free_port(), servers.free_port(), servers.free_port()
        env = servers.server_env(
            workdir,
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            CONSOLE_REDIS_PREFIX=prefix,
            WEB1_PORT=str(web1),
            WEB2_PORT=str(web2),
            BALANCER_PORT=str(port),
            BALANCER_DIR=str(workdir / "balancer"),
            LOCALCLOUD_PUBLIC_URL=f"http://127.0.0.1:{port}",
        )
        for step in (["migrate", "-v0"], ["localcloud", "seed"], ["demo_users"]):
            subprocess.run(
                [sys.executable, "manage.py", *step], cwd=ROOT, env=env, check=True,
                capture_output=True,
            )  # fmt: skip
        log_path = workdir / "honcho.log"
        honcho = Path(sys.executable).parent / "honcho"
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [str(honcho), "-f", "deploy/Procfile", "-d", str(ROOT), "start"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            # The workers first: nginx answers 502 for one that is still starting.
            for address in (f"http://127.0.0.1:{web1}", f"http://127.0.0.1:{web2}", url):
                servers.wait_ready(f"{address}/accounts/login/", process, log_path)
            yield Layout(url, workdir / "balancer" / "access.log", (web1, web2))
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
