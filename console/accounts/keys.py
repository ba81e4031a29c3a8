"""Tenant admins set their tenant's API key (checked with the cloud before it is kept,
stored encrypted, never shown back); platform admins pick the tenant they act for."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from console.cloud.client import CloudError, CloudUnavailable
from console.cloud.shared import get_client
from console.web import cloudcall
from console.web.access import admin_required

from .models import TenantKey
from .secretbox import seal
from .tenancy import ACTING_KEY, acting_company, forget_signing_key


@admin_required
async def tenant_key(request: HttpRequest) -> HttpResponse:
    user = await request.auser()
    company = await acting_company(request, user)
    stored = await TenantKey.objects.filter(company_id=company).afirst()
    context = {"company": company, "stored": stored, "public_key": ""}
    if request.method == "POST":
        if request.POST.get("remove"):
            await TenantKey.objects.filter(company_id=company).adelete()
            forget_signing_key(company)
            messages.success(request, _("The tenant key was removed; the console's key is used."))
            return redirect("tenant-key")
        public = request.POST.get("public_key", "").strip()[:200]
        private = request.POST.get("private_key", "").strip()[:200]
        context["public_key"] = public
        if not public or not private:
            context["error"] = _("Both the public and the private key are needed.")
        else:
            region = await cloudcall.region_of(request)
            try:
                # Kept only if the cloud accepts it for this tenant.
                await get_client().call(
                    "DescribeCluster",
                    key=(public, private),
                    Region=region,
                    CompanyID=company,
                    Limit=1,
                )
            except (CloudError, CloudUnavailable) as exc:
                context["error"] = _("The cloud refused this key: %(error)s") % {
                    "error": cloudcall.error_text(exc)
                }
            else:
                await TenantKey.objects.aupdate_or_create(
                    company_id=company,
                    defaults={
                        "public_key": public,
                        "private_key_encrypted": seal(private),
                        "updated_by": user.username,
                    },
                )
                forget_signing_key(company)
                messages.success(request, _("The tenant key was checked and saved."))
                return redirect("tenant-key")
    status = 400 if context.get("error") else 200
    return render(request, "registration/tenant_key.html", context, status=status)


@require_POST
async def switch_tenant(request: HttpRequest) -> HttpResponse:
    user = await request.auser()
    if not getattr(user, "is_platform_admin", False):
        raise PermissionDenied(_("Only platform admins act for other tenants."))
    text = request.POST.get("company_id", "").strip()
    if not text.isdigit() or not 0 < int(text) < 2**31:
        messages.error(request, _("A tenant is a CompanyID, a positive number."))
    else:
        await request.session.aset(ACTING_KEY, int(text))
        messages.success(request, _("Acting for tenant %(company)s.") % {"company": int(text)})
    return redirect(_same_page(request))


def _same_page(request: HttpRequest) -> str:
    """Back to the page the switch was made on: never another site, and for one object of
    the tenant acted for before (a cluster, a recording) its section's list instead."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return "/"
    path = urlsplit(target).path
    try:
        if not resolve(path).kwargs:
            return target
        section = "/" + path.strip("/").split("/")[0] + "/"
        resolve(section)
    except Resolver404:
        return "/"
    return section
