"""Prices as the cloud bills them: the currency of CONSOLE_CURRENCY (CNY, shown as ¥)."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.template.defaultfilters import floatformat
from django.utils.html import format_html

register = template.Library()

# A code not listed is written as itself before the amount ("CHF 12.00").
SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "HKD": "HK$"}


def symbol() -> str:
    code = settings.CONSOLE_CURRENCY
    return SYMBOLS.get(code, f"{code}\N{NO-BREAK SPACE}")


@register.simple_tag
def currency() -> str:
    """The currency's sign; its code shows on hover."""
    return format_html(
        '<span class="currency" title="{}">{}</span>', settings.CONSOLE_CURRENCY, symbol()
    )


@register.filter
def money(value) -> str:
    """An amount as text with its currency, the sign first: ¥0.85, -¥1.20."""
    if value in (None, ""):
        return ""
    amount = float(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol()}{floatformat(abs(amount), 2)}"
