"""The demo users' passwords: made from this install's secret key, never in the repository."""

from __future__ import annotations

from django.utils.crypto import salted_hmac


def demo_password(username: str) -> str:
    """The same on every run of one install (tests and benchmarks log in with it), and
    useless on any other: `manage.py demo_users` prints them."""
    digest = salted_hmac("console.demo_users", username).hexdigest()
    return f"{username}-{digest[:12]}"
