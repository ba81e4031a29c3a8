"""The severity a log line carries, read from the forms programs write it in:
`level=error` (logfmt), `"level":"warn"` (JSON), klog's `E1130 12:00:00`, `[error]`,
and a bare upper-case word near the start (`ERROR`, `WARN`, `INFO`, `DEBUG`)."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy

LEVELS = ("error", "warn", "info", "debug")
LEVEL_CHOICES = [
    ("error", gettext_lazy("Error")),
    ("warn", gettext_lazy("Warning")),
    ("info", gettext_lazy("Info")),
    ("debug", gettext_lazy("Debug")),
]
_NAMES = {
    "error": "error", "err": "error", "fatal": "error", "critical": "error", "crit": "error",
    "panic": "error", "severe": "error", "alert": "error", "emerg": "error",
    "warn": "warn", "warning": "warn",
    "info": "info", "notice": "info", "information": "info",
    "debug": "debug", "trace": "debug",
}  # fmt: skip
_KLOG = {"E": "error", "F": "error", "W": "warn", "I": "info"}

_ANSI = re.compile(r"\x1b\[[0-9;:]*[A-Za-z]")
HEAD = 200  # where a level is looked for: a word deep inside a message is not its level
_KEYED = re.compile(
    r"""["']?\b(?:level|lvl|severity|loglevel|log_level)["']?\s*[:=]\s*["']?([A-Za-z]+)""",
    re.IGNORECASE,
)
_KLOG_HEAD = re.compile(r"^([IWEF])\d{4} \d\d:\d\d:\d\d")
_BRACKETED = re.compile(r"\[([A-Za-z]+)\]")
_BARE = re.compile(
    r"(?<![A-Za-z0-9_])(ERROR|ERR|FATAL|CRITICAL|CRIT|PANIC|WARN|WARNING|INFO|NOTICE|DEBUG|TRACE)"
    r"(?![A-Za-z0-9_])"
)


def level_of(body: str) -> str | None:
    """error, warn, info or debug, or None when the line does not say."""
    head = body[:HEAD]
    if "\x1b" in head:
        head = _ANSI.sub("", head)
    keyed = _KEYED.search(head)
    if keyed and keyed.group(1).lower() in _NAMES:
        return _NAMES[keyed.group(1).lower()]
    klog = _KLOG_HEAD.match(head)
    if klog:
        return _KLOG[klog.group(1)]
    for match in _BRACKETED.finditer(head):
        if match.group(1).lower() in _NAMES:
            return _NAMES[match.group(1).lower()]
    bare = _BARE.search(head)
    return _NAMES[bare.group(1).lower()] if bare else None
