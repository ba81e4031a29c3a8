"""Role checks for async views: one decorator, so a permission check is one line."""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from console.accounts.models import Role


def require_role(role: str):
    """Refuse (403) users below `role`; login itself is enforced by the middleware."""

    def decorator(view):
        @wraps(view)
        async def wrapper(request, *args, **kwargs):
            user = await request.auser()
            if not user.is_authenticated or not user.has_role(role):
                name = str(Role(role).label).lower()
                raise PermissionDenied(_("This needs the %(role)s role.") % {"role": name})
            return await view(request, *args, **kwargs)

        return wrapper

    return decorator


operator_required = require_role("operator")
admin_required = require_role("admin")
