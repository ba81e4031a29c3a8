"""What the cloud sells, as form choices (from settings: the API cannot list them)."""

from __future__ import annotations

from django.conf import settings

CHARGE_TYPES = [("Dynamic", "Hourly (Dynamic)"), ("Month", "Monthly"), ("Year", "Yearly")]
QUANTITY_RANGE = {"Month": (1, 11), "Year": (1, 5)}
HIGH_AVAILABILITY = [("false", "Standard control plane"), ("true", "Highly available (3 masters)")]
STORAGE_ALLOCATIONS = [("Shared", "Shared"), ("Dedicated", "Dedicated")]


def quantity_error(charge_type: str | None, quantity: int | None) -> str:
    """Why a quantity does not fit its charge type ("" when it does, or for hourly)."""
    if charge_type not in QUANTITY_RANGE or quantity is None:
        return ""
    low, high = QUANTITY_RANGE[charge_type]
    return "" if low <= quantity <= high else f"For {charge_type} choose {low} to {high}."


def _pairs(items: list[str]) -> list[tuple[str, str]]:
    out = []
    for item in items:
        value, _, label = item.partition(":")
        out.append((value, f"{label} ({value})" if label else value))
    return out


def k8s_versions() -> list[tuple[str, str]]:
    return [(v, v) for v in settings.CONSOLE_K8S_VERSIONS]


def compute_classes() -> list[tuple[str, str]]:
    return _pairs(settings.CONSOLE_COMPUTE_CLASSES)


def storage_classes() -> list[tuple[str, str]]:
    return _pairs(settings.CONSOLE_STORAGE_CLASSES)


def gpu_types() -> list[tuple[str, str]]:
    return [(g, g) for g in settings.CONSOLE_GPU_TYPES]
