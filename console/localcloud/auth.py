"""Who is calling: the key behind PublicKey/Signature, and the tenant the call acts for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from console.cloud import actions, signing

from . import keys
from .errors import ApiError
from .models import ApiKey, Project, Tenant


@dataclass
class Caller:
    tenant: Tenant
    is_admin: bool
    public_key: str = ""


@dataclass
class Call:
    """One authenticated call: the tenant it acts for and its region."""

    tenant: Tenant
    region: str
    is_admin: bool

    def default_project(self) -> Project:
        project = self.tenant.projects.filter(is_default=True).first()
        if project is None:
            raise ApiError(actions.NOT_FOUND, "Tenant has no default project")
        return project


def authenticate(flat: dict[str, str]) -> Caller:
    """The stored key that signed the call; there is no unsigned way in."""
    public_key = flat.get("PublicKey", "")
    if not public_key:
        raise ApiError(actions.MISSING_PUBLIC_KEY, "Missing PublicKey")
    if not flat.get("Signature"):
        raise ApiError(actions.MISSING_SIGNATURE, "Missing Signature")
    key = None
    if public_key not in keys.PUBLISHED:
        key = ApiKey.objects.select_related("tenant").filter(public_key=public_key).first()
    private = keys.private_of(key) if key is not None else None
    if private is None or not signing.verify(flat, private):
        raise ApiError(actions.BAD_SIGNATURE, "Signature VerifyAC Error")
    return Caller(key.tenant, key.is_admin, public_key)


def resolve(caller: Caller, params: dict[str, Any]) -> Call:
    tenant = caller.tenant
    company_id = params.get("CompanyID")
    # 0 is what some SDKs send for "not set".
    if company_id and company_id != tenant.company_id:
        if not caller.is_admin:
            raise ApiError(actions.ADMIN_ONLY, "CompanyID may only be set by an admin key")
        tenant = Tenant.objects.filter(company_id=company_id).first()
        if tenant is None:
            raise ApiError(actions.NOT_FOUND, f"Company [{company_id}] does not exist")
    region = params["Region"]
    if region not in settings.LOCALCLOUD_REGIONS:
        raise ApiError(actions.BAD_REGION, f"Region [{region}] is not available")
    return Call(tenant, region, caller.is_admin)
