"""Django's own middleware, run on the event loop where it does no I/O.

Under ASGI a stock middleware (MiddlewareMixin) hops to the one shared sync thread for
each of its hooks, and a sync-only one (WhiteNoise) makes every request below it cross
from sync to async and back: about twenty thread hops per page, and as many again for
each call to the embedded cloud, which these hooks do not need. The subclasses here run
the hooks that only read headers, cookies and settings inline, and keep the hop where a
hook may touch the database (saving a modified session, messages kept in the session).
Security, CSRF and X-Frame-Options stay Django's own classes: `check --deploy` finds
them by their dotted names and checks their settings only then."""

from __future__ import annotations

from asgiref.sync import markcoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.middleware import common, locale
from whitenoise.middleware import WhiteNoiseMiddleware


class Inline:
    """process_request and process_response on the event loop (both do no I/O)."""

    async def __acall__(self, request):
        response = None
        if hasattr(self, "process_request"):
            response = self.process_request(request)
        response = response or await self.get_response(request)
        if hasattr(self, "process_response"):
            if self.response_needs_thread(request):
                return await sync_to_async(self.process_response)(request, response)
            response = self.process_response(request, response)
        return response

    def response_needs_thread(self, request) -> bool:
        return False


class SessionMiddleware(Inline, sessions.SessionMiddleware):
    def response_needs_thread(self, request) -> bool:
        # Only saving touches the database; otherwise it sets headers and cookies.
        session = getattr(request, "session", None)
        return session is not None and (session.modified or settings.SESSION_SAVE_EVERY_REQUEST)


class LocaleMiddleware(Inline, locale.LocaleMiddleware):
    pass


class CommonMiddleware(Inline, common.CommonMiddleware):
    pass


class AuthenticationMiddleware(Inline, auth.AuthenticationMiddleware):
    pass


class LoginRequiredMiddleware(Inline, auth.LoginRequiredMiddleware):
    async def process_view(self, request, view_func, view_args, view_kwargs):
        # The session and the user in one trip to the thread (request.auser() makes two),
        # kept where request.user and request.auser() both find it.
        user = await sync_to_async(auth.get_user)(request)
        request._acached_user = user
        if user.is_authenticated or not getattr(view_func, "login_required", True):
            return None
        return self.handle_no_permission(request, view_func)


class MessageMiddleware(Inline, messages.MessageMiddleware):
    def response_needs_thread(self, request) -> bool:
        # Storing shown or added messages may fall back to the session, which may need
        # loading; a page that showed none and added none stores nothing.
        storage = getattr(request, "_messages", None)
        return storage is not None and (storage.used or storage.added_new)


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise for static files; every other request passes straight through."""

    sync_capable = False
    async_capable = True

    def __init__(self, get_response):
        super().__init__(get_response)
        markcoroutinefunction(self)

    async def __call__(self, request):
        path = request.path_info
        found = self.find_file(path) if self.autorefresh else self.files.get(path)
        if found is None:
            return await self.get_response(request)
        return await sync_to_async(self.serve, thread_sensitive=False)(found, request)
