"""After a change whose answer never came: say that it may have been applied and show the
object (or the list) read again, instead of the form as if nothing had happened."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from console.cloud.client import MaybeApplied

from .cloudcall import error_text


def reread(request: HttpRequest, exc: Exception, to: str, **kwargs) -> HttpResponse | None:
    """A redirect to `to` (a URL name; its page reads the cloud again) with the warning,
    when `exc` says the change may have been made; None for any other failure."""
    if not isinstance(exc, MaybeApplied):
        return None
    messages.warning(request, error_text(exc))
    return redirect(to, **kwargs)
