"""Role checks for async views: one decorator, so a permission check is one line."""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied


def require_role(role: str):
    """Refuse (403) users below `role`; login itself is enforced by the middleware."""

    def decorator(view):
        @wraps(view)
        async def wrapper(request, *args, **kwargs):
            user = await request.auser()
            if not user.is_authenticated or not user.has_role(role):
                raise PermissionDenied(f"This needs the {role} role.")
            return await view(request, *args, **kwargs)

        return wrapper

    return decorator


operator_required = require_role("operator")
admin_required = require_role("admin")
