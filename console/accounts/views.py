"""Account views: switching region (login and logout are Django's own views)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .regions import SESSION_KEY


@require_POST
def switch_region(request: HttpRequest) -> HttpResponse:
    region = request.POST.get("region", "")
    if region not in settings.CONSOLE_REGIONS:
        return HttpResponseBadRequest("Unknown region")
    request.session[SESSION_KEY] = region
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    return redirect(target)
