"""Thresholds of the measurable indicator items (seed 003), as pure functions.

A ``number`` item states a quantity, a threshold and a comparison (``gte``/``lte``). Most
quantities are entered as they are; a per-resident quantity (``funding_per_resident``: a
community spends at least 10 yuan per resident a year) is entered as the annual amount
and divided by the organisation's resident population.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# Measures entered as a yearly amount and divided by the resident population.
PER_RESIDENT_MEASURES = frozenset({"funding_per_resident"})

COMPUTED_PLACES = Decimal("0.0001")


class MissingResidents(ValueError):
    """The organisation has no resident population to divide by."""


class UnknownComparison(ValueError):
    """The item's comparison is not one of ``gte``, ``lte``, ``gt``, ``lt``, ``eq``."""


@dataclass(frozen=True)
class ThresholdResult:
    """The value compared (``computed``) and whether it meets the threshold (None: no threshold)."""

    computed: Decimal
    meets: bool | None


def compare(value: Decimal, threshold: Decimal, comparison: str) -> bool:
    """Return whether ``value`` meets ``threshold`` under ``comparison``."""
    if comparison == "gte":
        return value >= threshold
    if comparison == "lte":
        return value <= threshold
    if comparison == "gt":
        return value > threshold
    if comparison == "lt":
        return value < threshold
    if comparison == "eq":
        return value == threshold
    raise UnknownComparison(f"unknown comparison {comparison!r}")


def per_resident(amount: Decimal, residents: int | None) -> Decimal:
    """Return ``amount / residents`` to four places; refuse a missing or zero population."""
    if not residents or residents <= 0:
        raise MissingResidents("the resident population is missing or zero")
    return (Decimal(amount) / Decimal(residents)).quantize(
        COMPUTED_PLACES, rounding=ROUND_HALF_UP
    )


def evaluate(
    *,
    measure: str,
    number: Decimal,
    threshold: Decimal | None,
    comparison: str,
    residents: int | None = None,
) -> ThresholdResult:
    """Compute the compared value of a number item and check it against its threshold."""
    if measure in PER_RESIDENT_MEASURES:
        computed = per_resident(number, residents)
    else:
        computed = Decimal(number).quantize(COMPUTED_PLACES, rounding=ROUND_HALF_UP)
    if threshold is None or not comparison:
        return ThresholdResult(computed, None)
    return ThresholdResult(computed, compare(computed, Decimal(threshold), comparison))
