"""The price calculator's form (GetClusterPrice) and the premium form (…PaymentOfPremium)."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from console.clusters.forms import price_params
from console.web import catalogue
from console.web.forms import ActionForm
from console.web.templatetags.console import cloud_word

NO_CLUSTER = ("", gettext_lazy("None: price a new cluster"))


def _gpus(node) -> str:
    gpus = [f"{g.GPU} {g.GPUMdevName}" for g in node.GPUInfos if g.GPU]
    return ", ".join(gpus) or _("no GPUs")


class PriceForm(ActionForm):
    action = "GetClusterPrice"
    wire = {
        "charge_type": "ChargeType",
        "quantity": "Quantity",
        "compute_class": "ComputeclassType",
        "storage_class": "StorageclassType",
        "cpu": "CPU",
        "memory": "Memory",
        "high_availability": "HighAvailability",
        "cluster_id": "ClusterID",
    }
    charge_type = forms.ChoiceField(
        label=gettext_lazy("Charge type"), choices=catalogue.CHARGE_TYPES
    )
    quantity = forms.IntegerField(
        label=gettext_lazy("Months or years"),
        min_value=1,
        max_value=11,
        help_text=gettext_lazy("Month: 1-11, Year: 1-5; hourly ignores it."),
    )
    compute_class = forms.ChoiceField(label=gettext_lazy("Compute class"))
    storage_class = forms.ChoiceField(label=gettext_lazy("Storage class"))
    cpu = forms.IntegerField(
        label=gettext_lazy("CPU (cores)"),
        min_value=1,
        max_value=4096,
        help_text=gettext_lazy("Empty: 2 cores."),
    )
    memory = forms.IntegerField(
        label=gettext_lazy("Memory (GiB)"),
        min_value=1,
        max_value=16384,
        help_text=gettext_lazy("Empty: 4 GiB."),
    )
    high_availability = forms.ChoiceField(
        label=gettext_lazy("Control plane"), choices=catalogue.HIGH_AVAILABILITY
    )
    # Free text behind a select: the cloud checks it (an unknown cluster is RetCode 200),
    # so re-pricing as the user types needs no cluster list.
    cluster_id = forms.CharField(
        label=gettext_lazy("Existing cluster"),
        widget=forms.Select,
        validators=[MaxLengthValidator(64)],
        help_text=gettext_lazy("Adds the GPUs of its super nodes."),
    )

    def __init__(self, *args, clusters=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compute_class"].choices = catalogue.compute_classes()
        self.fields["storage_class"].choices = catalogue.storage_classes()
        self.fields["cluster_id"].widget.choices = [
            NO_CLUSTER,
            *((c.ClusterID, f"{c.Name} ({c.ClusterID})") for c in clusters),
        ]

    def clean(self):
        data = super().clean()
        charge, quantity = data.get("charge_type"), data.get("quantity")
        if problem := catalogue.quantity_error(charge, quantity):
            self.add_error("quantity", problem)
        return data

    def params_for(self, charge_type: str) -> dict:
        """GetClusterPrice for one charge type: the chosen one for the quantity typed,
        the others for one period, since the comparison is per month anyway."""
        data = {**self.cleaned_data, "charge_type": charge_type}
        if charge_type != self.cleaned_data["charge_type"]:
            data["quantity"] = 1
        params = price_params(data)
        if self.cleaned_data.get("cluster_id"):
            params["ClusterID"] = self.cleaned_data["cluster_id"]
        return params


class PremiumForm(ActionForm):
    action = "GetClusterPaymentOfPremium"
    wire = {
        "cluster": "ClusterID",
        "super_node": "SuperNode",
        "gpu_type": "GPUMdevName",
        "gpu_count": "GPU",
    }
    cluster = forms.ChoiceField(label=gettext_lazy("Cluster"))
    super_node = forms.ChoiceField(label=gettext_lazy("Super node"))
    gpu_type = forms.ChoiceField(label=gettext_lazy("New GPU type"))
    gpu_count = forms.IntegerField(
        label=gettext_lazy("New GPU count"),
        min_value=0,
        max_value=8,
        help_text=gettext_lazy("0 removes the GPUs."),
    )

    def __init__(self, *args, clusters=(), nodes=(), **kwargs):
        # Its own prefix: it shares one GET form (and so one shareable URL) with PriceForm.
        kwargs.setdefault("prefix", "premium")
        super().__init__(*args, **kwargs)
        self.fields["cluster"].choices = [
            (c.ClusterID, f"{c.Name} ({c.ClusterID}, {cloud_word(c.ChargeType)})") for c in clusters
        ]
        self.fields["super_node"].choices = [
            (n.NodeName, _("%(node)s (now %(gpus)s)") % {"node": n.NodeName, "gpus": _gpus(n)})
            for n in nodes
        ]
        self.fields["gpu_type"].choices = catalogue.gpu_types()
        # The API's parameters are all optional, but a premium needs every one of them.
        for field in self.fields.values():
            field.required = True
            field.widget.attrs["required"] = True
