"""``{{ change|signed:1 }}``: a change with its sign, "+5.3" or "−2.1" (a rise is not a level)."""

from __future__ import annotations

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


@register.filter
def signed(value, places: int = 1) -> str:
    """Format ``value`` to ``places`` decimals with "+" for a rise and "−" for a fall."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return ""
    text = floatformat(abs(number), places)
    if text == floatformat(0, places):
        return text
    return ("+" if number > 0 else "\u2212") + text
