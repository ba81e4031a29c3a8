"""The machine's PostgreSQL and Redis for scale-out tests (and bench/load.py): a database
and a key prefix of a run's own, removed afterwards. A missing service skips the tests
with a reason; CI sets CONSOLE_TEST_SERVICES_REQUIRED=true so that it fails them instead."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

POSTGRES_URL = os.environ.get(
    "CONSOLE_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("CONSOLE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def services_required() -> bool:
    return os.environ.get("CONSOLE_TEST_SERVICES_REQUIRED", "").lower() in {"1", "true", "yes"}


def _missing(what: str, exc: Exception) -> None:
    import pytest

    reason = f"{what} is not reachable ({exc}); set CONSOLE_TEST_POSTGRES_URL / _REDIS_URL"
    if services_required():
        pytest.fail(reason)
    pytest.skip(reason)


Missing = Callable[[str, Exception], None]


@contextmanager
def postgres_database(
    url: str = POSTGRES_URL, label: str = "scaleout", missing: Missing = _missing
) -> Iterator[str]:
    """A new, empty PostgreSQL database on the server of `url`; dropped afterwards."""
    import psycopg

    try:
        admin = psycopg.connect(url, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        missing("PostgreSQL", exc)
        raise
    name = f"console_{label}_{uuid.uuid4().hex[:10]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield url.rsplit("/", 1)[0] + f"/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def redis_prefix(
    url: str = REDIS_URL, label: str = "test", missing: Missing = _missing
) -> Iterator[tuple[str, str]]:
    """The Redis URL and a key prefix of this run's own; its keys are removed afterwards."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        missing("Redis", exc)
        raise
    prefix = f"console-{label}-{uuid.uuid4().hex[:10]}"
    try:
        yield url, prefix
    finally:
        for key in client.scan_iter(f"*{prefix}*"):
            client.delete(key)
        client.close()
