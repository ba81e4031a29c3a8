"""Chinese for every string: the catalogue covers what xgettext finds, templates hold no
text outside translate tags, and Python's user-facing messages go through gettext."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.template.base import Lexer, TokenType

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES"
# The console's own code; localcloud is the simulated cloud, whose English messages
# reach users through the RetCode table (console/web/retcodes.py).
PYTHON_FILES = sorted(
    p
    for p in (ROOT / "console").rglob("*.py")
    if not {"localcloud", "migrations", "management"} & set(p.relative_to(ROOT).parts)
)
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
# Words that read the same in a Chinese page: names, units, protocols, abbreviations.
SAME_IN_BOTH = {
    *("K8S", "ID", "IDs", "CPU", "CPUs", "GPU", "GPUs", "VPC", "EIP", "YAML", "JSON", "CSV"),
    *("API", "IP", "DNS", "CIDR", "HA", "SSD", "HDD", "UTC", "GiB", "MiB", "KiB", "ms", "s", "x"),
    *("kubectl", "Kubeconfig", "kubeconfig", "RetCode", "Pod", "Pods"),
    # Kubernetes kinds are names, as in kubectl's Chinese documentation.
    *("ReplicaSet", "Deployment", "StatefulSet", "DaemonSet", "Job"),
}


def extracted(tmp_path: Path, domain: str) -> polib.POFile:
    """makemessages over a copy of the sources, merged into a copy of the catalogue."""
    if shutil.which("xgettext") is None:
        pytest.skip("gettext's xgettext is missing (make test installs it as root)")
    for part in ("console", "templates", "locale"):
        shutil.copytree(ROOT / part, tmp_path / part)
    shutil.copytree(ROOT / "static" / "js", tmp_path / "static" / "js")
    command = [sys.executable, str(ROOT / "manage.py"), "makemessages", "-l", "zh_Hans"]
    command += ["-d", domain, "--no-obsolete", "--ignore", "console/localcloud/*"]
    subprocess.run(command, cwd=tmp_path, check=True, capture_output=True)
    return polib.pofile(str(tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / f"{domain}.po"))


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_string_has_a_chinese_translation(tmp_path, domain):
    catalogue = extracted(tmp_path, domain)
    missing = [e.msgid for e in catalogue.untranslated_entries()]
    missing += [f"{e.msgid} (fuzzy: check and translate)" for e in catalogue.fuzzy_entries()]
    assert not missing, "no Chinese for:\n" + "\n".join(missing)
    assert len(catalogue.translated_entries()) > (300 if domain == "django" else 10)


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_compiled_catalogue_matches_its_source(domain):
    source = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural
        for e in polib.pofile(str(LOCALE / f"{domain}.po")).translated_entries()
    }
    compiled = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural
        for e in polib.mofile(str(LOCALE / f"{domain}.mo"))
        if e.msgid
    }
    assert compiled == source, "run: .venv/bin/python manage.py compilemessages -l zh_Hans"


class _TextFinder(HTMLParser):
    """Collects text and human attributes of a template whose template tags are blanked."""

    HUMAN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "label"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.in_code = False

    # A style or script element's text is code, never shown.
    CODE_ELEMENTS = {"style", "script"}

    def handle_data(self, data):
        if not self.in_code:
            self.found.append(data)

    def handle_endtag(self, tag):
        if tag in self.CODE_ELEMENTS:
            self.in_code = False

    def handle_starttag(self, tag, attrs):
        self.in_code = tag in self.CODE_ELEMENTS
        # A <button>'s value is sent, not shown; an input button shows its value.
        shows_value = tag == "input" and dict(attrs).get("type") in {"submit", "button", "reset"}
        for name, value in attrs:
            if name in self.HUMAN_ATTRIBUTES or (name == "value" and shows_value):
                self.found.append(value or "")


def untranslated_words(text: str) -> list[str]:
    words = re.findall(r"[A-Za-z][A-Za-z'\u2019-]*", text)
    return [w for w in words if w not in SAME_IN_BOTH]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_hold_no_text_outside_translate_tags(template):
    # Text inside blocktranslate is translated; inside comment, never shown.
    opens = {"blocktranslate": "endblocktranslate", "blocktrans": "endblocktrans"}
    opens["comment"] = "endcomment"
    pieces, closing = [], None
    for token in Lexer(template.read_text()).tokenize():
        if token.token_type == TokenType.BLOCK:
            word = token.contents.split()[0]
            if closing is None and word in opens:
                closing = opens[word]
            elif word == closing:
                closing = None
        shown_as_is = token.token_type == TokenType.TEXT and closing is None
        pieces.append(token.contents if shown_as_is else " \x00 ")
    blanked = "".join(pieces)
    finder = _TextFinder()
    finder.feed(blanked)
    loose = [t.strip() for t in finder.found if untranslated_words(t.replace("\x00", " "))]
    assert not loose, "text outside {% translate %}: " + repr(loose)


# Where a string literal is something a user reads.
SHOWN_CALLS = {"ValidationError", "PermissionDenied", "add_error", "error", "warning", "info",
               "success", "HttpResponseBadRequest", "CloudUnavailable"}  # fmt: skip
SHOWN_KEYWORDS = {"label", "help_text", "message", "error", "notice", "title"}
GETTEXT = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "npgettext",
           "pgettext_lazy", "format_lazy"}  # fmt: skip


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _literal_text(node: ast.expr) -> str | None:
    """The words of a plain or f-string literal, if it has any."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return " ".join(v.value for v in node.values if isinstance(v, ast.Constant))
    return None


def shown_literals(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call) or _name(node.func) in GETTEXT:
            continue
        receiver = getattr(node.func, "value", None)
        if getattr(receiver, "id", "") in {"log", "logger", "logging"}:
            continue
        # Positional: messages, but also field and action names (one word, no space).
        candidates = [(a, r"[A-Za-z_]+") for a in node.args if _name(node.func) in SHOWN_CALLS]
        # Keywords: a one-word label such as "Name" is a message too.
        candidates += [(k.value, r"[a-z_]+") for k in node.keywords if k.arg in SHOWN_KEYWORDS]
        for candidate, identifier in candidates:
            text = _literal_text(candidate)
            if text is None or re.fullmatch(identifier, text):
                continue
            if re.search(r"[A-Za-z]{3,}", text) and untranslated_words(text):
                found.append(f"{path.relative_to(ROOT)}:{candidate.lineno}: {text!r}")
    return found


def test_python_messages_go_through_gettext():
    loose = [line for path in PYTHON_FILES for line in shown_literals(path)]
    assert not loose, "messages without gettext:\n" + "\n".join(loose)


def test_a_chinese_user_reads_a_refused_call_in_chinese(viewer_client, cloud):
    from console.localcloud.models import Fault

    Fault.objects.create(pk=1, error_rate=1.0, error_kind="retcode")
    page = viewer_client.get("/clusters/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert '<html lang="zh-hans">' in page
    assert "云平台繁忙，请稍后重试。" in page and "(RetCode 199)" in page
    english = viewer_client.get("/clusters/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The cloud is busy; please try again in a moment." in english
