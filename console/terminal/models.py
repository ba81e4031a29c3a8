"""The record of each terminal session: who opened what, when, how it ended, its recording."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

# How a session ended is recorded in English (an audit record reads the same for every
# admin); pages show it in their language when it is one of the console's own words.
EXITED = gettext_noop("exited with code %(code)s")
_EXITED_RE = re.compile(r"exited with code (-?\d+)")


class TerminalSession(models.Model):
    KINDS = [("exec", gettext_lazy("Pod exec")), ("terminal", gettext_lazy("Cluster shell"))]
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
            return _("%(cluster)s (cluster shell)") % {"cluster": self.cluster_id}
        return f"{self.cluster_id} {self.namespace}/{self.pod}/{self.container}"

    @staticmethod
    def translated_reason(reason: str) -> str:
        """A recorded end reason in the active language; the gateway's own words stay."""
        if not reason:
            return ""
        exited = _EXITED_RE.fullmatch(reason)
        if exited:
            return _(EXITED) % {"code": exited.group(1)}
        return _(reason)

    @property
    def end_reason_text(self) -> str:
        return self.translated_reason(self.end_reason)

    @property
    def ending(self) -> str:
        """How it ended, with the exit code unless the words already give it ("exited with
        code 0", not "exited with code 0 (exit 0)")."""
        text = self.end_reason_text
        code = self.exit_code
        if code is None or re.search(rf"exit(ed with)? code:? {code}\b", self.end_reason):
            return text
        return _("%(reason)s (exit %(code)s)") % {"reason": text, "code": code}
