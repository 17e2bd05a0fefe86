"""Bounded numbers: the limits of a model field, checked before saving and shown in the schema.

A ``DecimalField(max_digits=9, decimal_places=2)`` holds at most 9,999,999.99; SQLite
stores anything and PostgreSQL refuses it only at write time, so every number is
checked here first and refused as bad input naming its field.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pydantic import Field

# The range of Django's IntegerField on every supported database.
INT32_MIN = -2_147_483_648
INT32_MAX = 2_147_483_647


def decimal_max(max_digits: int, decimal_places: int) -> Decimal:
    """Return the largest value a DecimalField with these limits holds."""
    return Decimal(10) ** (max_digits - decimal_places) - Decimal(10) ** -decimal_places


def BoundedDecimal(  # noqa: N802 - a type factory, used like a type
    max_digits: int, decimal_places: int, *, ge: Decimal | int | None = None
) -> Any:
    """Return a schema type for a DecimalField: digits, places and range, all in the schema."""
    top = decimal_max(max_digits, decimal_places)
    return Annotated[
        Decimal,
        Field(
            max_digits=max_digits,
            decimal_places=decimal_places,
            ge=-top if ge is None else ge,
            le=top,
        ),
    ]


BoundedInt = Annotated[int, Field(ge=INT32_MIN, le=INT32_MAX)]


def decimal_check(
    value: Any,
    *,
    field: str,
    max_digits: int,
    decimal_places: int,
    minimum: Decimal | None = None,
) -> Decimal:
    """Return the value as a Decimal that fits the field; ValidationError naming it otherwise."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(
            {field: _("%(value)s is not a number.") % {"value": value}}
        ) from None
    if not number.is_finite():
        raise ValidationError(
            {field: _("%(value)s is not a number.") % {"value": value}}
        )
    top = decimal_max(max_digits, decimal_places)
    low = -top if minimum is None else minimum
    if number > top or number < low:
        raise ValidationError(
            {
                field: _("%(value)s is outside the range %(low)s to %(high)s.")
                % {"value": number, "low": low, "high": top}
            }
        )
    if number != number.quantize(Decimal(10) ** -decimal_places):
        raise ValidationError(
            {
                field: _("%(value)s has more than %(places)d decimal places.")
                % {"value": number, "places": decimal_places}
            }
        )
    return number.quantize(Decimal(10) ** -decimal_places)


def int_check(
    value: Any, *, field: str, minimum: int = INT32_MIN, maximum: int = INT32_MAX
) -> int:
    """Return the value if it is a whole number within the range; ValidationError otherwise."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError(
            {field: _("%(value)s is not a whole number.") % {"value": value}}
        )
    if not minimum <= value <= maximum:
        raise ValidationError(
            {
                field: _("%(value)s is outside the range %(low)s to %(high)s.")
                % {"value": value, "low": minimum, "high": maximum}
            }
        )
    return value
