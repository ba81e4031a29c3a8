"""What a user sees while the console's own database is away (PostgreSQL restarting):
a readable 503 that retries by itself, instead of "Something went wrong". The pool
reconnects on its own (settings: the pool checks each connection it hands out), so the
next request after PostgreSQL is back is served without restarting a worker."""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.defaults import server_error

RETRY_SECONDS = 5


def database_unreachable(exc: BaseException | None) -> bool:
    return isinstance(exc, OperationalError | InterfaceError)


def server_error_page(request: HttpRequest) -> HttpResponse:
    """handler500: Django calls it inside the except block of the uncaught exception."""
    if not database_unreachable(sys.exc_info()[1]):
        return server_error(request)
    # No request context: its processors (the user, messages) would ask the database.
    body = render_to_string("web/database_unavailable.html", {"retry": RETRY_SECONDS})
    return HttpResponse(body, status=503, headers={"Retry-After": str(RETRY_SECONDS)})
