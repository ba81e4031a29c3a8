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


def unknown_fields(obj, message: str, path: str = "", drop: bool = False) -> list[str]:
    """The JSON paths in obj that its message does not have, as the API server's strict
    decoding names them (`spec.template.spec.containers[0].imagee`), removed from obj with
    drop (as decoding into Go types drops them); `$` directives of a strategic merge patch
    are not fields."""
    fields = JSON_FIELDS.get(message)
    if fields is None or not isinstance(obj, dict):
        return []
    found = []
    for key, value in list(obj.items()):
        where = f"{path}.{key}" if path else key
        field = fields.get(key)
        if field is None:
            if not key.startswith("$") and not (path == "" and key in ("apiVersion", "kind")):
                found.append(where)
                if drop:
                    del obj[key]
        elif field.shape == "list" and isinstance(value, list):
            for i, item in enumerate(value):
                found += unknown_fields(item, field.type, f"{where}[{i}]", drop)
        elif field.shape == "map" and isinstance(value, dict):
            for name, item in value.items():
                found += unknown_fields(item, field.type, f"{where}.{name}", drop)
        else:
            found += unknown_fields(value, field.type, where, drop)
    return found
