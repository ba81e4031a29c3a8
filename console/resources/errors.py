"""What a person reads when a change to a cluster's objects fails."""

from __future__ import annotations

from django.utils.translation import gettext as _

from console.cloud.client import CloudError, CloudUnavailable
from console.web import cloudcall
from console.web.kubeapi import KubeError

# What a view catches around forward(): Kubernetes' refusal, or the cloud's.
FORWARD_ERRORS = (KubeError, CloudError, CloudUnavailable)


def failure(exc: Exception) -> str:
    if isinstance(exc, KubeError):
        return _("Kubernetes refused (%(status)s): %(message)s") % {
            "status": f"{exc.code} {exc.reason}".strip(),
            "message": cloudcall.sentence(exc.message),
        }
    return cloudcall.error_text(exc)
