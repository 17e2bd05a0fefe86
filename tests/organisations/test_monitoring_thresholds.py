"""Thresholds of the measurable items, including the 10 yuan per resident rule."""

from __future__ import annotations

from decimal import Decimal

import pytest

from learning_platform.organisations import thresholds


def test_ten_yuan_per_resident_worked_example_is_met():
    """123,456 yuan / 12,000 residents = 10.288 (10.29) yuan per resident, at least 10: met."""
    result = thresholds.evaluate(
        measure="funding_per_resident",
        number=Decimal("123456"),
        threshold=Decimal("10"),
        comparison="gte",
        residents=12000,
    )
    assert result.computed == Decimal("10.2880")
    assert f"{result.computed:.2f}" == "10.29"
    assert result.meets is True


def test_just_under_ten_yuan_per_resident_is_not_met():
    result = thresholds.evaluate(
        measure="funding_per_resident",
        number=Decimal("119880"),
        threshold=Decimal("10"),
        comparison="gte",
        residents=12000,
    )
    assert result.computed == Decimal("9.99")
    assert result.meets is False
    exactly = thresholds.evaluate(
        measure="funding_per_resident",
        number=Decimal("120000"),
        threshold=Decimal("10"),
        comparison="gte",
        residents=12000,
    )
    assert exactly.meets is True


@pytest.mark.parametrize("residents", [None, 0])
def test_per_resident_needs_the_resident_population(residents):
    with pytest.raises(thresholds.MissingResidents):
        thresholds.evaluate(
            measure="funding_per_resident",
            number=Decimal("5000"),
            threshold=Decimal("10"),
            comparison="gte",
            residents=residents,
        )


@pytest.mark.parametrize(
    ("value", "threshold", "comparison", "expected"),
    [
        ("1", "1", "gte", True),
        ("0.99", "1", "gte", False),  # an hour a day
        ("7", "8", "gte", False),
        ("12", "8", "gte", True),  # eight books a year
        ("3", "5", "lte", True),
        ("5.01", "5", "lte", False),
        ("5", "5", "lt", False),
        ("5", "5", "gt", False),
        ("5", "5", "eq", True),
    ],
)
def test_comparisons(value, threshold, comparison, expected):
    result = thresholds.evaluate(
        measure="books_per_member",
        number=Decimal(value),
        threshold=Decimal(threshold),
        comparison=comparison,
    )
    assert result.meets is expected
    assert result.computed == Decimal(value)


def test_no_threshold_means_no_verdict_and_unknown_comparison_is_refused():
    assert (
        thresholds.evaluate(
            measure="x", number=Decimal("3"), threshold=None, comparison=""
        ).meets
        is None
    )
    with pytest.raises(thresholds.UnknownComparison):
        thresholds.compare(Decimal("1"), Decimal("1"), "about")
