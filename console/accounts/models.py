"""The console's user: a Django user with a role and the tenant (CompanyID) it acts for."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VIEWER = "viewer", _("Viewer")
    OPERATOR = "operator", _("Operator")
    ADMIN = "admin", _("Admin")


ROLE_RANK = {Role.VIEWER: 0, Role.OPERATOR: 1, Role.ADMIN: 2}


class User(AbstractUser):
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    # The tenant this user acts for; None means the console key's own tenant.
    company_id = models.IntegerField(null=True, blank=True)
    # The cloud's operator staff: may act for any tenant (the console key must be an admin key).
    is_platform_admin = models.BooleanField(default=False)

    def has_role(self, role: str) -> bool:
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(role)]

    @property
    def can_change(self) -> bool:
        return self.has_role(Role.OPERATOR)


class TenantKey(models.Model):
    """A tenant's own API key: the console signs that tenant's calls with it, so the cloud
    itself keeps tenants apart. The private key is stored encrypted (secretbox.py)."""

    company_id = models.IntegerField(unique=True)
    public_key = models.CharField(max_length=200)
    private_key_encrypted = models.TextField()
    updated = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=150, blank=True)

    @property
    def masked(self) -> str:
        return (
            f"{self.public_key[:6]}…{self.public_key[-4:]}" if len(self.public_key) > 12 else "••••"
        )
