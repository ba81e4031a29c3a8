"""The Deployment create form: the few fields most deployments need, checked here as the
API server would (names, ports, env names, quantities, request <= limit), and the
manifest they make, which the page shows before it is sent."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_ENV = 50
MAX_PORTS = 20
_LABEL = RegexValidator(
    r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$",
    gettext_lazy("Lowercase letters, digits and '-', starting and ending with a letter or digit."),
)
_ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]{0,252}$")
_CPU = re.compile(r"^(\d+(\.\d{1,3})?|\d+m)$")
_MEMORY = re.compile(r"^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$")
_UNITS = {"": 1, "m": Decimal("0.001"), "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
_UNITS.update({"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40})


def quantity(text: str) -> Decimal:
    """A Kubernetes quantity's value (for comparing a request with its limit)."""
    number = re.match(r"^[\d.]+", text)[0]
    return Decimal(number) * _UNITS[text[len(number) :]]


@dataclass
class EnvRow:
    name: str = ""
    value: str = ""
    error: str = ""


class DeploymentForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=63, validators=[_LABEL])
    namespace = forms.CharField(
        label=gettext_lazy("Namespace"), max_length=63, validators=[_LABEL], initial="default"
    )
    image = forms.CharField(
        label=gettext_lazy("Image"), max_length=512, help_text=gettext_lazy("e.g. nginx:1.27")
    )
    replicas = forms.IntegerField(
        label=gettext_lazy("Replicas"), min_value=0, max_value=100, initial=1
    )
    ports = forms.CharField(
        label=gettext_lazy("Container ports"),
        required=False,
        help_text=gettext_lazy("Numbers separated by commas, e.g. 80, 443"),
    )
    cpu_request = forms.CharField(label=gettext_lazy("CPU request"), required=False)
    cpu_limit = forms.CharField(label=gettext_lazy("CPU limit"), required=False)
    memory_request = forms.CharField(label=gettext_lazy("Memory request"), required=False)
    memory_limit = forms.CharField(label=gettext_lazy("Memory limit"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key in ("cpu_request", "cpu_limit"):
            self.fields[key].widget.attrs["placeholder"] = "250m"
        for key in ("memory_request", "memory_limit"):
            self.fields[key].widget.attrs["placeholder"] = "256Mi"
        self.fields["namespace"].widget.attrs.update(list="namespace-choices", autocomplete="off")
        self.env_rows = self._env_rows()

    def _env_rows(self) -> list[EnvRow]:
        if not self.is_bound:
            return [EnvRow()]
        names, values = self.data.getlist("env_name"), self.data.getlist("env_value")
        rows = zip(names, values + [""] * (len(names) - len(values)), strict=False)
        return [EnvRow(n, v) for n, v in rows][:MAX_ENV] or [EnvRow()]

    def clean_image(self) -> str:
        image = self.cleaned_data["image"].strip()
        if not image or any(ch.isspace() for ch in image):
            raise ValidationError(_("An image reference has no spaces, e.g. nginx:1.27."))
        return image

    def clean_ports(self) -> list[int]:
        parts = [p.strip() for p in self.cleaned_data["ports"].split(",") if p.strip()]
        if len(parts) > MAX_PORTS:
            raise ValidationError(_("At most %(count)d ports.") % {"count": MAX_PORTS})
        if any(not (p.isascii() and p.isdigit()) or not 1 <= int(p) <= 65535 for p in parts):
            raise ValidationError(_("Ports are numbers from 1 to 65535, separated by commas."))
        return list(dict.fromkeys(int(p) for p in parts))

    def _quantity(self, key: str, pattern: re.Pattern, example: str) -> str:
        value = self.cleaned_data[key].strip()
        if value and not pattern.match(value):
            raise ValidationError(_("Not a quantity such as %(example)s.") % {"example": example})
        return value

    def clean_cpu_request(self):
        return self._quantity("cpu_request", _CPU, "250m or 0.5")

    def clean_cpu_limit(self):
        return self._quantity("cpu_limit", _CPU, "250m or 0.5")

    def clean_memory_request(self):
        return self._quantity("memory_request", _MEMORY, "256Mi")

    def clean_memory_limit(self):
        return self._quantity("memory_limit", _MEMORY, "256Mi")

    def clean(self):
        data = super().clean()
        for what in ("cpu", "memory"):
            request, limit = data.get(f"{what}_request"), data.get(f"{what}_limit")
            try:
                too_much = request and limit and quantity(request) > quantity(limit)
            except (InvalidOperation, KeyError, TypeError):
                too_much = False
            if too_much:
                self.add_error(f"{what}_request", _("The request is more than the limit."))
        seen = set()
        for row in self.env_rows:
            row.name = row.name.strip()
            if not row.name and not row.value:
                continue
            if not _ENV_NAME.match(row.name):
                row.error = _(
                    "A variable name is letters, digits, '_', '-' or '.',"
                    " and does not start with a digit."
                )
            elif row.name in seen:
                row.error = _("%(name)s is set twice.") % {"name": row.name}
            seen.add(row.name)
        for error in dict.fromkeys(row.error for row in self.env_rows if row.error):
            self.add_error(None, error)
        return data

    def manifest(self) -> dict:
        data = self.cleaned_data
        labels = {"app": data["name"]}  # copied where used: shared, YAML would write &id001
        container: dict = {"name": data["name"], "image": data["image"]}
        if data["ports"]:
            container["ports"] = [{"containerPort": p, "protocol": "TCP"} for p in data["ports"]]
        env = [{"name": r.name, "value": r.value} for r in self.env_rows if r.name]
        if env:
            container["env"] = env
        resources = {}
        for part in ("request", "limit"):
            amounts = {
                what: data[f"{what}_{part}"] for what in ("cpu", "memory") if data[f"{what}_{part}"]
            }
            if amounts:
                resources[f"{part}s"] = amounts
        if resources:
            container["resources"] = resources
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": data["name"], "namespace": data["namespace"], "labels": labels},
            "spec": {
                "replicas": data["replicas"],
                "selector": {"matchLabels": dict(labels)},
                "template": {
                    "metadata": {"labels": dict(labels)},
                    "spec": {"containers": [container]},
                },
            },
        }
