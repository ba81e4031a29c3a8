"""The console's own API key: from the environment, or the file the embedded cloud wrote."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _


class NoCredentials(Exception):
    """Neither CONSOLE_PUBLIC_KEY nor a readable CONSOLE_KEY_FILE: nothing can sign."""


def console_key() -> tuple[str, str]:
    """(public, private): CONSOLE_PUBLIC_KEY/CONSOLE_PRIVATE_KEY when set, else the pair
    that `localcloud seed` wrote for this install (re-read when the file changes)."""
    if settings.CONSOLE_PUBLIC_KEY:
        return settings.CONSOLE_PUBLIC_KEY, settings.CONSOLE_PRIVATE_KEY
    path = Path(settings.CONSOLE_KEY_FILE)
    try:
        stat = path.stat()
    except OSError:
        raise NoCredentials(
            _(
                "the console has no API key: set CONSOLE_PUBLIC_KEY and CONSOLE_PRIVATE_KEY, "
                "or run `manage.py localcloud seed` for the embedded cloud"
            )
        ) from None
    return _read(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _read(path: Path, mtime_ns: int, size: int) -> tuple[str, str]:
    values = dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    public = values.get("CONSOLE_PUBLIC_KEY", "").strip()
    private = values.get("CONSOLE_PRIVATE_KEY", "").strip()
    if not public or not private:
        raise NoCredentials(_("%(path)s holds no key pair") % {"path": os.fspath(path)})
    return public, private
