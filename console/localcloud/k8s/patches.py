"""PATCH bodies: JSON patch (RFC 6902), merge patch (RFC 7386), strategic merge patch with
the served kinds' list-merge keys (schema.py), and server-side apply with field managers
kept in metadata.managedFields.

Left out, on purpose: `$retainKeys` (dropped: the fields it would clear are kept) and
`$setElementOrder` (dropped: merged lists keep the order of the stored object, new items
last). Server-side apply tracks appliers only: an Update (create, replace, other patches)
does not record a manager, so conflicts are between two appliers.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import yaml

from .schema import JSON_FIELDS, Field

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"
TYPES = (JSON_PATCH, MERGE_PATCH, STRATEGIC, APPLY)


class PatchError(Exception):
    """A patch that cannot be applied: code and reason as the API server answers."""

    def __init__(self, code: int, reason: str, message: str, details: dict | None = None):
        super().__init__(message)
        self.code, self.reason, self.details = code, reason, details


def media_type(content_type: str) -> str:
    kind = content_type.split(";")[0].strip()
    if kind not in TYPES:
        raise PatchError(415, "UnsupportedMediaType", f"the patch type {kind} is not supported")
    return kind


def parse(kind: str, body: bytes):
    """The patch document: a list of operations for a JSON patch, else an object."""
    try:
        doc = yaml.safe_load(body) if kind == APPLY else json.loads(body or b"null")
    except (ValueError, yaml.YAMLError, RecursionError) as exc:
        raise PatchError(400, "BadRequest", f"the patch is not valid: {exc}") from None
    if kind == JSON_PATCH:
        if not isinstance(doc, list) or not all(isinstance(op, dict) for op in doc):
            raise PatchError(400, "BadRequest", "a JSON patch is a list of operations")
    elif not isinstance(doc, dict):
        raise PatchError(400, "BadRequest", "the patch must be an object")
    return doc


# --- RFC 7386 ---------------------------------------------------------------------------


def merge_patch(target, patch):
    """Objects merge key by key, null removes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


# --- RFC 6902 ---------------------------------------------------------------------------


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(422, "Invalid", f'the path "{path}" does not start with /')
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _index(container: list, token: str, path: str, adding: bool = False) -> int:
    if adding and token == "-":
        return len(container)
    if not token.isdigit() or (len(token) > 1 and token[0] == "0"):
        raise PatchError(422, "Invalid", f'"{token}" in "{path}" is not a list index')
    index = int(token)
    if index > len(container) or (index == len(container) and not adding):
        raise PatchError(422, "Invalid", f'the index in "{path}" is out of range')
    return index


def _parent(doc, parts: list[str], path: str):
    for token in parts[:-1]:
        if isinstance(doc, dict) and token in doc:
            doc = doc[token]
        elif isinstance(doc, list):
            doc = doc[_index(doc, token, path)]
        else:
            raise PatchError(422, "Invalid", f'the path "{path}" does not exist')
    return doc


def _get(doc, path: str):
    parts = _pointer(path)
    if not parts:
        return doc
    parent, last = _parent(doc, parts, path), parts[-1]
    if isinstance(parent, dict) and last in parent:
        return parent[last]
    if isinstance(parent, list):
        return parent[_index(parent, last, path)]
    raise PatchError(422, "Invalid", f'the path "{path}" does not exist')


def _remove(doc, path: str):
    parts = _pointer(path)
    if not parts:
        raise PatchError(422, "Invalid", "the whole object cannot be removed")
    parent, last = _parent(doc, parts, path), parts[-1]
    if isinstance(parent, dict) and last in parent:
        return parent.pop(last)
    if isinstance(parent, list):
        return parent.pop(_index(parent, last, path))
    raise PatchError(422, "Invalid", f'the path "{path}" does not exist')


def _add(doc, path: str, value):
    parts = _pointer(path)
    if not parts:
        return value
    parent, last = _parent(doc, parts, path), parts[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, last, path, adding=True), value)
    else:
        raise PatchError(422, "Invalid", f'the path "{path}" does not exist')
    return doc


def json_patch(doc: dict, operations: list[dict]) -> dict:
    """Each operation in order on a copy; any failure (a failed test too) changes nothing."""
    doc = copy.deepcopy(doc)
    for op in operations:
        name, path = op.get("op"), op.get("path")
        if not isinstance(path, str):
            raise PatchError(400, "BadRequest", f"the operation {op} has no path")
        if name in ("add", "replace", "test") and "value" not in op:
            raise PatchError(400, "BadRequest", f"the {name} operation at {path} has no value")
        if name == "add":
            doc = _add(doc, path, copy.deepcopy(op["value"]))
        elif name == "remove":
            _remove(doc, path)
        elif name == "replace":
            _remove(doc, path)
            doc = _add(doc, path, copy.deepcopy(op["value"]))
        elif name in ("move", "copy"):
            source = op.get("from")
            if not isinstance(source, str):
                raise PatchError(400, "BadRequest", f"the {name} operation has no from")
            if name == "move" and (path + "/").startswith(source + "/") and path != source:
                raise PatchError(422, "Invalid", f'"{source}" cannot move into itself')
            value = _remove(doc, source) if name == "move" else copy.deepcopy(_get(doc, source))
            doc = _add(doc, path, value)
        elif name == "test":
            if _get(doc, path) != op["value"]:
                raise PatchError(
                    422, "Invalid", f"testing value {path} failed: it is not {op['value']!r}"
                )
        else:
            raise PatchError(400, "BadRequest", f"unknown JSON patch operation {name!r}")
    if not isinstance(doc, dict):
        raise PatchError(422, "Invalid", "the patched document is not an object")
    return doc


# --- strategic merge patch --------------------------------------------------------------


def _fields(message: str | None) -> dict[str, Field]:
    return JSON_FIELDS.get(message or "", {})


def strategic_merge(original, patch, message: str | None):
    """Merge like a merge patch, but lists with a merge key merge item by item, and the
    directives `$patch: replace|delete` and `$deleteFromPrimitiveList/<field>` apply."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    directive = patch.get("$patch")
    if directive == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if not k.startswith("$")}
    if directive == "delete":
        return None
    if directive is not None:
        raise PatchError(400, "BadRequest", f"unknown $patch directive {directive!r}")
    result = copy.deepcopy(original) if isinstance(original, dict) else {}
    fields = _fields(message)
    for key, value in patch.items():
        if key.startswith("$deleteFromPrimitiveList/"):
            name = key.split("/", 1)[1]
            if isinstance(result.get(name), list) and isinstance(value, list):
                result[name] = [item for item in result[name] if item not in value]
            continue
        if key.startswith("$"):
            continue  # $retainKeys, $setElementOrder/…: see the module's docstring
        field = fields.get(key)
        if value is None:
            result.pop(key, None)
        elif isinstance(value, list) and field is not None and field.merge_key is not None:
            result[key] = _merge_list(result.get(key), value, field)
        elif isinstance(value, dict):
            inner = field.type if field is not None and field.shape != "map" else None
            if field is not None and field.shape == "map":
                merged = _merge_map(result.get(key), value, field.type)
            else:
                merged = strategic_merge(result.get(key), value, inner)
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
        else:
            result[key] = copy.deepcopy(value)
    return result


def _merge_map(original, patch: dict, value_type: str) -> dict | None:
    if patch.get("$patch") == "replace":
        return {k: v for k, v in patch.items() if k != "$patch"}
    if patch.get("$patch") == "delete":
        return None
    result = dict(original) if isinstance(original, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = strategic_merge(result.get(key), value, value_type)
    return result


def _merge_list(original, patch: list, field: Field) -> list:
    result = copy.deepcopy(original) if isinstance(original, list) else []
    if field.merge_key == "":  # a set of scalars: union, in order
        return result + [item for item in patch if item not in result]
    key = field.merge_key
    if any(isinstance(item, dict) and item.get("$patch") == "replace" for item in patch):
        return [copy.deepcopy(i) for i in patch if not (isinstance(i, dict) and "$patch" in i)]
    for item in patch:
        if not isinstance(item, dict) or key not in item:
            raise PatchError(
                400, "BadRequest", f"a {field.name} item without its merge key {key!r}"
            )
        at = next((i for i, old in enumerate(result) if old.get(key) == item[key]), None)
        if item.get("$patch") == "delete":
            if at is not None:
                result.pop(at)
        elif at is None:
            result.append({k: copy.deepcopy(v) for k, v in item.items() if k != "$patch"})
        else:
            result[at] = strategic_merge(result[at], item, field.type)
    return result


# --- server-side apply ------------------------------------------------------------------
# A field set is a dict tree as in managedFields' FieldsV1: "f:name" for a field, k:{json}
# for a list item by its merge key, v:json for an item of a set of scalars; a leaf is {}.


def field_set(obj, message: str | None) -> dict:
    """The fields an applied configuration sets."""
    found: dict = {}
    fields = _fields(message)
    for key, value in obj.items() if isinstance(obj, dict) else ():
        field = fields.get(key)
        if field is None or key in ("apiVersion", "kind"):
            if key not in ("apiVersion", "kind"):
                found[f"f:{key}"] = field_set(value, None) if isinstance(value, dict) else {}
            continue
        if field.shape == "list" and field.merge_key and isinstance(value, list):
            items = {}
            for item in value:
                if isinstance(item, dict) and field.merge_key in item:
                    name = json.dumps({field.merge_key: item[field.merge_key]}, sort_keys=True)
                    items[f"k:{name}"] = {".": {}, **field_set(item, field.type)}
            found[f"f:{key}"] = items
        elif field.shape == "list" and field.merge_key == "" and isinstance(value, list):
            found[f"f:{key}"] = {f"v:{json.dumps(item)}": {} for item in value}
        elif field.shape == "map" and isinstance(value, dict):
            found[f"f:{key}"] = {".": {}, **{f"f:{k}": {} for k in value}}
        elif isinstance(value, dict) and field.shape == "" and field.type in JSON_FIELDS:
            found[f"f:{key}"] = field_set(value, field.type)
        else:
            found[f"f:{key}"] = {}
    return found


def _leaves(fields: dict, prefix: tuple = (), items: bool = False) -> set[tuple]:
    """The paths of the fields set; with items, also of each list item and map owned
    whole (their "." mark), which a manager that stops applying them removes."""
    out = set()
    for key, child in fields.items():
        if key == ".":
            if items and prefix:
                out.add(prefix)
            continue
        path = (*prefix, key)
        out |= _leaves(child, path, items) if child else {path}
    return out


def _without(fields: dict, taken: set[tuple], prefix: tuple = ()) -> dict:
    """A field set less the leaves another manager took (forced); emptied parts go."""
    kept = {}
    for key, child in fields.items():
        path = (*prefix, key)
        if key == "." or (child and (rest := _without(child, taken, path)) and set(rest) != {"."}):
            kept[key] = {} if key == "." else rest
        elif not child and path not in taken:
            kept[key] = {}
    return kept


def _walk(obj, path: tuple):
    """(parent, key) of a field-set path in an object, or None when it is not there."""
    parent, key = None, None
    for part in path:
        kind, _, name = part.partition(":")
        if parent is not None:
            obj = parent[key]
        if kind == "f" and isinstance(obj, dict) and name in obj:
            parent, key = obj, name
        elif kind == "k" and isinstance(obj, list):
            wanted = json.loads(name)
            match = [i for i, item in enumerate(obj) if isinstance(item, dict) and all(
                item.get(k) == v for k, v in wanted.items())]  # fmt: skip
            if not match:
                return None
            parent, key = obj, match[0]
        elif kind == "v" and isinstance(obj, list) and json.loads(name) in obj:
            parent, key = obj, obj.index(json.loads(name))
        else:
            return None
    return parent, key


def _describe(path: tuple) -> str:
    text = ""
    for part in path:
        kind, _, name = part.partition(":")
        if kind == "f":
            text += f".{name}"
        elif kind == "k":
            text += (
                "[" + ",".join(f"{k}={json.dumps(v)}" for k, v in json.loads(name).items()) + "]"
            )
        else:
            text += f"[={name}]"
    return text


def _managers(obj: dict) -> list[dict]:
    return [
        m for m in (obj.get("metadata") or {}).get("managedFields") or [] if isinstance(m, dict)
    ]


def server_side_apply(
    current: dict | None, applied: dict, kind: str, manager: str, force: bool
) -> dict:
    """The object after `manager` applies `applied` (current is None: a create)."""
    if not manager:
        raise PatchError(400, "BadRequest", "fieldManager is required for apply requests", None)
    applied = {k: v for k, v in applied.items() if k != "status"}
    (applied.get("metadata") or {}).pop("managedFields", None)
    mine = _leaves(field_set(applied, kind))
    others = [m for m in _managers(current or {}) if m.get("manager") != manager]
    before = next((m for m in _managers(current or {}) if m.get("manager") == manager), None)
    if current is None:
        result = copy.deepcopy(applied)
    else:
        conflicts = []
        for other in others:
            theirs = _leaves(other.get("fieldsV1") or {})
            for path in sorted(mine & theirs):
                now, wanted = _walk(current, path), _walk(applied, path)
                if now is None or wanted is None or now[0][now[1]] != wanted[0][wanted[1]]:
                    conflicts.append((other.get("manager", ""), path))
        if conflicts and not force:
            raise _conflict(conflicts, applied.get("apiVersion", ""))
        if force:
            for other in others:
                other["fieldsV1"] = _without(other.get("fieldsV1") or {}, mine)
            others = [o for o in others if o["fieldsV1"]]
        result = strategic_merge(current, applied, kind)
        # What this manager applied last time and no longer does is removed, unless another
        # manager still owns it.
        owned = set().union(*(_leaves(o.get("fieldsV1") or {}, items=True) for o in others))
        mine_whole = _leaves(field_set(applied, kind), items=True)
        dropped = _leaves((before or {}).get("fieldsV1") or {}, items=True) - mine_whole - owned
        for path in dropped:
            if any(path[:n] in dropped for n in range(1, len(path))):
                continue  # its item or map goes whole
            found = _walk(result, path)
            if found is not None:
                found[0].pop(found[1])
    entry = {
        "manager": manager,
        "operation": "Apply",
        "apiVersion": applied.get("apiVersion", ""),
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "fieldsType": "FieldsV1",
        "fieldsV1": field_set(applied, kind),
    }
    result.setdefault("metadata", {})["managedFields"] = [*others, entry]
    return result


def _conflict(conflicts: list[tuple[str, tuple]], api_version: str) -> PatchError:
    causes = [
        {
            "type": "FieldManagerConflict",
            "message": f'conflict with "{manager}" using {api_version}',
            "field": _describe(path),
        }
        for manager, path in conflicts
    ]
    if len(causes) == 1:
        text = f"1 conflict: {causes[0]['message']}: {causes[0]['field']}"
    else:
        text = f"{len(causes)} conflicts: " + "\n".join(
            f"{c['message']}: {c['field']}" for c in causes
        )
    return PatchError(409, "Conflict", f"Apply failed with {text}", {"causes": causes})
