"""/healthz: whether this worker can serve, for a supervisor, a load balancer or a probe.

No login and no write: it reads the database once (SELECT 1) and asks the cache whether
Redis answers. 200 with "ok" or "degraded" (Redis away: pages work, live updates and
login throttling are per process meanwhile); 503 "unavailable" when the database is away,
since no page can be served then."""

from __future__ import annotations

from channels.db import database_sync_to_async
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

try:
    from psycopg import Error as DriverError
except ImportError:  # SQLite only
    DriverError = DatabaseError

# A probe must answer before the balancer's or supervisor's own timeout, while a page may
# wait CONSOLE_DB_POOL_TIMEOUT (10 s) for a connection.
DATABASE_WAIT_SECONDS = 2


@database_sync_to_async
def _database() -> str:
    pool = getattr(connection, "pool", None)  # PostgreSQL with a pool (Django 5.1+)
    try:
        if pool is not None:
            pool.open()  # as Django does for a first connection (it creates pools closed)
            with pool.connection(timeout=DATABASE_WAIT_SECONDS) as conn:
                conn.execute("SELECT 1")
        else:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
    except (DatabaseError, DriverError):
        return "unavailable"
    return "ok"


async def _redis() -> str:
    if not hasattr(cache, "using_redis"):
        return "not used"
    await cache.ahas_key("healthz")  # tries Redis again if its retry time has come
    return "ok" if cache.using_redis else "unavailable"


@login_not_required
@never_cache
@require_GET
async def healthz(request: HttpRequest) -> JsonResponse:
    parts = {"database": await _database(), "redis": await _redis()}
    if parts["database"] != "ok":
        status = "unavailable"
    elif parts["redis"] == "unavailable":
        status = "degraded"
    else:
        status = "ok"
    return JsonResponse({"status": status, **parts}, status=503 if status == "unavailable" else 200)
