"""The record of each terminal session: who opened what, when, how it ended, its recording."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class TerminalSession(models.Model):
    KINDS = [("exec", "Pod exec"), ("terminal", "Cluster shell")]
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    company_id = models.IntegerField(null=True)
    region = models.CharField(max_length=40)
    kind = models.CharField(max_length=10, choices=KINDS)
    cluster_id = models.CharField(max_length=40)
    namespace = models.CharField(max_length=63, blank=True)
    pod = models.CharField(max_length=253, blank=True)
    container = models.CharField(max_length=100, blank=True)
    command = models.CharField(max_length=500, blank=True)
    source_address = models.CharField(max_length=60, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True)
    end_reason = models.CharField(max_length=200, blank=True)
    exit_code = models.IntegerField(null=True)
    bytes_out = models.BigIntegerField(default=0)
    recording = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.cluster_id} {self.pod}"

    @property
    def target(self) -> str:
        if self.kind == "terminal":
            return f"{self.cluster_id} (cluster shell)"
        return f"{self.cluster_id} {self.namespace}/{self.pod}/{self.container}"
