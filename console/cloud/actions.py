"""The cloud API's 18 actions as one declarative table: the single source of truth.

The client validates outgoing calls with it, localcloud validates incoming ones with it,
and tests/test_actions_spec.py checks it against docs/api/k8s-api.md field by field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from . import models

INTEGER = "integer"
STRING = "string"
BOOL = "bool"
STRING_ARRAY = "array<string>"

# RetCodes of the wire protocol (DESIGN.md).
OK = 0
MISSING_PARAM = 3
BAD_FORMAT = 4
MISSING_ACTION = 101
BAD_REGION = 102
MISSING_PUBLIC_KEY = 103
MISSING_SIGNATURE = 104
BAD_SIGNATURE = 109
NO_SUCH_ACTION = 110
ADMIN_ONLY = 111
CHECK_FAILED = 113
NO_PERMISSION = 114
TOO_FREQUENT = 199
NOT_FOUND = 200
WRONG_STATE = 201
WRONG_STATE_OTHER = 202
QUOTA_EXCEEDED = 17005
BALANCE_INSUFFICIENT = 23001
SESSION_NOT_FOUND = 1009
SESSION_EXPIRED = 1010


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    required: bool = False


@dataclass(frozen=True)
class Action:
    name: str
    params: tuple[Param, ...]
    response: type
    # Only reads may be retried by the client: a retried create could create twice.
    idempotent: bool = False

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


def _p(name: str, type_: str = STRING, required: bool = False) -> Param:
    return Param(name, type_, required)


def _req(name: str, type_: str = STRING) -> Param:
    return Param(name, type_, True)


_COMPANY = _p("CompanyID", INTEGER)
_REGION = _req("Region")
_CLUSTER = _req("ClusterID")

_ACTION_LIST = [
    Action(
        "ForwardCluster",
        (
            _COMPANY,
            _REGION,
            _CLUSTER,
            _p("Language"),
            _p("Method"),
            _p("Path"),
            _p("Version"),
            _p("RequestBody"),
            _p("EncodedBody", BOOL),
            _p("Accept"),
            _p("ContentType"),
        ),
        models.ForwardClusterResponse,
    ),
    Action(
        "AllocateK8SSession",
        (
            _COMPANY,
            _REGION,
            _CLUSTER,
            _p("NameSpace"),
            _req("PodName"),
            _p("ContainerName"),
            _p("CmdName"),
        ),
        models.SessionResponse,
    ),
    Action("AllocateK8STerminal", (_COMPANY, _REGION, _CLUSTER), models.SessionResponse),
    Action(
        "GetClusterPrice",
        (
            _REGION,
            _COMPANY,
            _req("ChargeType"),
            _p("Quantity", INTEGER),
            _req("ComputeclassType"),
            _req("StorageclassType"),
            _p("CPU", INTEGER),
            _p("Memory", INTEGER),
            _p("HighAvailability"),
            _p("ClusterID"),
        ),
        models.GetClusterPriceResponse,
        idempotent=True,
    ),
    Action(
        "CreateCluster",
        (
            _req("Name"),
            _p("Remark"),
            _REGION,
            _p("ProjectID"),
            _COMPANY,
            _req("TagKeyValuePairs", STRING_ARRAY),
            _req("ChargeType"),
            _req("Quantity", INTEGER),
            _p("ApplicationName"),
            _p("ApplicationReason"),
            _req("VpcID"),
            _req("SubnetID"),
            _p("ServiceCIDR"),
            _p("EIPID"),
            _req("K8SVersion"),
            _req("StorageclassType"),
            _req("ComputeclassType"),
            _p("HighAvailability"),
        ),
        models.CreateClusterResponse,
    ),
    Action(
        "DescribeCluster",
        (
            _REGION,
            _p("ClusterIDs", STRING_ARRAY),
            _p("ProjectIDs", STRING_ARRAY),
            _p("Keyword"),
            _COMPANY,
            _p("Limit", INTEGER),
            _p("Offset", INTEGER),
        ),
        models.DescribeClusterResponse,
        idempotent=True,
    ),
    Action(
        "UpdateCluster",
        (_COMPANY, _REGION, _CLUSTER, _req("SubnetIDs", STRING_ARRAY)),
        models.EmptyResponse,
    ),
    Action("AttachClusterEIP", (_COMPANY, _REGION, _CLUSTER, _req("EIPID")), models.EmptyResponse),
    Action("DetachClusterEIP", (_COMPANY, _REGION, _CLUSTER), models.EmptyResponse),
    Action(
        "UpdateClusterCapacity",
        (
            _COMPANY,
            _REGION,
            _CLUSTER,
            _p("MaxCPU", INTEGER),
            _p("MaxMemory", INTEGER),
            _p("MaxPods", INTEGER),
            _p("MaxStorage", INTEGER),
            _p("MaxStorageAllocation"),
        ),
        models.EmptyResponse,
    ),
    Action("DeleteCluster", (_COMPANY, _REGION, _CLUSTER), models.EmptyResponse),
    Action(
        "CreateSuperNode",
        (
            _COMPANY,
            _REGION,
            _CLUSTER,
            _req("NodeName"),
            _p("StorageclassType"),
            _req("ComputeclassType"),
            _p("MaxCPU", INTEGER),
            _p("MaxMemory", INTEGER),
            _p("MaxPods", INTEGER),
        ),
        models.CreateSuperNodeResponse,
    ),
    Action(
        "DescribeSuperNode",
        (
            _COMPANY,
            _REGION,
            _CLUSTER,
            _p("NodeNames", STRING_ARRAY),
            _p("Limit", INTEGER),
            _p("Offset", INTEGER),
        ),
        models.DescribeSuperNodeResponse,
        idempotent=True,
    ),
    Action(
        "UpdateSuperNode",
        (
            _COMPANY,
            _REGION,
            _CLUSTER,
            _req("NodeName"),
            _p("MaxCPU", INTEGER),
            _p("MaxMemory", INTEGER),
            _p("MaxPods", INTEGER),
        ),
        models.EmptyResponse,
    ),
    Action(
        "DeleteSuperNode", (_COMPANY, _REGION, _CLUSTER, _req("NodeName")), models.EmptyResponse
    ),
    Action(
        "GetContainerLogs",
        (
            _COMPANY,
            _REGION,
            _CLUSTER,
            _req("Namespace"),
            _req("Pod"),
            _req("Container"),
            _p("Keywords", STRING_ARRAY),
            _p("KeywordsIgnore", STRING_ARRAY),
            _p("LineLimit", INTEGER),
            _p("Start", INTEGER),
            _p("End", INTEGER),
            _p("NotInCluster", BOOL),
        ),
        models.GetContainerLogsResponse,
        idempotent=True,
    ),
    Action(
        "UpdateSuperNodeGPU",
        (
            _COMPANY,
            _REGION,
            _CLUSTER,
            _req("NodeName"),
            _req("GPUMdevName"),
            _p("GPU", INTEGER),
        ),
        models.EmptyResponse,
    ),
    Action(
        "GetClusterPaymentOfPremium",
        (
            _REGION,
            _COMPANY,
            _p("ClusterID"),
            _p("SuperNode"),
            _p("GPUMdevName"),
            _p("GPU", INTEGER),
        ),
        models.PremiumResponse,
        idempotent=True,
    ),
]

ACTIONS: dict[str, Action] = {a.name: a for a in _ACTION_LIST}


class InvalidParams(Exception):
    """A call that breaks the table: ret_code is MISSING_PARAM or BAD_FORMAT."""

    def __init__(self, ret_code: int, message: str, param: str):
        super().__init__(message)
        self.ret_code = ret_code
        self.message = message
        self.param = param


_INTEGER_TEXT = re.compile(r"-?[0-9]+")
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_TRUE = {"true", "1"}
_FALSE = {"false", "0"}


def coerce(param: Param, value: Any) -> Any:
    """Turn one wire value (a string from a form or query, or a JSON value) into Python."""
    if param.type == STRING_ARRAY:
        items = value if isinstance(value, list | tuple) else [value]
        out = []
        for item in items:
            if isinstance(item, dict | list | tuple):
                raise InvalidParams(
                    BAD_FORMAT, f"{param.name} must be an array of strings", param.name
                )
            out.append(scalar_text(item))
        return out
    if isinstance(value, dict | list | tuple):
        raise InvalidParams(BAD_FORMAT, f"{param.name} must be a {param.type}", param.name)
    if param.type == INTEGER:
        number = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        elif isinstance(value, str) and _INTEGER_TEXT.fullmatch(value.strip()):
            number = int(value.strip())
        if number is None or not INT64_MIN <= number <= INT64_MAX:
            raise InvalidParams(BAD_FORMAT, f"{param.name} must be a 64-bit integer", param.name)
        return number
    if param.type == BOOL:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise InvalidParams(BAD_FORMAT, f"{param.name} must be true or false", param.name)
    return scalar_text(value)


def scalar_text(value: Any) -> str:
    """The wire text of a scalar: booleans as true/false, whole floats without '.0'."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == ()


def validate(action: Action, params: dict[str, Any]) -> dict[str, Any]:
    """Check and convert the parameters of one call; unknown names are dropped.

    Raises InvalidParams naming the first parameter that is missing or malformed.
    """
    cleaned: dict[str, Any] = {}
    for param in action.params:
        value = params.get(param.name)
        if _is_empty(value):
            if param.required:
                raise InvalidParams(MISSING_PARAM, f"Missing params: {param.name}", param.name)
            continue
        converted = coerce(param, value)
        if param.required and _is_empty(converted):
            raise InvalidParams(MISSING_PARAM, f"Missing params: {param.name}", param.name)
        cleaned[param.name] = converted
    return cleaned
