"""Template filters for cloud values: times in the browser's zone, expiry, states, usage bars."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

from django import template
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from console.web.timezones import offset_text, zone_label

register = template.Library()


def _moment(value) -> datetime | None:
    """A datetime from what the cloud and the database give: unix seconds, an RFC 3339
    string (Kubernetes) or a datetime; None for unset (0, "") or unreadable values."""
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)
    if isinstance(value, int | float) or (
        isinstance(value, str) and value.isascii() and value.isdigit()
    ):
        try:
            return datetime.fromtimestamp(int(value), UTC) if int(value) else None
        except (OverflowError, OSError, ValueError):  # a year past 9999, from a cluster
            return None
    try:
        moment = parse_datetime(value or "")
    except (TypeError, ValueError):
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)
    return moment


@register.filter
def local_time(value, format_name: str = "DATETIME_FORMAT") -> str:
    """A time in the browser's zone (the request's current one) with its UTC offset, as a
    <time> element that names the zone; unset as a dash."""
    moment = _moment(value)
    if moment is None:
        return "—"
    local = timezone.localtime(moment)
    return format_html(
        '<time datetime="{}" title="{}"><span class="when">{}</span> '
        '<span class="zone">{}</span></time>',
        moment.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        str(local.tzinfo),
        formats.date_format(local, format_name),
        offset_text(local),
    )


@register.filter
def epoch(value: int) -> str:
    """Unix seconds (the cloud's times) in the browser's zone; 0 (unset) as a dash."""
    return local_time(value)


@register.simple_tag
def time_zone_label() -> str:
    """The zone the page's times are in: `Asia/Shanghai (UTC+08:00)`."""
    return zone_label()


@register.filter
def expiry(value: int) -> str:
    """Days left until ExpireTime; 0 means the cluster never expires (hourly)."""
    if not value:
        return "—"
    days = (int(value) - time.time()) / 86400
    if days < 0:
        return _("expired")
    return ngettext("in %(days)d day", "in %(days)d days", int(days)) % {"days": int(days)}


# The cloud's words for states and kinds, as the page's language says them. The wire
# value stays in the data attributes and CSS classes; only the shown text changes.
_CLOUD_WORDS = {
    "Creating": gettext_lazy("Creating"),
    "Running": gettext_lazy("Running"),
    "Deleting": gettext_lazy("Deleting"),
    "Abnormal": gettext_lazy("Abnormal"),
    "Provisioning": gettext_lazy("Provisioning"),
    "Ready": gettext_lazy("Ready"),
    "Degraded": gettext_lazy("Degraded"),
    "Terminating": gettext_lazy("Terminating"),
    "Pending": gettext_lazy("Pending"),
    "Succeeded": gettext_lazy("Succeeded"),
    "Failed": gettext_lazy("Failed"),
    "Unknown": gettext_lazy("Unknown"),
    "Dynamic": gettext_lazy("Pay by the hour"),
    "Month": gettext_lazy("Monthly"),
    "Year": gettext_lazy("Yearly"),
    # Region names (DescribeCluster's RegionAlias), an API server address's type, and
    # the type of a Kubernetes event.
    "North China 2": gettext_lazy("North China 2"),
    "East China 2": gettext_lazy("East China 2"),
    "advertise": gettext_lazy("Advertised"),
    "Normal": gettext_lazy("Normal"),
    "Warning": gettext_lazy("Warning"),
}

# The cloud's names of its regions, as RegionAlias gives them; the picker shows them.
_REGION_NAMES = {"cn-bj2": "North China 2", "cn-sh2": "East China 2"}


@register.filter
def cloud_word(value) -> str:
    """A state, charge type or name from the cloud in the page's language; others as they are."""
    return str(_CLOUD_WORDS.get(value, value))


@register.filter
def region_label(region: str) -> str:
    """A region code with its name in the page's language: "cn-bj2 (North China 2)"."""
    name = _REGION_NAMES.get(region)
    return f"{region} ({cloud_word(name)})" if name else region


@register.filter
def percent(used, maximum) -> int:
    """used / maximum as a whole percentage, capped at 100 (for bar widths)."""
    try:
        if not maximum:
            return 0
        return max(0, min(100, round(float(used) * 100 / float(maximum))))
    except (TypeError, ValueError):
        return 0


@register.inclusion_tag("web/_bar.html")
def usage_bar(used, maximum, unit: str = ""):
    share = percent(used, maximum)
    level = "full" if share >= 95 else "high" if share >= 80 else ""
    return {"used": used, "maximum": maximum, "share": share, "level": level, "unit": unit}


_YAML_LINE = re.compile(r"^(?P<indent>\s*(?:- )?)(?P<key>[^:#\s][^:#]*?):(?P<rest>\s.*|)$")


@register.filter
def yaml_highlight(text: str) -> str:
    """YAML with keys and comments wrapped in spans; every piece of the text is escaped."""
    lines = []
    for line in (text or "").splitlines():
        match = _YAML_LINE.match(line)
        if line.lstrip().startswith("#"):
            lines.append(format_html('<span class="y-comment">{}</span>', line))
        elif match:
            lines.append(
                format_html(
                    '{}<span class="y-key">{}</span>:<span class="y-value">{}</span>',
                    match["indent"],
                    match["key"],
                    match["rest"],
                )
            )
        else:
            lines.append(conditional_escape(line))
    return mark_safe("\n".join(lines))  # noqa: S308 - each line was escaped above
