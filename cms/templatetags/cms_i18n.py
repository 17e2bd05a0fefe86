"""``{{ page|loc:"title" }}``: a page's English text in the English interface, if written."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def loc(obj, field: str):
    """Return the field in the interface language where the page has English versions."""
    for candidate in (obj, getattr(obj, "specific", None)):
        in_language = getattr(candidate, "text_in_language", None)
        if callable(in_language):
            return in_language(field)
    return getattr(obj, field, "")
