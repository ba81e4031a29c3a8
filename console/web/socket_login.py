"""Whether a websocket's user is still logged in. A page checks on every request; a socket
stays open for hours, so it asks now and then: a logout elsewhere deletes the session, a
password change invalidates its hash, a deactivated account no longer loads."""

from __future__ import annotations

from types import SimpleNamespace

from channels.db import database_sync_to_async
from django.contrib import auth


@database_sync_to_async
def still_logged_in(scope) -> bool:
    session = scope["session"]
    if not session.session_key or not session.exists(session.session_key):
        return False
    # get_user loads the user through its backend (None when inactive) and checks the
    # session's hash against the current password, as the pages' middleware does.
    user = auth.get_user(SimpleNamespace(session=session))
    return user.is_authenticated and user.pk == scope["user"].pk
