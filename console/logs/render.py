"""A log body as safe HTML: ANSI colours become classed spans from a parser, keyword
matches become <mark>, every character of the body is escaped, and control characters
show as their visible symbols. Nothing from the body is ever interpreted as markup."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from html import escape as _html_escape

from django.utils.safestring import SafeString, mark_safe


def escape(text: str) -> str:
    """What django.utils.html.escape gives (& < > " ' escaped), without its lazy-string
    wrapper and SafeString: a 5,000-line page calls it over 10,000 times."""
    return _html_escape(text, quote=True)


# CSI (colours and cursor moves), OSC (titles, links) and two-byte escapes.
_ESCAPE = re.compile(r"\x1b\[([0-9;:]*)[ -/]*([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b.?")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _visible_control(match: re.Match) -> str:
    code = ord(match.group())
    return "\u2421" if code == 0x7F else chr(0x2400 + code)


@dataclass
class _Style:
    fg: int | None = None
    bg: int | None = None
    bold: bool = False
    italic: bool = False
    underline: bool = False

    def apply(self, codes: list[int]) -> None:
        """One SGR sequence; 256-colour and true-colour arguments are skipped (no class)."""
        i = 0
        while i < len(codes):
            code = codes[i]
            if code == 0:
                self.__init__()
            elif code == 1:
                self.bold = True
            elif code == 3:
                self.italic = True
            elif code == 4:
                self.underline = True
            elif code == 22:
                self.bold = False
            elif code == 23:
                self.italic = False
            elif code == 24:
                self.underline = False
            elif 30 <= code <= 37 or 90 <= code <= 97:
                self.fg = code - 30 if code < 90 else code - 82
            elif 40 <= code <= 47 or 100 <= code <= 107:
                self.bg = code - 40 if code < 100 else code - 92
            elif code == 39:
                self.fg = None
            elif code == 49:
                self.bg = None
            elif code in (38, 48):
                if i + 2 < len(codes) and codes[i + 1] == 5:
                    if codes[i + 2] < 16:  # the 16 base colours have classes
                        setattr(self, "fg" if code == 38 else "bg", codes[i + 2])
                    i += 2
                elif i + 1 < len(codes) and codes[i + 1] == 2:
                    i += 4
            i += 1

    def classes(self) -> str:
        names = []
        if self.fg is not None:
            names.append(f"a-f{self.fg}")
        if self.bg is not None:
            names.append(f"a-b{self.bg}")
        names += [n for n, on in (("a-bold", self.bold), ("a-it", self.italic)) if on]
        if self.underline:
            names.append("a-ul")
        return " ".join(names)


def _styled_runs(body: str) -> tuple[str, list[tuple[int, int, str]]]:
    """The text a terminal would show, and (start, end, classes) runs over it."""
    text: list[str] = []
    runs: list[tuple[int, int, str]] = []
    style = _Style()
    length = 0
    position = 0

    def add(chunk: str) -> None:
        nonlocal length
        if not chunk:
            return
        chunk = _CONTROL.sub(_visible_control, chunk)
        classes = style.classes()
        if classes:
            runs.append((length, length + len(chunk), classes))
        text.append(chunk)
        length += len(chunk)

    for match in _ESCAPE.finditer(body):
        add(body[position : match.start()])
        position = match.end()
        if match.group(2) == "m":
            params = match.group(1).replace(":", ";")
            style.apply([int(p) if p.isdigit() else 0 for p in params.split(";")] or [0])
    add(body[position:])
    return "".join(text), runs


def _matches(text: str, words: list[str]) -> list[tuple[int, int]]:
    spans = []
    for word in words:
        start = text.find(word) if word else -1
        while start >= 0:
            spans.append((start, start + len(word)))
            start = text.find(word, start + len(word))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _marked(text: str, marks: list[tuple[int, int]]) -> str:
    out, position = [], 0
    for start, end in marks:
        out.append(escape(text[position:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        position = end
    out.append(escape(text[position:]))
    return "".join(out)


def log_body_html(body: str, keywords: list[str] = ()) -> SafeString:
    if "\x1b" not in body and not _CONTROL.search(body):
        # Most lines have no colour: skip the run bookkeeping (a third of the time).
        if not any(word and word in body for word in keywords):
            return SafeString(escape(body))
        return SafeString(_marked(body, _matches(body, list(keywords))))
    text, runs = _styled_runs(body)
    marks = _matches(text, list(keywords))
    cuts = sorted({0, len(text), *(p for r in runs for p in r[:2]), *(p for m in marks for p in m)})
    out = []
    run_at = {start: (end, classes) for start, end, classes in runs}
    current_run: tuple[int, str] | None = None
    mark_index = 0
    for start, end in itertools.pairwise(cuts):
        if start in run_at:
            current_run = run_at[start]
        if current_run and start >= current_run[0]:
            current_run = None
        while mark_index < len(marks) and marks[mark_index][1] <= start:
            mark_index += 1
        piece = escape(text[start:end])
        if mark_index < len(marks) and marks[mark_index][0] <= start:
            piece = f"<mark>{piece}</mark>"
        if current_run:
            piece = f'<span class="{current_run[1]}">{piece}</span>'
        out.append(piece)
    return mark_safe("".join(out))  # noqa: S308 - every piece of the body went through escape()


def lines_html(lines: list[tuple[int, str, SafeString]]) -> SafeString:
    """<li>s of (ns, shown time, body HTML); built here, not in a template loop, because
    a 5,000-line result spent most of its server time in the loop."""
    return mark_safe(  # noqa: S308 - times are digits, bodies came from log_body_html
        "".join(
            f'<li><time title="{ns} ns">{shown}</time><span class="body">{body}</span></li>'
            for ns, shown, body in lines
        )
    )
