from django import template

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

    from learning_platform.indicators.services import plain

    if isinstance(value, Decimal):
        return plain(value)
    return value
