"""Account views: login with a limit on failures, and switching region."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from . import throttle
from .regions import SESSION_KEY


class ThrottledLoginView(LoginView):
    """Django's login, refusing (429) an address that failed too often, right password or not."""

    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        address = request.META.get("REMOTE_ADDR", "")
        username = request.POST.get("username", "")
        if throttle.blocked(address, username):
            # An unbound form: the password is not even checked.
            form = self.get_form_class()(request, initial={"username": username})
            minutes = settings.CONSOLE_LOGIN_WINDOW_SECONDS // 60
            throttled = ngettext(
                "Too many failed logins; try again in %(minutes)d minute.",
                "Too many failed logins; try again in %(minutes)d minutes.",
                minutes,
            ) % {"minutes": minutes}
            context = self.get_context_data(form=form, throttled=throttled)
            return self.render_to_response(context, status=429)
        response = super().post(request, *args, **kwargs)
        if response.status_code == 302:
            throttle.succeeded(address, username)
        else:
            throttle.failed(address, username)
        return response


@require_POST
def switch_region(request: HttpRequest) -> HttpResponse:
    region = request.POST.get("region", "")
    if region not in settings.CONSOLE_REGIONS:
        return HttpResponseBadRequest(_("Unknown region"))
    request.session[SESSION_KEY] = region
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    return redirect(target)
