"""Typed response models of the cloud API; field names are the spec's, exactly.

Every model is a dataclass; `from_wire` builds one from a decoded JSON object and raises
MalformedResponse when a field has a type the spec does not allow; `decode` builds one
straight from the answer's bytes, the same result, faster (msgspec).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import json
import sys
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec


class MalformedResponse(ValueError):
    """The cloud answered JSON that does not fit the response model."""


class WireModel:
    @classmethod
    def from_wire(cls, data: Any):
        if not isinstance(data, dict):
            raise MalformedResponse(f"{cls.__name__} must be an object, got {type(data).__name__}")
        values = {}
        for name, convert in _converters(cls):
            value = data.get(name)
            if value is not None:
                values[name] = convert(value, name)
        return cls(**values)

    @classmethod
    def decode(cls, raw: bytes):
        """The model from the answer's JSON bytes. msgspec decodes strictly (exact JSON
        types, no nulls for plain fields); anything it refuses goes through `from_wire`, so
        the lenient cases (null, 8.0 for an int) and the MalformedResponse messages stay
        the same."""
        with _collector_paused():
            try:
                return _typed_decoder(cls).decode(raw)
            except msgspec.MsgspecError:
                return cls.from_wire(json.loads(raw))

    def to_wire(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@contextlib.contextmanager
def _collector_paused():
    """Python's cyclic garbage collector off while an answer becomes models. They hold no
    cycles, and the collections that thousands of new objects set off were most of the
    work for a page of 100 clusters (34 us per ClusterInfo with it on, 9 us off; 12 us
    either way for 20). Threads share the switch: one that finds it off leaves it alone."""
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


@functools.cache
def _typed_decoder(cls: type) -> msgspec.json.Decoder:
    return msgspec.json.Decoder(cls)


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    # Module globals as locals: a field may share its type's name (ControllerPlaneStatus).
    module_vars = vars(sys.modules[cls.__module__])
    return typing.get_type_hints(cls, globalns=module_vars, localns=module_vars)


@functools.cache
def _converters(cls: type) -> tuple[tuple[str, Callable[[Any, str], Any]], ...]:
    """Each field's converter, worked out once per class (parsing is on every page's path)."""
    hints = _hints(cls)
    return tuple((f.name, _converter(hints[f.name])) for f in dataclasses.fields(cls))


def _converter(hint: Any) -> Callable[[Any, str], Any]:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        (inner,) = [a for a in typing.get_args(hint) if a is not type(None)]
        return _converter(inner)
    if origin is list:
        (item_hint,) = typing.get_args(hint)
        item = _converter(item_hint)

        def list_of(value, where):
            if not isinstance(value, list):
                raise MalformedResponse(f"{where} must be an array")
            return [item(v, f"{where}[{i}]") for i, v in enumerate(value)]

        return list_of
    if isinstance(hint, type) and issubclass(hint, WireModel):
        return lambda value, where: hint.from_wire(value)
    return _SCALARS.get(hint, lambda value, where: value)


def _to_bool(value, where):
    if isinstance(value, bool):
        return value
    raise MalformedResponse(f"{where} must be a boolean")


def _to_int(value, where):
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise MalformedResponse(f"{where} must be an integer")


def _to_float(value, where):
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise MalformedResponse(f"{where} must be a number")


def _to_str(value, where):
    if isinstance(value, str):
        return value
    raise MalformedResponse(f"{where} must be a string")


_SCALARS = {bool: _to_bool, int: _to_int, float: _to_float, str: _to_str}


@dataclass
class ResponseInfo(WireModel):
    ResponseBody: str = ""
    ResponseCode: int = 0


@dataclass
class K8SPriceInfo(WireModel):
    Price: float = 0.0
    ChargeType: str = ""


@dataclass
class ContainerStatus(WireModel):
    PodName: str = ""
    Container: str = ""
    Reason: str = ""
    Ready: bool = False


@dataclass
class ComponentStatus(WireModel):
    Status: str = ""
    Details: list[ContainerStatus] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return bool(self.Details) and all(d.Ready for d in self.Details)


CONTROL_PLANE_COMPONENTS = (
    "ETCD",
    "KubeApiserver",
    "KubeTerminal",
    "KubeControllerManager",
    "KubeScheduler",
    "CSI",
    "CCM",
    "VK",
)


@dataclass
class ControllerPlaneStatus(WireModel):
    ETCD: ComponentStatus | None = None
    KubeApiserver: ComponentStatus | None = None
    KubeTerminal: ComponentStatus | None = None
    KubeControllerManager: ComponentStatus | None = None
    KubeScheduler: ComponentStatus | None = None
    CSI: ComponentStatus | None = None
    CCM: ComponentStatus | None = None
    VK: ComponentStatus | None = None

    def components(self) -> list[tuple[str, ComponentStatus]]:
        return [(n, getattr(self, n)) for n in CONTROL_PLANE_COMPONENTS if getattr(self, n)]

    def unready(self) -> list[str]:
        return [name for name, status in self.components() if not status.ready]


@dataclass
class IPAddress(WireModel):
    Type: str = ""
    Ip: str = ""
    Port: int = 0


@dataclass
class UnifiedTag(WireModel):
    Key: str = ""
    Value: str = ""


@dataclass
class ClusterInfo(WireModel):
    Name: str = ""
    Remark: str = ""
    Region: str = ""
    RegionAlias: str = ""
    CompanyID: int = 0
    CompanyName: str = ""
    Email: str = ""
    ProjectID: str = ""
    ProjectName: str = ""
    Reason: str = ""
    CreateTime: int = 0
    UpdateTime: int = 0
    ExpireTime: int = 0
    Tags: list[UnifiedTag] = field(default_factory=list)
    ChargeType: str = ""
    ClusterID: str = ""
    VpcID: str = ""
    VpcName: str = ""
    SubnetIDs: list[str] = field(default_factory=list)
    SubnetNames: list[str] = field(default_factory=list)
    ServiceCIDR: str = ""
    K8SVersion: str = ""
    StorageclassType: str = ""
    ComputeclassType: str = ""
    Status: str = ""
    State: str = ""
    Addresses: list[IPAddress] = field(default_factory=list)
    Kubeconfig: str = ""
    KubeconfigWan: str = ""
    Registry: str = ""
    APIServerEIPID: str = ""
    MaxCPU: int = 0
    MaxMemory: int = 0
    MaxPods: int = 0
    MaxStorage: int = 0
    # Sic: the spec spells it so on the wire (UpdateClusterCapacity says MaxStorageAllocation).
    MaxStoragAllocation: str = ""
    AllocatedCPU: int = 0
    AllocatedMemory: int = 0
    AllocatedPods: int = 0
    ControllerPlaneStatus: ControllerPlaneStatus | None = None


@dataclass
class SuperNodeGPUInfo(WireModel):
    GPUMdevName: str = ""
    GPU: int = 0


@dataclass
class SuperNodeInfo(WireModel):
    ClusterID: str = ""
    NodeName: str = ""
    VpcID: str = ""
    VpcName: str = ""
    SubnetIDs: list[str] = field(default_factory=list)
    SubnetNames: list[str] = field(default_factory=list)
    StorageclassType: str = ""
    ComputeclassType: str = ""
    OSType: str = ""
    ArchType: str = ""
    Status: str = ""
    Unschedulable: bool = False
    IsDefault: bool = False
    YamlData: str = ""
    MaxCPU: int = 0
    MaxMemory: int = 0
    MaxPods: int = 0
    UsedCPU: float = 0.0
    UsedMemory: float = 0.0
    UsedPods: float = 0.0
    AdjustableMaxCPU: int = 0
    AdjustableMaxMemory: int = 0
    AdjustableMaxPods: int = 0
    GPUInfos: list[SuperNodeGPUInfo] = field(default_factory=list)


@dataclass
class ContainerLogInfo(WireModel):
    Time: int = 0
    Body: str = ""


# One response model per action; fields beside RetCode/Action/Message.


@dataclass
class EmptyResponse(WireModel):
    pass


@dataclass
class ForwardClusterResponse(WireModel):
    Info: ResponseInfo = field(default_factory=ResponseInfo)


@dataclass
class SessionResponse(WireModel):
    SessionID: str = ""


@dataclass
class GetClusterPriceResponse(WireModel):
    Infos: list[K8SPriceInfo] = field(default_factory=list)


@dataclass
class CreateClusterResponse(WireModel):
    ClusterID: str = ""


@dataclass
class DescribeClusterResponse(WireModel):
    TotalCount: int = 0
    Infos: list[ClusterInfo] = field(default_factory=list)


@dataclass
class CreateSuperNodeResponse(WireModel):
    NodeName: str = ""


@dataclass
class DescribeSuperNodeResponse(WireModel):
    TotalCount: int = 0
    Infos: list[SuperNodeInfo] = field(default_factory=list)


@dataclass
class GetContainerLogsResponse(WireModel):
    TotalCount: int = 0
    Infos: list[ContainerLogInfo] = field(default_factory=list)


@dataclass
class PremiumResponse(WireModel):
    Price: float = 0.0
    OrderType: str = ""
