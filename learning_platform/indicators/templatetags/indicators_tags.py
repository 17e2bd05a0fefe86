from django import template

from learning_platform.indicators.services import plain

register = template.Library()


@register.filter
def get_item(mapping, key):
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


@register.filter
def num(value):
    """Show a Decimal plainly (5400, not 5.4E+3)."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        return plain(value)
    return value
