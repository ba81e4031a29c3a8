"""Reading a pasted multi-document YAML manifest safely: bounded in size and in documents,
no anchors or aliases (a few lines of them expand to gigabytes), each document parsed on
its own so one mistake does not hide the others, with the line it starts on."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import yaml
from django.utils.translation import gettext as _

MAX_TEXT = 256 * 1024  # bytes of YAML accepted from one form
MAX_DOCUMENTS = 50
# A line that starts a new document: `---` alone or followed by a space (or a comment).
_SEPARATOR = re.compile(r"^---(?:[ \t].*)?$")


@dataclass
class Document:
    index: int  # 1-based, as a person counts them
    line: int  # the line of the whole text where this document begins
    obj: dict | None = None
    error: str = ""
    outcome: str = ""  # what the cluster said (would be created / created)
    answer_yaml: str = ""  # the object as the API server returned it
    notes: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return str((self.obj or {}).get("kind") or "")

    @property
    def name(self) -> str:
        return str(((self.obj or {}).get("metadata") or {}).get("name") or "")

    @property
    def namespace(self) -> str:
        return str(((self.obj or {}).get("metadata") or {}).get("namespace") or "")


class ManifestTooLarge(ValueError):
    pass


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases: a Kubernetes manifest has no need of them, and
    shared nodes expand without bound when the object is written out as JSON."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases (*name) are not accepted here", mark
            )
        return super().compose_node(parent, index)


NoAliasLoader = _NoAliasLoader  # for the object editor, which reads one document

# An unquoted date stays text, as kubectl sends it (YAML 1.1 would make it a timestamp,
# which JSON cannot carry).
_NoAliasLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def split(text: str) -> list[tuple[int, str]]:
    """(first line number, text) of each document that has anything in it."""
    pieces: list[tuple[int, list[str]]] = [(1, [])]
    for number, line in enumerate(text.splitlines(), start=1):
        if _SEPARATOR.match(line):
            pieces.append((number + 1, []))
        else:
            pieces[-1][1].append(line)
    return [(start, "\n".join(lines)) for start, lines in pieces if _has_content(lines)]


def _has_content(lines: list[str]) -> bool:
    return any(line.strip() and not line.lstrip().startswith("#") for line in lines)


def parse(text: str) -> list[Document]:
    """Every document of `text`, each with its object or the reason it cannot be sent."""
    if len(text.encode()) > MAX_TEXT:
        raise ManifestTooLarge(
            _("The YAML is larger than %(size)d KiB; split it into several parts.")
            % {"size": MAX_TEXT // 1024}
        )
    pieces = split(text)
    if not pieces:
        raise ValueError(_("Paste at least one Kubernetes object."))
    if len(pieces) > MAX_DOCUMENTS:
        raise ManifestTooLarge(
            _("At most %(count)d documents at once; this has %(found)d.")
            % {"count": MAX_DOCUMENTS, "found": len(pieces)}
        )
    return [_document(index, start, piece) for index, (start, piece) in enumerate(pieces, 1)]


def _document(index: int, start: int, text: str) -> Document:
    doc = Document(index=index, line=start)
    try:
        obj = yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        doc.error = _syntax_error(exc, start)
        return doc
    except RecursionError:
        doc.error = _("This document is nested too deeply.")
        return doc
    if not isinstance(obj, dict):
        doc.error = _("A document must be one object (a mapping), not a list or a value.")
        return doc
    try:
        json.dumps(obj, allow_nan=False)
    except (TypeError, ValueError):
        doc.error = _(
            "This document has a value JSON cannot carry (binary data, a set, a !!timestamp,"
            " .nan or .inf): quote it as text."
        )
        return doc
    doc.obj = obj
    missing = [key for key in ("apiVersion", "kind") if not isinstance(obj.get(key), str)]
    if missing:
        doc.error = _("%(fields)s missing: Kubernetes needs both to know what to create.") % {
            "fields": ", ".join(missing)
        }
    elif not isinstance(obj.get("metadata"), dict) or not (
        obj["metadata"].get("name") or obj["metadata"].get("generateName")
    ):
        doc.error = _("metadata.name is missing.")
    return doc


def _syntax_error(exc: yaml.YAMLError, start: int) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is None:
        return _("This is not valid YAML: %(problem)s.") % {"problem": problem}
    return _("This is not valid YAML (line %(line)s, column %(column)s): %(problem)s.") % {
        "line": start + mark.line,
        "column": mark.column + 1,
        "problem": problem,
    }
