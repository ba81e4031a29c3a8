"""What the cloud sells, as form choices (from settings: the API cannot list them)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

CHARGE_TYPES = [
    ("Dynamic", gettext_lazy("Hourly (Dynamic)")),
    ("Month", gettext_lazy("Monthly")),
    ("Year", gettext_lazy("Yearly")),
]
QUANTITY_RANGE = {"Month": (1, 11), "Year": (1, 5)}
HIGH_AVAILABILITY = [
    ("false", gettext_lazy("Standard control plane")),
    ("true", gettext_lazy("Highly available (3 masters)")),
]
STORAGE_ALLOCATIONS = [
    ("Shared", gettext_lazy("Shared")),
    ("Dedicated", gettext_lazy("Dedicated")),
]


def quantity_error(charge_type: str | None, quantity: int | None) -> str:
    """Why a quantity does not fit its charge type ("" when it does, or for hourly)."""
    if charge_type not in QUANTITY_RANGE or quantity is None:
        return ""
    low, high = QUANTITY_RANGE[charge_type]
    if low <= quantity <= high:
        return ""
    if charge_type == "Month":
        text = _("For Month choose %(low)d to %(high)d.")
    else:
        text = _("For Year choose %(low)d to %(high)d.")
    return text % {"low": low, "high": high}


# The default labels of the settings below, so that the catalogue has them; a label set
# in the environment is shown as written unless the catalogue knows it too.
DEFAULT_LABELS = (gettext_noop("Standard"), gettext_noop("High performance"),
                  gettext_noop("Memory optimised"))  # fmt: skip


def _pairs(items: list[str]) -> list[tuple[str, str]]:
    out = []
    for item in items:
        value, _sep, label = item.partition(":")
        out.append((value, f"{_(label)} ({value})" if label else value))
    return out


def k8s_versions() -> list[tuple[str, str]]:
    return [(v, v) for v in settings.CONSOLE_K8S_VERSIONS]


def compute_classes() -> list[tuple[str, str]]:
    return _pairs(settings.CONSOLE_COMPUTE_CLASSES)


def storage_classes() -> list[tuple[str, str]]:
    return _pairs(settings.CONSOLE_STORAGE_CLASSES)


def gpu_types() -> list[tuple[str, str]]:
    return [(g, g) for g in settings.CONSOLE_GPU_TYPES]
