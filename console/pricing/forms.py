"""The price calculator's form (GetClusterPrice) and the premium form (…PaymentOfPremium)."""

from __future__ import annotations

from django import forms

from console.web import catalogue
from console.web.forms import ActionForm


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
    }
    compute_class = forms.ChoiceField(label="Compute class")
    storage_class = forms.ChoiceField(label="Storage class")
    cpu = forms.IntegerField(label="CPU (cores)", min_value=1, max_value=4096, initial=2)
    memory = forms.IntegerField(label="Memory (GiB)", min_value=1, max_value=16384, initial=4)
    high_availability = forms.ChoiceField(
        label="Control plane", choices=catalogue.HIGH_AVAILABILITY
    )
    charge_type = forms.ChoiceField(label="Charge type", choices=catalogue.CHARGE_TYPES)
    quantity = forms.IntegerField(
        label="Months or years",
        min_value=1,
        max_value=11,
        initial=1,
        help_text="For Month 1-11, for Year 1-5.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compute_class"].choices = catalogue.compute_classes()
        self.fields["storage_class"].choices = catalogue.storage_classes()
        self.fields["cpu"].required = True
        self.fields["memory"].required = True

    def clean(self):
        data = super().clean()
        charge, quantity = data.get("charge_type"), data.get("quantity")
        if charge in catalogue.QUANTITY_RANGE and quantity is not None:
            low, high = catalogue.QUANTITY_RANGE[charge]
            if not low <= quantity <= high:
                self.add_error("quantity", f"For {charge} choose {low} to {high}.")
        return data

    def base(self) -> dict:
        """The parameters shared by the three charge types compared side by side."""
        params = self.params()
        for name in ("ChargeType", "Quantity"):
            params.pop(name, None)
        return params


class PremiumForm(ActionForm):
    action = "GetClusterPaymentOfPremium"
    wire = {
        "cluster_id": "ClusterID",
        "super_node": "SuperNode",
        "gpu_type": "GPUMdevName",
        "gpu_count": "GPU",
    }
    cluster_id = forms.ChoiceField(label="Cluster")
    super_node = forms.ChoiceField(label="Super node")
    gpu_type = forms.ChoiceField(label="GPU type")
    gpu_count = forms.IntegerField(label="GPU count", min_value=0, max_value=8, initial=1)

    def __init__(self, *args, clusters=(), nodes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cluster_id"].choices = [
            (c.ClusterID, f"{c.Name} ({c.ClusterID})") for c in clusters
        ]
        self.fields["super_node"].choices = [(n.NodeName, n.NodeName) for n in nodes]
        self.fields["gpu_type"].choices = catalogue.gpu_types()
        for name in self.fields:
            self.fields[name].required = True
