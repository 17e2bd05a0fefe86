"""Stratified ratio/proportion estimator, checked against a hand-worked example."""

from __future__ import annotations

import math

import pytest

from psychometrics.survey.stratified import stratified_proportion, stratified_ratio

# Hand-worked example (Cochran §5A): stratum A, N=10, n=4, y = 1 1 0 1 (w = 2.5);
# stratum B, N=20, n=5, y = 1 0 0 0 1 (w = 4).
#   p̂ = (2.5·3 + 4·2) / 30 = 15.5/30 = 0.51667
#   v = (1/3)²·(1−0.4)·0.25/4 + (2/3)²·(1−0.25)·0.30/5 = 0.0041667 + 0.02 = 0.0241667
#   SE = 0.155456
Y = [1, 1, 0, 1, 1, 0, 0, 0, 1]
STRATA = ["A"] * 4 + ["B"] * 5
W = [2.5] * 4 + [4.0] * 5
N = {"A": 10, "B": 20}


def test_proportion_matches_the_hand_worked_example():
    result = stratified_proportion(Y, strata=STRATA, weights=W, population_sizes=N)
    assert result.estimate == pytest.approx(15.5 / 30)
    assert result.se == pytest.approx(math.sqrt(0.0041666667 + 0.02), rel=1e-6)
    assert result.n == 9 and result.n_strata == 2 and result.single_unit_strata == 0
    assert "StratifiedEstimate(estimate=0.5167" in repr(result)


def test_one_stratum_reduces_to_the_textbook_formula():
    y = [1, 0, 1, 1, 0, 1]
    p = 4 / 6
    result = stratified_proportion(
        y, strata=["h"] * 6, weights=[5.0] * 6, population_sizes={"h": 30}
    )
    assert result.estimate == pytest.approx(p)
    assert result.se == pytest.approx(math.sqrt((1 - 6 / 30) * p * (1 - p) / 5))


def test_a_census_has_no_sampling_error():
    result = stratified_proportion(
        [1, 0, 1], strata=["h"] * 3, weights=[1.0] * 3, population_sizes={"h": 3}
    )
    assert result.se == pytest.approx(0.0)


def test_ratio_with_x_other_than_one():
    # Ratio of totals: (2·3 + 2·1) / (2·4 + 2·2) = 8/12.
    result = stratified_ratio(
        [3, 1], [4, 2], strata=["h", "h"], weights=[2.0, 2.0], population_sizes={"h": 4}
    )
    assert result.estimate == pytest.approx(8 / 12)


def test_single_unit_stratum_adds_no_variance_and_is_counted():
    result = stratified_proportion(
        [1, 0, 1],
        strata=["a", "a", "b"],
        weights=[1, 1, 1],
        population_sizes={"a": 10, "b": 5},
    )
    assert result.single_unit_strata == 1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"y": [1, 2]}, "y must be 0 or 1; position 1"),
        ({"weights": [1, 0]}, "weights must be positive; position 1"),
        ({"strata": ["a"]}, "strata has 1 entries, expected 2"),
        ({"population_sizes": {"b": 5}}, "no size for stratum 'a'"),
        (
            {"population_sizes": {"a": 1}},
            "population size 1 is below its sample size 2",
        ),
    ],
)
def test_bad_input_is_named(kwargs, message):
    args = {
        "y": [1, 0],
        "strata": ["a", "a"],
        "weights": [1.0, 1.0],
        "population_sizes": {"a": 5},
    } | kwargs
    y = args.pop("y")
    with pytest.raises(ValueError, match=message):
        stratified_proportion(y, **args)


def test_empty_input_gives_nan():
    result = stratified_proportion([], strata=[], weights=[], population_sizes={})
    assert math.isnan(result.estimate) and result.n == 0
