"""One row per call that changes state: who, for which tenant, what, with what, and how
it ended. Rows are only ever added."""

from __future__ import annotations

from http import HTTPStatus

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    time = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150)  # kept if the user is deleted
    company_id = models.IntegerField(null=True, db_index=True)
    action = models.CharField(max_length=60, db_index=True)
    params = models.JSONField(default=dict)  # secrets masked (console/audit/record.py)
    ret_code = models.IntegerField(null=True)  # None: the cloud did not answer
    message = models.CharField(max_length=500, blank=True)
    source = models.CharField(max_length=64, blank=True)
    # ForwardCluster: the Kubernetes API's answer. The call succeeds (RetCode 0) whatever
    # Kubernetes said, so a refused write is only seen here.
    http_status = models.IntegerField(null=True)

    class Meta:
        ordering = ["-time", "-id"]

    @property
    def http_result(self) -> str:
        """`HTTP 409 Conflict`; empty when there was no Kubernetes answer."""
        if self.http_status is None:
            return ""
        try:
            phrase = HTTPStatus(self.http_status).phrase
        except ValueError:
            phrase = ""
        return f"HTTP {self.http_status} {phrase}".strip()

    @property
    def http_refused(self) -> bool:
        return self.http_status is not None and not 200 <= self.http_status < 300
