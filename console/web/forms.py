"""Forms whose fields map to one action's parameters, with the table's required flags."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from console.cloud import actions
from console.cloud.client import CloudError, CloudUnavailable

from .cloudcall import error_text


class ActionForm(forms.Form):
    """A form for one action. `wire` maps field names to the action's parameter names.

    Required flags come from console/cloud/actions.py, so the page asks for exactly what
    the API needs; `params()` gives the cleaned values under their wire names.
    """

    action: str = ""
    wire: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        spec = actions.ACTIONS[self.action]
        for field_name, wire_name in self.wire.items():
            param = spec.param(wire_name)
            if param is not None and field_name in self.fields:
                self.fields[field_name].required = param.required
        for field in self.fields.values():
            if field.required:
                field.widget.attrs["required"] = True

    def params(self) -> dict[str, Any]:
        out = {}
        for field_name, wire_name in self.wire.items():
            value = self.cleaned_data.get(field_name)
            if value not in (None, "", []):
                out[wire_name] = value
        return out

    def add_cloud_error(self, exc: CloudError | CloudUnavailable) -> None:
        """Show the cloud's refusal next to the field it names, or above the form."""
        text = error_text(exc)
        if isinstance(exc, CloudError):
            for field_name, wire_name in self.wire.items():
                named = exc.param == wire_name or re.search(rf"\b{wire_name}\b", exc.message)
                if named and field_name in self.fields:
                    self.add_error(field_name, text)
                    return
        self.add_error(None, text)


def validate_one_field(form: forms.Form, name: str) -> forms.BoundField | None:
    """For inline validation: run the form, keep only `name`'s errors."""
    if name not in form.fields:
        return None
    form.is_valid()
    return form[name]
