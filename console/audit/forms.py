"""The audit search, read from the URL's query: who, what, which parameters, which days."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from console.web.roles import ACTION_ROLES


class AuditSearchForm(forms.Form):
    user = forms.CharField(required=False, max_length=200, label=_("User"))
    action = forms.CharField(required=False, max_length=200, label=_("Action"))
    text = forms.CharField(required=False, max_length=200, label=_("Parameters contain"))
    since = forms.DateField(
        required=False,
        label=_("From"),
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("Write a day as 2026-11-29.")},
    )
    until = forms.DateField(
        required=False,
        label=_("To"),
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("Write a day as 2026-11-29.")},
    )

    def clean_action(self) -> str:
        action = self.cleaned_data["action"].strip()
        return action if action in ACTION_ROLES else ""

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The last day is before the first: swap them."))
        return data
