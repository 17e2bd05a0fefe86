"""Sample design: strata, allocation, inclusion probabilities, selection."""

import numpy as np
import pytest

from psychometrics.survey import (
    Strata,
    allocate,
    inclusion_probabilities,
    largest_remainder,
    select_sample,
)


def _strata(seed: int = 0, n_districts: int = 16) -> Strata:
    rng = np.random.default_rng(seed)
    counts = {
        (f"d{d:02d}", age, sex): int(rng.integers(200, 20_000))
        for d in range(n_districts)
        for age in ("15-34", "35-59", "60+")
        for sex in ("F", "M")
    }
    return Strata.from_counts(counts)


def _by_district(strata: Strata, alloc: np.ndarray) -> dict:
    out: dict = {}
    for d, n in zip(strata.district, alloc, strict=True):
        out[d] = out.get(d, 0) + int(n)
    return out


def test_largest_remainder_sums_exactly_and_follows_the_quota():
    """Hamilton's method: floors plus the largest remainders, summing to n."""
    out = largest_remainder([1, 2, 3.5], 10)
    # quotas 1.54, 3.08, 5.38 -> floors 1, 3, 5 and one unit to the largest remainder
    assert out.tolist() == [2, 3, 5]
    assert largest_remainder([5, 5, 5], 7).sum() == 7


def test_largest_remainder_respects_caps():
    """A capped share is fixed at its cap and the rest is re-split."""
    out = largest_remainder([100, 1, 1], 10, cap=[3, 100, 100])
    assert out.tolist()[0] == 3 and out.sum() == 10


@pytest.mark.parametrize("n", [500, 10_000, 12_347])
def test_proportional_allocation_sums_to_n_and_is_near_the_quota(n):
    strata = _strata()
    design = allocate(strata, n, method="proportional")
    quota = n * strata.population / strata.population.sum()
    assert design.allocation.sum() == n
    assert np.abs(design.allocation - quota).max() < 1.0


def test_equal_allocation_gives_every_district_the_same_sample():
    strata = _strata()
    design = allocate(strata, 10_000, method="equal")
    per_d = _by_district(strata, design.allocation)
    assert design.allocation.sum() == 10_000
    assert set(per_d.values()) == {625}


def test_minimum_allocation_guarantees_the_minimum_and_stays_proportional_above_it():
    """Small districts are raised to the minimum, the rest shared in proportion."""
    strata = _strata(seed=3)
    design = allocate(strata, 4000, method="minimum", minimum=200)
    per_d = _by_district(strata, design.allocation)
    assert design.allocation.sum() == 4000
    assert min(per_d.values()) >= 200
    prop = _by_district(
        strata, allocate(strata, 4000, method="proportional").allocation
    )
    raised = [d for d in per_d if prop[d] < 200]
    assert raised and all(per_d[d] == 200 for d in raised)
    others = [d for d in per_d if d not in raised]
    pop = {d: 0 for d in per_d}
    for d, n in zip(strata.district, strata.population, strict=True):
        pop[d] += int(n)
    rate = [per_d[d] / pop[d] for d in others]
    assert max(rate) / min(rate) < 1.05  # same sampling rate above the minimum


def test_allocation_never_exceeds_a_stratum_population():
    counts = {("a", "y", "F"): 5, ("a", "y", "M"): 1000, ("b", "y", "F"): 1000}
    design = allocate(Strata.from_counts(counts), 1500, method="equal")
    assert design.allocation.sum() == 1500
    assert (design.allocation <= design.strata.population).all()


def test_inclusion_probabilities_are_n_over_N():
    strata = _strata()
    design = allocate(strata, 3000)
    np.testing.assert_allclose(
        design.inclusion_probability, design.allocation / strata.population
    )
    assert inclusion_probabilities([1, 2], [10, 4]).tolist() == [0.1, 0.5]


def test_select_sample_draws_the_allocation_in_each_stratum():
    rng = np.random.default_rng(1)
    frame = rng.integers(0, 5, 2000)
    alloc = np.array([10, 0, 30, 5, 1])
    chosen = select_sample(frame, alloc, rng=rng)
    assert np.bincount(frame[chosen], minlength=5).tolist() == alloc.tolist()
    assert np.unique(chosen).size == chosen.size


def test_design_errors_name_the_problem():
    strata = _strata()
    with pytest.raises(ValueError, match="sample size"):
        allocate(strata, int(strata.population.sum()) + 1)
    with pytest.raises(ValueError, match="minimum"):
        allocate(strata, 100, method="minimum", minimum=50)
    with pytest.raises(ValueError, match="unknown allocation"):
        allocate(strata, 100, method="optimal")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="population 0"):
        Strata.from_counts({("a", "y", "F"): 0})
    with pytest.raises(ValueError, match="empty stratum"):
        inclusion_probabilities([0, 1], [0, 5])
