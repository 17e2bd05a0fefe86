"""``{{ page|loc:"title" }}``: a page's English text in the English interface, if written."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def loc(obj, field: str):
    """Return ``obj.localized(field)`` where the object has English versions, else the field."""
    localized = getattr(obj, "localized", None)
    if callable(localized):
        return localized(field)
    specific = getattr(obj, "specific", None)
    if specific is not None and specific is not obj and callable(getattr(specific, "localized", None)):
        return specific.localized(field)
    return getattr(obj, field, "")
