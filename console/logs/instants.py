"""Points in time as people type them and as GetContainerLogs wants them (unix ns)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache

from django.utils.translation import gettext as _

NS = 1_000_000_000
# Digits of a unix time by its unit: 10 seconds, 13 ms, 16 µs, 19 ns.
_UNIX_SCALE = {10: NS, 13: 1_000_000, 16: 1_000, 19: 1}
_ISO = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<h>\d{2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?"
    r"(?:[.,](?P<frac>\d{1,9}))?\s*(?P<zone>Z|[+-]\d{2}:?\d{2})?"
)


def parse_instant(text: str, zone: tzinfo) -> int:
    """Unix ns of `2026-11-29 08:15:03.123456789` (in `zone` unless it says Z or +hh:mm)
    or of a unix time in s, ms, µs or ns. ValueError says what is wrong."""
    text = text.strip()
    if text.isdigit():
        scale = _UNIX_SCALE.get(len(text))
        if scale is None:
            raise ValueError(_("A unix time has 10 (s), 13 (ms), 16 (µs) or 19 (ns) digits."))
        return int(text) * scale
    match = _ISO.fullmatch(text)
    if match is None:
        raise ValueError(_("Write a time as 2026-11-29 08:15:03 or as a unix time."))
    try:
        day = datetime.fromisoformat(match["date"])
        moment = day.replace(
            hour=int(match["h"]), minute=int(match["m"]), second=int(match["s"] or 0)
        )
    except ValueError as exc:
        raise ValueError(_("Not a real time: %(error)s.") % {"error": exc}) from None
    if match["zone"]:
        moment = moment.replace(tzinfo=_offset(match["zone"]))
    else:
        moment = moment.replace(tzinfo=zone)
    whole = int(moment.timestamp()) * NS
    return whole + int((match["frac"] or "").ljust(9, "0") or 0)


def _offset(text: str) -> tzinfo:
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


@lru_cache(maxsize=4096)
def _second(seconds: int, zone: tzinfo, precise: bool) -> tuple[str, str]:
    moment = datetime.fromtimestamp(seconds, zone)
    if not precise:
        return f"{moment:%Y-%m-%d %H:%M:%S}", ""
    offset = moment.strftime("%z")
    offset = "Z" if offset in ("+0000", "") else f"{offset[:3]}:{offset[3:]}"
    return f"{moment:%Y-%m-%dT%H:%M:%S}", offset


def format_instant(ns: int, zone: tzinfo, precise: bool = False) -> str:
    """`2026-11-29 08:15:03.123` in `zone`; with `precise`, all nine digits and the offset."""
    whole, offset = _second(ns // NS, zone, precise)
    fraction = f"{ns % NS:09d}"
    return f"{whole}.{fraction}{offset}" if precise else f"{whole}.{fraction[:3]}"
