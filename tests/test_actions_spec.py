"""actions.py and models.py against the API document, field by field (parsed markdown)."""

from __future__ import annotations

import dataclasses
import re
import typing
from pathlib import Path

import pytest

from console.cloud import actions, models

ROOT = Path(__file__).resolve().parent.parent
COPY = ROOT / "docs" / "api" / "k8s-api.md"
SHARED = ROOT.parent / "shared" / "api" / "k8s-api.md"

ROW = re.compile(r"^\|\s*\*\*(?P<name>\w+)\*\*\s*\|\s*(?P<type>[^|]*?)\s*\|(?P<rest>.*)$")


def parse(text: str):
    """{action: {"params": [(name, type, required)], "fields": [(name, type)]}}, {model: [...]}"""
    spec: dict[str, dict] = {}
    data_models: dict[str, list] = {}
    action = section = model = None
    for line in text.splitlines():
        if line.startswith("## "):
            action, section, model = line.rsplit(" - ", 1)[1].strip(), None, None
            spec[action] = {"params": [], "fields": []}
        elif line.startswith("### "):
            section, model = line[4:].strip(), None
        elif line.startswith("#### "):
            model = line[5:].strip()
            data_models[model] = []
        elif (match := ROW.match(line)) and action:
            cells = [c.strip() for c in match["rest"].split("|")]
            if model:
                data_models[model].append((match["name"], match["type"]))
            elif section == "请求参数":
                required = cells[-2] == "**Yes**"
                spec[action]["params"].append((match["name"], match["type"], required))
            elif section == "响应字段":
                spec[action]["fields"].append((match["name"], match["type"]))
    return spec, data_models


SPEC, DATA_MODELS = parse(COPY.read_text())


def test_it_keeps_the_committed_copy_equal_to_the_shared_document():
    if not SHARED.exists():
        pytest.skip(f"{SHARED} is not beside this checkout")
    assert COPY.read_text() == SHARED.read_text()


def test_it_has_exactly_the_documented_actions():
    assert len(SPEC) == 18
    assert set(actions.ACTIONS) == set(SPEC)


@pytest.mark.parametrize("name", sorted(SPEC))
def test_it_declares_every_parameter_with_its_type_and_required_flag(name):
    declared = [(p.name, p.type, p.required) for p in actions.ACTIONS[name].params]
    assert sorted(declared) == sorted(SPEC[name]["params"])


def _wire_type(hint) -> str:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, type(int | None)):
        (hint,) = [a for a in typing.get_args(hint) if a is not type(None)]
        origin = typing.get_origin(hint)
    if origin is list:
        (item,) = typing.get_args(hint)
        return f"array<{_wire_type(item)}>"
    if isinstance(hint, type) and issubclass(hint, models.WireModel):
        return hint.__name__
    return {str: "string", int: "integer", bool: "bool", float: "float"}[hint]


def _doc_type(text: str) -> str:
    text = text.strip()
    if match := re.match(r"array<\[\*(\w+)\*\]", text):
        return f"array<{match[1]}>"
    return {"double": "float"}.get(text, text)


def _model_fields(cls) -> dict[str, str]:
    hints = models._hints(cls)
    return {f.name: _wire_type(hints[f.name]) for f in dataclasses.fields(cls)}


def _matches(doc: str, ours: str) -> bool:
    # "object" in the document is a nested model without its name in the type column.
    return doc == ours or (doc == "object" and ours[:1].isupper())


@pytest.mark.parametrize("name", sorted(SPEC))
def test_it_models_every_response_field(name):
    ours = _model_fields(actions.ACTIONS[name].response)
    documented = {n: _doc_type(t) for n, t in SPEC[name]["fields"]}
    assert set(ours) == set(documented)
    for field, doc in documented.items():
        assert _matches(doc, ours[field]), (field, doc, ours[field])


@pytest.mark.parametrize("name", sorted(DATA_MODELS))
def test_it_models_every_data_model_field(name):
    ours = _model_fields(getattr(models, name))
    documented = {n: _doc_type(t) for n, t in DATA_MODELS[name]}
    assert set(ours) == set(documented)
    for field, doc in documented.items():
        assert _matches(doc, ours[field]), (field, doc, ours[field])
