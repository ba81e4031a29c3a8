"""What localcloud offers: versions, class types, GPU types, and the price table (README)."""

from __future__ import annotations

from dataclasses import dataclass

K8S_VERSIONS = ("1.31.2", "1.30.6", "1.29.10", "1.28.15", "1.25.0")
CHARGE_TYPES = ("Dynamic", "Month", "Year")
QUANTITY_RANGE = {"Month": (1, 11), "Year": (1, 5)}
HIGH_AVAILABILITY = ("", "false", "true")
STORAGE_ALLOCATIONS = ("Shared", "Dedicated")


@dataclass(frozen=True)
class ComputeClass:
    name: str
    alias: str
    core_hour: float  # per vCPU per hour
    gib_hour: float  # per GiB of memory per hour


@dataclass(frozen=True)
class StorageClass:
    name: str
    alias: str
    hour: float  # flat per cluster per hour


COMPUTE_CLASSES = {
    c.name: c
    for c in (
        ComputeClass("ComputeSetStandard", "Standard", 0.12, 0.015),
        ComputeClass("ComputeSetHighPerf", "High performance", 0.18, 0.022),
        ComputeClass("ComputeSetMemory", "Memory optimised", 0.10, 0.030),
    )
}
STORAGE_CLASSES = {
    s.name: s
    for s in (
        StorageClass("StorageSetSSD", "SSD", 0.05),
        StorageClass("StorageSetHDD", "HDD", 0.02),
    )
}
GPU_HOUR = {"nvidia-t4": 1.2, "nvidia-2080ti": 1.8, "nvidia-a10": 3.5, "nvidia-a100": 9.0}
MAX_GPU_PER_NODE = 8

CONTROL_PLANE_HOUR = 0.5
HA_CONTROL_PLANE_HOUR = 1.5
DEFAULT_CPU = 2
DEFAULT_MEMORY = 4  # GiB
HOURS = {"Dynamic": 1, "Month": 720, "Year": 8760}
DISCOUNT = {"Dynamic": 1.0, "Month": 0.85, "Year": 0.70}


def hourly_price(
    compute: str, storage: str, cpu: int, memory: int, ha: bool, gpu_hour: float = 0.0
) -> float:
    c = COMPUTE_CLASSES[compute]
    control = HA_CONTROL_PLANE_HOUR if ha else CONTROL_PLANE_HOUR
    return (
        control
        + cpu * c.core_hour
        + memory * c.gib_hour
        + STORAGE_CLASSES[storage].hour
        + (gpu_hour)
    )


def charge(hourly: float, charge_type: str, quantity: int) -> float:
    """The price of `quantity` periods of a charge type (Dynamic: one hour)."""
    periods = 1 if charge_type == "Dynamic" else quantity
    return round(hourly * HOURS[charge_type] * periods * DISCOUNT[charge_type], 2)


def gpu_hour(mdev: str, count: int) -> float:
    return GPU_HOUR.get(mdev, 0.0) * count
