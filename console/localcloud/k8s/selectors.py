"""labelSelector and fieldSelector as the API server reads them."""

from __future__ import annotations

import re

_SET = re.compile(r"^\s*(!?)([\w./-]+)\s*(?:(in|notin)\s*\(([^)]*)\))?\s*$")
_EQ = re.compile(r"^\s*([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)\s*$")


class SelectorError(ValueError):
    pass


def _split(text: str) -> list[str]:
    """Split on commas outside parentheses: `a in (x,y),b` is two requirements."""
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    if current.strip():
        parts.append(current)
    return parts


def label_matcher(text: str):
    tests = []
    for part in _split(text or ""):
        eq = _EQ.match(part)
        if eq:
            key, op, value = eq.groups()
            tests.append(lambda labels, k=key, o=op, v=value: (labels.get(k) == v) != (o == "!="))
            continue
        found = _SET.match(part)
        if not found:
            raise SelectorError(f"unable to parse requirement: {part.strip()!r}")
        negated, key, op, values = found.groups()
        if op:
            options = {v.strip() for v in values.split(",")}
            tests.append(
                lambda labels, k=key, o=op, s=options: (
                    (labels.get(k) in s) == (o == "in") if k in labels else o == "notin"
                )
            )
        else:
            tests.append(lambda labels, k=key, n=bool(negated): (k in labels) != n)
    return lambda labels: all(test(labels or {}) for test in tests)


FIELDS = {
    "metadata.name": lambda o: o["metadata"]["name"],
    "metadata.namespace": lambda o: o["metadata"].get("namespace", ""),
    # An Event's fields (kubectl describe asks for an object's events by them).
    **{
        f"involvedObject.{key}": lambda o, k=key: str((o.get("involvedObject") or {}).get(k, ""))
        for key in ("kind", "name", "namespace", "uid", "apiVersion")
    },
    "reason": lambda o: str(o.get("reason", "")),
    "type": lambda o: str(o.get("type", "")),
}


def field_matcher(text: str):
    tests = []
    for part in _split(text or ""):
        eq = _EQ.match(part)
        if not eq or eq.group(1) not in FIELDS:
            raise SelectorError(f"field label not supported: {part.strip()!r}")
        key, op, value = eq.groups()
        tests.append(lambda obj, f=FIELDS[key], o=op, v=value: (f(obj) == v) != (o == "!="))
    return lambda obj: all(test(obj) for test in tests)
