"""JSON log lines: their fields as `key: value` chips (every key and value escaped), and
`key:value` filters that match a field's value exactly (nested keys joined by dots)."""

from __future__ import annotations

import json
import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .render import log_body_html

MAX_JSON = 64 * 1024  # a longer body is shown as text: parsing it is not worth the time
MAX_FIELDS = 60
MAX_DEPTH = 4
FIELD_KEY = re.compile(r"^[A-Za-z0-9_@$][A-Za-z0-9_.@$/-]{0,99}$")
# A value of these characters is written literally by every JSON encoder, so it can also
# go to the cloud as a keyword: the cloud then returns only lines that may match.
_LITERAL = re.compile(r"^[A-Za-z0-9_.-]+$")


def fields_of(body: str) -> list[tuple[str, str]] | None:
    """[(dotted key, value as text)] of a JSON object line, or None for any other line."""
    text = body.strip()
    if not (text[:1] == "{" and text[-1:] == "}") or len(text) > MAX_JSON:
        return None
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):  # a line nested past the parser's depth is text
        return None
    if not isinstance(obj, dict):
        return None
    out: list[tuple[str, str]] = []
    _flatten(obj, "", 1, out)
    return out


def _flatten(obj: dict, prefix: str, depth: int, out: list) -> None:
    for key, value in obj.items():
        if len(out) >= MAX_FIELDS:
            return
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value and depth < MAX_DEPTH:
            _flatten(value, name + ".", depth + 1, out)
        else:
            out.append((name, _text(value)))


def _text(value) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def parse_filter(word: str) -> tuple[str, str]:
    """`key:value` -> (key, value); ValueError with a sentence for anything else."""
    key, colon, value = word.partition(":")
    if not colon or not FIELD_KEY.match(key) or value == "":
        raise ValueError(
            _("'%(word)s' is not a field filter: write key:value, such as status:500.")
            % {"word": word}
        )
    return key, value


def matches(fields: list[tuple[str, str]] | None, wanted: list[tuple[str, str]]) -> bool:
    """Does every wanted (key, value) hold? A value of * asks only that the key be there."""
    if fields is None:
        return not wanted
    have: dict[str, set[str]] = {}
    for key, value in fields:
        have.setdefault(key, set()).add(value)
    return all(key in have and (value == "*" or value in have[key]) for key, value in wanted)


def keywords_for(wanted: list[tuple[str, str]]) -> list[str]:
    """Values that every matching line contains as written, for the cloud's Keywords."""
    return [value for _key, value in wanted if value != "*" and _LITERAL.match(value)]


def fields_html(fields: list[tuple[str, str]], keywords: list[str]) -> SafeString:
    """The chips of one JSON line; values go through the page's own body renderer."""
    chips = "".join(
        f'<span class="field"><span class="fk">{escape(key)}</span>: '
        f'<span class="fv">{log_body_html(value, keywords)}</span></span> '
        for key, value in fields
    )
    return mark_safe(chips)  # noqa: S308 - keys escaped, values from log_body_html


def body_html(body: str, keywords: list[str]) -> SafeString:
    fields = fields_of(body) if body[:1] in "{ " else None
    if fields:
        return fields_html(fields, keywords)
    return log_body_html(body, keywords)
