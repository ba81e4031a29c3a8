"""Failed logins counted per (address, username) and per address in the cache; past the
limit, logins from there are refused for the rest of the window, even with the right
password, so guessing is slow and a correct guess is not told apart."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.forms import UsernameField
from django.core.cache import cache


def _keys(address: str, username: str) -> tuple[str, str]:
    # Counted under the name the login form will look up (stripped, NFKC), so " viewer"
    # is not a fresh start for viewer; lower case too, which only counts more together.
    name = UsernameField().to_python(username).lower()[:150]
    return f"login-fail:{address}:{name}", f"login-fail:{address}"


def blocked(address: str, username: str) -> bool:
    pair, whole = _keys(address, username)
    return (
        cache.get(pair, 0) >= settings.CONSOLE_LOGIN_FAILURES
        or cache.get(whole, 0) >= settings.CONSOLE_LOGIN_FAILURES_PER_ADDRESS
    )


def failed(address: str, username: str) -> None:
    for key in _keys(address, username):
        cache.add(key, 0, settings.CONSOLE_LOGIN_WINDOW_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, settings.CONSOLE_LOGIN_WINDOW_SECONDS)


def succeeded(address: str, username: str) -> None:
    cache.delete(_keys(address, username)[0])
