"""Super node forms: create, resize (bounded by the Adjustable* maxima), GPU change."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from console.web import catalogue
from console.web.forms import ActionForm

_NOT_IN_LABEL = re.compile(r"[^a-z0-9-]")
DNS_LABEL_HELP = gettext_lazy(
    "Lower-case letters, digits and '-', starting and ending with a letter or digit."
)


class CreateSuperNodeForm(ActionForm):
    action = "CreateSuperNode"
    wire = {
        "node_name": "NodeName",
        "compute_class": "ComputeclassType",
        "storage_class": "StorageclassType",
        "max_cpu": "MaxCPU",
        "max_memory": "MaxMemory",
        "max_pods": "MaxPods",
    }
    node_name = forms.CharField(
        label=gettext_lazy("Node name"), max_length=63, help_text=DNS_LABEL_HELP
    )
    compute_class = forms.ChoiceField(label=gettext_lazy("Compute class"))
    storage_class = forms.ChoiceField(label=gettext_lazy("Storage class"), required=False)
    max_cpu = forms.IntegerField(label=gettext_lazy("Max CPU (cores)"), min_value=1, required=False)
    max_memory = forms.IntegerField(
        label=gettext_lazy("Max memory (GiB)"), min_value=1, required=False
    )
    max_pods = forms.IntegerField(label=gettext_lazy("Max pods"), min_value=1, required=False)

    def __init__(self, *args, bounds: dict[str, int] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compute_class"].choices = catalogue.compute_classes()
        self.fields["storage_class"].choices = [
            ("", _("Same as the cluster")),
            *catalogue.storage_classes(),
        ]
        apply_bounds(self, bounds or {})

    def clean_node_name(self) -> str:
        # The rule is the field's help text, shown beside it: the error says only what
        # breaks it in this name.
        name = self.cleaned_data["node_name"]
        wrong = sorted(set(_NOT_IN_LABEL.findall(name)))
        if wrong:
            raise ValidationError(
                _("Not allowed in a node name: %(characters)s.")
                % {"characters": " ".join(f"“{c}”" for c in wrong)}
            )
        if name.startswith("-") or name.endswith("-"):
            raise ValidationError(_("A node name cannot start or end with “-”."))
        return name


LIMIT_FIELDS = {"max_cpu": "MaxCPU", "max_memory": "MaxMemory", "max_pods": "MaxPods"}


def apply_bounds(form: forms.Form, bounds: dict[str, int]) -> None:
    """Cap each limit field at the cluster's adjustable maximum and say so."""
    for field_name, wire_name in LIMIT_FIELDS.items():
        bound = bounds.get(wire_name)
        if bound and field_name in form.fields:
            field = form.fields[field_name]
            field.max_value = bound
            field.widget.attrs["max"] = bound
            field.help_text = _("At most %(bound)s (the adjustable maximum).") % {"bound": bound}
            field.validators.append(_at_most(bound))


def _at_most(bound: int):
    def check(value):
        if value is not None and value > bound:
            raise ValidationError(
                _("At most %(bound)s: that is the adjustable maximum.") % {"bound": bound}
            )

    return check


class UpdateSuperNodeForm(ActionForm):
    action = "UpdateSuperNode"
    wire = {"max_cpu": "MaxCPU", "max_memory": "MaxMemory", "max_pods": "MaxPods"}
    max_cpu = forms.IntegerField(label=gettext_lazy("Max CPU (cores)"), min_value=1)
    max_memory = forms.IntegerField(label=gettext_lazy("Max memory (GiB)"), min_value=1)
    max_pods = forms.IntegerField(label=gettext_lazy("Max pods"), min_value=1)

    def __init__(
        self, *args, bounds: dict[str, int] | None = None, used: dict | None = None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        apply_bounds(self, bounds or {})
        self.used = used or {}

    def clean(self):
        data = super().clean()
        for field_name, in_use in self.used.items():
            value = data.get(field_name)
            if value is not None and value < in_use:
                self.add_error(
                    field_name,
                    _("Cannot be below what is in use (%(used)s).") % {"used": f"{in_use:g}"},
                )
        return data


class GPUForm(ActionForm):
    action = "UpdateSuperNodeGPU"
    wire = {"gpu_type": "GPUMdevName", "gpu_count": "GPU"}
    gpu_type = forms.ChoiceField(label=gettext_lazy("GPU type"))
    gpu_count = forms.IntegerField(
        label=gettext_lazy("GPU count"),
        min_value=0,
        max_value=8,
        initial=1,
        help_text=gettext_lazy("0 removes the GPUs."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gpu_type"].choices = catalogue.gpu_types()
        # The API defaults GPU to 1; the page asks for the count so "0" is never a surprise.
        self.fields["gpu_count"].required = True
        self.fields["gpu_count"].widget.attrs["required"] = True

    def params(self):
        out = super().params()
        out["GPU"] = self.cleaned_data["gpu_count"]
        return out


class DeleteSuperNodeForm(forms.Form):
    confirm_name = forms.CharField(label=gettext_lazy("Type the node's name to confirm"))

    def __init__(self, *args, node_name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.node_name = node_name

    def clean_confirm_name(self):
        typed = self.cleaned_data["confirm_name"]
        if typed != self.node_name:
            raise ValidationError(_("That is not this node's name; nothing was deleted."))
        return typed
