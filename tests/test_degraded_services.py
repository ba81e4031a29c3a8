"""In-process checks of what keeps the console up when its own services fail: /healthz,
the "database unavailable" page, and the cache that counts locally while Redis is away."""

from __future__ import annotations

import json

from django.db import OperationalError
from django.test import RequestFactory

from console.web.outage import server_error_page
from console.web.sharedcache import RedisOrLocalCache
from tests import servers


def test_healthz_answers_without_a_login(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "database": "ok", "redis": "not used"}
    assert "no-cache" in response["Cache-Control"]


def test_a_database_away_is_a_readable_503_and_other_errors_stay_500(db):
    request = RequestFactory().get("/clusters/")
    try:
        raise OperationalError("couldn't get a connection after 5.00 sec")
    except OperationalError:
        away = server_error_page(request)
    assert away.status_code == 503 and away["Retry-After"] == "5"
    assert b"Database unavailable" in away.content
    try:
        raise ValueError("a bug")
    except ValueError:
        assert server_error_page(request).status_code == 500


def test_without_redis_the_cache_counts_in_the_process_for_every_thread():
    url = f"redis://127.0.0.1:{servers.free_port()}/0"  # nothing listens there
    one, other = (RedisOrLocalCache(url, {"KEY_PREFIX": "t"}) for _ in range(2))
    assert one.add("login-fail:x", 0, 60)
    one.incr("login-fail:x")
    other.incr("login-fail:x")  # Django makes one cache object per thread: one count
    assert one.get("login-fail:x") == 2
    assert not one.using_redis and not other.using_redis
