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


@database_sync_to_async
def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
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
