"""Rebuilds proto_schema.py (the protobuf field table) from checkouts of k8s.io/api and
k8s.io/apimachinery; a developer's tool, never imported by the server.

    python -m console.localcloud.k8s.proto_schema_build API_DIR APIMACHINERY_DIR > \
        console/localcloud/k8s/proto_schema.py

Field numbers and types come from each package's generated.proto; what JSON does with a
field (its name, `,inline`, whether a zero value is written: a pointer or a tag without
omitempty) comes from the protobuf/json tags in types.go, matched by field number.
Only the messages reachable from the kinds localcloud serves are written.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

# (folder under its repository, repository) of each package the served kinds reach.
PACKAGES = [
    ("core/v1", "api"),
    ("apps/v1", "api"),
    ("batch/v1", "api"),
    ("autoscaling/v1", "api"),
    ("pkg/apis/meta/v1", "apimachinery"),
]
ROOTS = [
    "Namespace", "Pod", "Service", "ConfigMap", "Secret", "Event", "Node", "Deployment",
    "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "Scale",
]  # fmt: skip
# Messages with a JSON form of their own (see codec_protobuf.py).
LEAVES = {
    "Time": "time",
    "MicroTime": "microtime",
    "Duration": "duration",
    "Quantity": "quantity",
    "IntOrString": "intstr",
    "RawExtension": "raw",
    "FieldsV1": "raw",
}
SCALARS = {"string", "bool", "bytes", "int32", "int64", "uint32", "uint64", "double", "float"}
_FIELD = re.compile(
    r"^\s*(optional|repeated|required)?\s*(map<\s*(\S+)\s*,\s*(\S+)\s*>|\S+)\s+(\w+)\s*=\s*(\d+);"
)
_TAG = re.compile(r'^\s+(?:(\w+)\s+)?(\S+)\s+`json:"([^"]*)"[^`]*protobuf:"\w+,(\d+),')


def _short(type_name: str) -> str:
    return type_name.rsplit(".", 1)[-1]


def proto_messages(text: str) -> dict[str, dict[int, tuple[str, str, str]]]:
    """message -> number -> (proto name, type, "" | "rep" | "map")."""
    messages: dict[str, dict[int, tuple[str, str, str]]] = {}
    current = None
    for line in text.splitlines():
        line = line.split("//", 1)[0]
        if found := re.match(r"^message (\w+) \{", line):
            current = messages.setdefault(found[1], {})
        elif line.startswith("}"):
            current = None
        elif current is not None and (found := _FIELD.match(line)):
            label, type_name, _, map_value, name, number = found.groups()
            if map_value:
                current[int(number)] = (name, _short(map_value), "map")
            else:
                shape = "rep" if label == "repeated" else ""
                current[int(number)] = (name, _short(type_name), shape)
    return messages


def go_tags(text: str) -> dict[str, dict[int, tuple[str, bool, bool, bool, str | None]]]:
    """struct -> number -> (json name, inline, omitempty, pointer, merge key or None)."""
    structs: dict[str, dict[int, tuple[str, bool, bool, bool, str | None]]] = {}
    current = None
    for line in text.splitlines():
        if found := re.match(r"^type (\w+) struct \{", line):
            current = structs.setdefault(found[1], {})
        elif line.startswith("}"):
            current = None
        elif current is not None and (found := _TAG.match(line)):
            _, go_type, json_tag, number = found.groups()
            name, *options = json_tag.split(",")
            inline = "inline" in options
            omit = "omitempty" in options or "omitzero" in options
            merge_key = None
            if "merge" in (re.search(r'patchStrategy:"([^"]*)"', line) or ["", ""])[1]:
                merge_key = (re.search(r'patchMergeKey:"([^"]*)"', line) or ["", ""])[1]
            current[int(number)] = (name, inline, omit, go_type.startswith("*"), merge_key)
    return structs


def build(api: Path, apimachinery: Path) -> str:
    found: dict[str, list[dict[int, tuple[str, str, str]]]] = {}
    tags: dict[str, dict[int, tuple[str, bool, bool, bool, str | None]]] = {}
    for folder, repo in PACKAGES:
        root = (api if repo == "api" else apimachinery) / folder
        for name, fields in proto_messages((root / "generated.proto").read_text()).items():
            found.setdefault(name, []).append(fields)
        for path in sorted(root.glob("types*.go")):
            tags.update(go_tags(path.read_text()))
    messages: dict[str, dict[int, tuple[str, str, str]]] = {}
    wanted, queue = [], list(ROOTS)
    while queue:
        name = queue.pop(0)
        if name in wanted or name in LEAVES:
            continue
        if len(found[name]) > 1:
            raise SystemExit(f"two messages named {name}: qualify them first")
        messages[name] = found[name][0]
        wanted.append(name)
        for _, type_name, _ in messages[name].values():
            if type_name not in SCALARS and type_name not in LEAVES:
                queue.append(type_name)
    lines = [
        '"""The protobuf field table of the kinds localcloud serves: facts (numbers, types,',
        "JSON names) from k8s.io/api v0.36 and k8s.io/apimachinery; written by",
        'proto_schema_build.py, do not edit by hand."""',
        "",
        "# One message per entry: `number jsonName type`, where type is a scalar, a message, a",
        "# leaf (time, microtime, duration, quantity, intstr, raw), [T] a list or {T} a map of",
        "# string to T; a trailing = writes a zero value to JSON (a pointer, or no omitempty);",
        "# a name of - means the message is inlined into its parent in JSON; @key after a list",
        "# merges it by that key in a strategic merge patch (@ alone: a set of scalars).",
        'TABLE = """',
    ]
    for name in wanted:
        entries = []
        for number, (proto_name, type_name, shape) in sorted(messages[name].items()):
            json_name, inline, omit, pointer, merge_key = tags.get(name, {}).get(
                number, (proto_name, False, True, False, None)
            )
            type_code = LEAVES.get(type_name, type_name)
            if shape == "rep":
                type_code = f"[{type_code}]"
            elif shape == "map":
                type_code = "{" + type_code + "}"
            if type_name in SCALARS and shape == "" and (pointer or not omit):
                type_code += "="
            if merge_key is not None:
                type_code += f"@{merge_key}"
            entries.append(f"{number} {'-' if inline else json_name} {type_code}")
        line = f"{name}:"
        for entry in entries:
            if len(line) + len(entry) + 3 > 100:
                lines.append(line + ";")
                line = "  " + entry
            else:
                line += (" " if line.endswith(":") else "; ") + entry
        lines.append(line)
    lines.append('"""')
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(build(Path(sys.argv[1]), Path(sys.argv[2])))
