"""Request bodies in Kubernetes' protobuf (`application/vnd.kubernetes.protobuf`) decoded to
the JSON objects a JSON body of the same object gives, with proto_schema.py's field table.

The envelope is the magic `k8s\\0` and a runtime.Unknown {typeMeta{apiVersion=1, kind=2}=1,
raw=2, contentEncoding=3, contentType=4}; raw is the object's message. The messages are
proto2 as Go's gogo-protobuf writes them: non-pointer fields always present (so a zero value
is written to JSON only where Go's JSON would write it: the table's `=`), maps as repeated
{key=1, value=2} entries. Unknown field numbers are skipped, as the API server's protobuf
decoder does (its fieldValidation applies to JSON and YAML only).
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

from .schema import MESSAGES, SCALARS

MAGIC = b"k8s\x00"
CONTENT_TYPE = "application/vnd.kubernetes.protobuf"
MAX_DEPTH = 100  # messages inside messages; real objects stay far below

_VARINT, _FIXED64, _BYTES, _FIXED32 = 0, 1, 2, 5


class ProtobufError(ValueError):
    """The body is not a protobuf object localcloud can read; the message says why."""


def decode(body: bytes) -> dict:
    """The JSON object of a protobuf request body; ProtobufError when it is not one."""
    if not body.startswith(MAGIC):
        raise ProtobufError("the protobuf body does not start with the k8s magic number")
    envelope = _fields(body[len(MAGIC) :])
    type_meta = _fields(_last(envelope, 1, _BYTES, b""))
    api_version = _text(_last(type_meta, 1, _BYTES, b""))
    kind = _text(_last(type_meta, 2, _BYTES, b""))
    if _text(_last(envelope, 3, _BYTES, b"")):
        raise ProtobufError("a content encoding of the protobuf body is not supported")
    if kind not in MESSAGES or not api_version:
        raise ProtobufError(f"the protobuf body holds a {kind or 'missing kind'}, not an object")
    obj = _message(kind, _last(envelope, 2, _BYTES, b""), 0)
    return {"apiVersion": api_version, "kind": kind, **obj}


def _last(fields: list[tuple[int, int, object]], number: int, wire: int, default):
    value = default
    for found, found_wire, found_value in fields:
        if found == number:
            if found_wire != wire:
                raise ProtobufError(f"field {number} of the envelope has the wrong wire type")
            value = found_value
    return value


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if at >= len(data) or shift > 63:
            raise ProtobufError("the protobuf body ends inside a number")
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at += 1
        if byte < 0x80:
            return value & 0xFFFFFFFFFFFFFFFF, at
        shift += 7


def _fields(data: bytes) -> list[tuple[int, int, object]]:
    """(number, wire type, int or bytes) of each field, in order."""
    fields, at = [], 0
    while at < len(data):
        key, at = _varint(data, at)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise ProtobufError("the protobuf body has a field numbered 0")
        if wire == _VARINT:
            value, at = _varint(data, at)
        elif wire == _BYTES:
            size, at = _varint(data, at)
            if at + size > len(data):
                raise ProtobufError("the protobuf body ends inside a field")
            value, at = data[at : at + size], at + size
        elif wire in (_FIXED64, _FIXED32):
            size = 8 if wire == _FIXED64 else 4
            if at + size > len(data):
                raise ProtobufError("the protobuf body ends inside a field")
            value, at = data[at : at + size], at + size
        else:
            raise ProtobufError(f"the protobuf body uses wire type {wire}, which k8s never writes")
        fields.append((number, wire, value))
    return fields


def _text(value: bytes) -> str:
    try:
        return value.decode()
    except UnicodeDecodeError:
        raise ProtobufError("a string of the protobuf body is not UTF-8") from None


def _signed(value: int, bits: int) -> int:
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def _scalar(type_code: str, wire: int, value, where: str):
    if type_code in ("string", "bytes"):
        if wire != _BYTES:
            raise ProtobufError(f"{where}: a {type_code} with the wrong wire type")
        return _text(value) if type_code == "string" else base64.b64encode(value).decode()
    if wire != _VARINT:
        raise ProtobufError(f"{where}: a {type_code} with the wrong wire type")
    if type_code == "bool":
        return value != 0
    if type_code == "int32":
        return _signed(value, 32)
    if type_code == "int64":
        return _signed(value, 64)
    return value & (0xFFFFFFFF if type_code == "uint32" else 0xFFFFFFFFFFFFFFFF)


def _scalars(type_code: str, wire: int, value, where: str) -> list:
    """A repeated number may come packed (one length-delimited run) or one by one."""
    if wire == _BYTES and type_code not in ("string", "bytes"):
        items, at = [], 0
        while at < len(value):
            item, at = _varint(value, at)
            items.append(_scalar(type_code, _VARINT, item, where))
        return items
    return [_scalar(type_code, wire, value, where)]


def _value(type_code: str, wire: int, value, depth: int, where: str):
    if type_code in SCALARS:
        return _scalar(type_code, wire, value, where)
    if wire != _BYTES:
        raise ProtobufError(f"{where}: a message with the wrong wire type")
    if type_code in ("time", "microtime"):
        return _time(_fields(value), micro=type_code == "microtime", where=where)
    if type_code == "quantity":
        return _text(_last(_fields(value), 1, _BYTES, b""))
    if type_code == "intstr":
        fields = _fields(value)
        if _last(fields, 1, _VARINT, 0) == 1:
            return _text(_last(fields, 3, _BYTES, b""))
        return _signed(_last(fields, 2, _VARINT, 0), 32)
    if type_code == "raw":
        raw = _last(_fields(value), 1, _BYTES, b"")
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            raise ProtobufError(f"{where}: the embedded object is not JSON") from None
        except RecursionError:
            raise ProtobufError(f"{where}: nested more than {MAX_DEPTH} levels deep") from None
    if type_code not in MESSAGES:
        raise ProtobufError(f"{where}: {type_code} is not a type localcloud reads")
    return _message(type_code, value, depth + 1)


def _time(fields, micro: bool, where: str) -> str | None:
    seconds = _signed(_last(fields, 1, _VARINT, 0), 64)
    nanos = _signed(_last(fields, 2, _VARINT, 0), 32)
    if seconds == 0 and nanos == 0:
        return None  # Go's zero time, which JSON writes as null
    try:
        moment = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise ProtobufError(f"{where}: a time out of range") from None
    if micro:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{nanos // 1000:06d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _message(name: str, data: bytes, depth: int) -> dict:
    if depth > MAX_DEPTH:
        raise ProtobufError(f"the protobuf body is nested more than {MAX_DEPTH} levels deep")
    table = MESSAGES[name]
    obj: dict = {}
    for number, wire, value in _fields(data):
        if number not in table:
            continue  # a field of a newer version, dropped as the API server drops it
        spec = table[number]
        json_name, type_code, shape, zero = spec.name, spec.type, spec.shape, spec.zero
        where = f"{name}.{json_name}"
        if shape == "map":
            if wire != _BYTES:
                raise ProtobufError(f"{where}: a map entry with the wrong wire type")
            entry = _fields(value)
            key = _text(_last(entry, 1, _BYTES, b""))
            item = _value(type_code, *_entry_value(entry, type_code), depth, where)
            obj.setdefault(json_name, {})[key] = item
        elif shape == "list":
            if type_code in SCALARS:
                obj.setdefault(json_name, []).extend(_scalars(type_code, wire, value, where))
            else:
                obj.setdefault(json_name, []).append(_value(type_code, wire, value, depth, where))
        else:
            item = _value(type_code, wire, value, depth, where)
            if json_name == "-":
                obj.update(item)
            elif item is None or (type_code in SCALARS and not zero and not item):
                obj.pop(json_name, None)  # Go's omitempty
            else:
                obj[json_name] = item
    return obj


def _entry_value(entry, type_code: str) -> tuple[int, object]:
    for number, wire, value in reversed(entry):
        if number == 2:
            return wire, value
    # An entry without a value is the zero value of its type.
    return (_BYTES, b"") if type_code not in ("bool", "int32", "int64") else (_VARINT, 0)
