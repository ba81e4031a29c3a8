"""Headers every response carries: a Content-Security-Policy that allows scripts only
from our own static files (no inline script, no eval), so injected markup cannot run."""

from __future__ import annotations

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

# style-src keeps 'unsafe-inline': xterm.js writes a <style> element for its theme and the
# usage bars set their width inline. Scripts, the dangerous half, stay strict.
POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def _add(self, response):
        response.headers.setdefault("Content-Security-Policy", POLICY)
        return response

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self._acall(request)
        return self._add(self.get_response(request))

    async def _acall(self, request):
        return self._add(await self.get_response(request))
