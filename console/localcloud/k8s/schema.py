"""The served kinds' field table (proto_schema.py) parsed: each message's fields by number
for the protobuf codec, and by JSON name (inlined messages flattened) for patches."""

from __future__ import annotations

from dataclasses import dataclass

from .proto_schema import TABLE

SCALARS = {"string", "bool", "bytes", "int32", "int64", "uint32", "uint64"}


@dataclass(frozen=True)
class Field:
    name: str  # the JSON name; "-" for a message inlined into its parent
    type: str  # a scalar, a leaf (time, quantity, intstr, raw, …) or a message
    shape: str  # "" one value, "list", or "map" (string keys)
    zero: bool  # a zero value is written to JSON (a pointer, or no omitempty)
    merge_key: str | None  # a strategic merge patch merges this list by it ("" scalars)


def _parse(text: str) -> dict[str, dict[int, Field]]:
    messages: dict[str, dict[int, Field]] = {}
    name = ""
    for line in text.strip().splitlines():
        if not line.startswith(" "):
            name, _, line = line.partition(":")
            messages[name] = {}
        for entry in filter(None, (part.strip() for part in line.split(";"))):
            number, json_name, type_code = entry.split()
            type_code, at, merge_key = type_code.partition("@")
            zero = type_code.endswith("=")
            type_code = type_code.rstrip("=")
            shape = {"[": "list", "{": "map"}.get(type_code[0], "")
            messages[name][int(number)] = Field(
                json_name, type_code.strip("[]{}"), shape, zero, merge_key if at else None
            )
    return messages


MESSAGES = _parse(TABLE)


def _by_json(name: str) -> dict[str, Field]:
    fields: dict[str, Field] = {}
    for found in MESSAGES[name].values():
        if found.name == "-":
            fields.update(_by_json(found.type))
        else:
            fields[found.name] = found
    return fields


JSON_FIELDS = {name: _by_json(name) for name in MESSAGES}
