"""Cluster forms: create, subnets, capacity, EIP, delete; each maps to one action."""

from __future__ import annotations

import base64
import ipaddress
import re
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from console.web import catalogue
from console.web.forms import ActionForm

NAME_MAX = 64


def _prefixed(prefix: str, label):
    def check(value: str) -> None:
        if value and not value.startswith(prefix):
            raise ValidationError(
                _("%(label)s starts with “%(prefix)s”, for example %(prefix)sa1b2c3.")
                % {"label": label, "prefix": prefix}
            )

    return check


@dataclass
class TagRow:
    """One key/value row of the create form, with the error of the box that is wrong."""

    key: str = ""
    value: str = ""
    key_error: str = ""
    value_error: str = ""


def encode_tag(key: str, value: str) -> str:
    return base64.b64encode(key.encode()).decode() + ":" + base64.b64encode(value.encode()).decode()


class CreateClusterForm(ActionForm):
    action = "CreateCluster"
    wire = {
        "name": "Name",
        "remark": "Remark",
        "project_id": "ProjectID",
        "charge_type": "ChargeType",
        "quantity": "Quantity",
        "application_name": "ApplicationName",
        "application_reason": "ApplicationReason",
        "vpc_id": "VpcID",
        "subnet_id": "SubnetID",
        "service_cidr": "ServiceCIDR",
        "eip_id": "EIPID",
        "k8s_version": "K8SVersion",
        "storage_class": "StorageclassType",
        "compute_class": "ComputeclassType",
        "high_availability": "HighAvailability",
    }

    name = forms.CharField(label=gettext_lazy("Name"), max_length=NAME_MAX)
    remark = forms.CharField(
        label=gettext_lazy("Remark"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    project_id = forms.CharField(
        label=gettext_lazy("Project ID"),
        required=False,
        help_text=gettext_lazy("Empty: your default project."),
    )
    charge_type = forms.ChoiceField(
        label=gettext_lazy("Charge type"), choices=catalogue.CHARGE_TYPES
    )
    quantity = forms.IntegerField(
        label=gettext_lazy("Quantity"),
        min_value=0,
        initial=1,
        help_text=gettext_lazy("Months (1-11) or years (1-5); ignored for hourly."),
    )
    k8s_version = forms.ChoiceField(label=gettext_lazy("Kubernetes version"))
    compute_class = forms.ChoiceField(label=gettext_lazy("Compute class"))
    storage_class = forms.ChoiceField(label=gettext_lazy("Storage class"))
    high_availability = forms.ChoiceField(
        label=gettext_lazy("Control plane"), choices=catalogue.HIGH_AVAILABILITY
    )
    # The page offers the VPCs and subnets the tenant's clusters use (a datalist: a typed
    # value is still taken).
    vpc_id = forms.CharField(
        label=gettext_lazy("VPC ID"),
        validators=[_prefixed("vpc-", gettext_lazy("A VPC ID"))],
        widget=forms.TextInput(attrs={"list": "vpc-choices", "autocomplete": "off"}),
        help_text=gettext_lazy("Pick one your clusters use, or type another."),
    )
    subnet_id = forms.CharField(
        label=gettext_lazy("Subnet ID"),
        validators=[_prefixed("subnet-", gettext_lazy("A subnet ID"))],
        widget=forms.TextInput(attrs={"list": "subnet-choices", "autocomplete": "off"}),
        help_text=gettext_lazy("Pick one your clusters use, or type another."),
    )
    service_cidr = forms.CharField(
        label=gettext_lazy("Service CIDR"),
        required=False,
        help_text=gettext_lazy("e.g. 172.17.0.0/16, or a subnet ID"),
    )
    eip_id = forms.CharField(
        label=gettext_lazy("API server EIP ID"),
        required=False,
        validators=[_prefixed("eip-", gettext_lazy("An EIP ID"))],
    )
    application_name = forms.CharField(label=gettext_lazy("Approval name"), required=False)
    application_reason = forms.CharField(label=gettext_lazy("Approval reason"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["k8s_version"].choices = catalogue.k8s_versions()
        self.fields["compute_class"].choices = catalogue.compute_classes()
        self.fields["storage_class"].choices = catalogue.storage_classes()
        self.tag_rows = self._tag_rows()

    def _tag_rows(self) -> list[TagRow]:
        if not self.is_bound:
            return [TagRow()]
        keys = self.data.getlist("tag_key")
        values = self.data.getlist("tag_value")
        rows = zip(keys, values + [""] * (len(keys) - len(values)), strict=False)
        return [TagRow(key, value) for key, value in rows] or [TagRow()]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError(_("Give the cluster a name."))
        return name

    def clean_service_cidr(self) -> str:
        value = self.cleaned_data["service_cidr"].strip()
        if not value or value.startswith("subnet-"):
            return value
        try:
            network = ipaddress.ip_network(value, strict=True)
        except ValueError:
            raise ValidationError(_("Not a CIDR such as 172.17.0.0/16, nor a subnet ID.")) from None
        if network.version != 4 or network.prefixlen > 24:
            raise ValidationError(_("Use an IPv4 range of /24 or larger."))
        return value

    def clean(self):
        data = super().clean()
        charge = data.get("charge_type")
        quantity = data.get("quantity")
        if problem := catalogue.quantity_error(charge, quantity):
            self.add_error("quantity", problem)
        tags = []
        for row in self.tag_rows:
            key, value = row.key.strip(), row.value.strip()
            if not key and not value:
                continue
            if not key:
                row.key_error = _("Every tag needs a key.")
            elif len(key) > 64:
                row.key_error = _("A tag key has at most 64 characters.")
            if len(value) > 128:
                row.value_error = _("A tag value has at most 128 characters.")
            tags.append(encode_tag(key, value))
        if not tags:
            self.tag_rows[0].key_error = _(
                "Add at least one tag (the API requires one), e.g. env = prod."
            )
        # The banner sums up (each text once); each wrong box carries its own (create.html).
        errors = (error for row in self.tag_rows for error in (row.key_error, row.value_error))
        for error in dict.fromkeys(filter(None, errors)):
            self.add_error(None, error)
        data["tags"] = tags
        return data

    def params(self):
        out = super().params()
        out["TagKeyValuePairs"] = self.cleaned_data["tags"]
        if "Quantity" not in out:
            out["Quantity"] = 0
        return out


def price_params(data) -> dict:
    """GetClusterPrice parameters from a (possibly half-filled) create or pricing form."""
    charge = data.get("charge_type") or "Dynamic"
    params = {
        "ChargeType": charge,
        "ComputeclassType": data.get("compute_class") or "",
        "StorageclassType": data.get("storage_class") or "",
        "HighAvailability": data.get("high_availability") or "false",
    }
    for field, wire in (("quantity", "Quantity"), ("cpu", "CPU"), ("memory", "Memory")):
        value = str(data.get(field) or "").strip()
        if re.fullmatch(r"\d{1,6}", value):
            params[wire] = int(value)
    if charge == "Dynamic":
        params.pop("Quantity", None)
    return params


class SubnetsForm(ActionForm):
    action = "UpdateCluster"
    wire = {"subnet_ids": "SubnetIDs"}
    subnet_ids = forms.CharField(
        label=gettext_lazy("Subnet IDs"),
        help_text=gettext_lazy("One or more, separated by spaces or commas."),
    )

    def clean_subnet_ids(self) -> list[str]:
        items = [s for s in re.split(r"[\s,]+", self.cleaned_data["subnet_ids"]) if s]
        if not items:
            raise ValidationError(_("Give at least one subnet ID."))
        bad = [s for s in items if not s.startswith("subnet-")]
        if bad:
            raise ValidationError(
                _("Not a subnet ID: %(ids)s (they start with subnet-).") % {"ids": ", ".join(bad)}
            )
        if len(items) > 8:
            raise ValidationError(_("At most 8 subnets."))
        return list(dict.fromkeys(items))


class CapacityForm(ActionForm):
    action = "UpdateClusterCapacity"
    wire = {
        "max_cpu": "MaxCPU",
        "max_memory": "MaxMemory",
        "max_pods": "MaxPods",
        "max_storage": "MaxStorage",
        "max_storage_allocation": "MaxStorageAllocation",
    }
    max_cpu = forms.IntegerField(label=gettext_lazy("Max CPU (cores)"), min_value=1, max_value=4096)
    max_memory = forms.IntegerField(
        label=gettext_lazy("Max memory (GiB)"), min_value=1, max_value=16384
    )
    max_pods = forms.IntegerField(label=gettext_lazy("Max pods"), min_value=1, max_value=5000)
    max_storage = forms.IntegerField(
        label=gettext_lazy("Max storage (GiB)"), min_value=1, max_value=102400
    )
    max_storage_allocation = forms.ChoiceField(
        label=gettext_lazy("Storage allocation"), choices=catalogue.STORAGE_ALLOCATIONS
    )

    def __init__(self, *args, allocated: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.allocated = allocated or {}

    NUMBERS = ("max_cpu", "max_memory", "max_pods", "max_storage")

    def clean(self):
        data = super().clean()
        if not self.errors and all(data.get(name) is None for name in self.NUMBERS):
            raise ValidationError(_("Nothing to change: every box is empty."))
        for field, used in self.allocated.items():
            value = data.get(field)
            if value is not None and value < used:
                self.add_error(
                    field, _("Cannot be below what is allocated now (%(used)s).") % {"used": used}
                )
        return data

    def left_unchanged(self) -> list[str]:
        """The labels of the limits left empty, which the cloud then keeps as they are."""
        empty = [name for name in self.NUMBERS if self.cleaned_data.get(name) is None]
        return [str(self.fields[name].label) for name in empty]


class AttachEIPForm(ActionForm):
    action = "AttachClusterEIP"
    wire = {"eip_id": "EIPID"}
    eip_id = forms.CharField(
        label=gettext_lazy("EIP ID"), validators=[_prefixed("eip-", gettext_lazy("An EIP ID"))]
    )


class DeleteClusterForm(forms.Form):
    confirm_name = forms.CharField(label=gettext_lazy("Type the cluster's name to confirm"))

    def __init__(self, *args, cluster_name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.cluster_name = cluster_name

    def clean_confirm_name(self) -> str:
        typed = self.cleaned_data["confirm_name"]
        if typed != self.cluster_name:
            raise ValidationError(_("That is not this cluster's name; nothing was deleted."))
        return typed
