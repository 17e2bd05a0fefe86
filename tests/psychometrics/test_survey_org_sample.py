"""The stratified sample of learning organisations (district × kind)."""

from __future__ import annotations

import numpy as np
import pytest

from psychometrics.survey import allocate_with_floor, draw_organisation_sample


def _frame() -> list[str]:
    # 3 districts × 2 kinds with very unequal strata; one stratum of a single unit.
    sizes = {
        "A:community": 120,
        "A:family": 40,
        "B:community": 30,
        "B:family": 6,
        "C:community": 1,
        "C:family": 3,
    }
    frame = [label for label, n in sizes.items() for _ in range(n)]
    rng = np.random.default_rng(0)
    return [frame[i] for i in rng.permutation(len(frame))]


def test_same_seed_gives_the_same_sample():
    frame = _frame()
    first = draw_organisation_sample(frame, 40, seed=2026)
    again = draw_organisation_sample(frame, 40, seed=2026)
    other = draw_organisation_sample(frame, 40, seed=2027)
    np.testing.assert_array_equal(first.selected, again.selected)
    np.testing.assert_array_equal(first.weights, again.weights)
    assert not np.array_equal(first.selected, other.selected)


def test_weights_add_up_to_the_frame_per_stratum_and_in_total():
    frame = _frame()
    sample = draw_organisation_sample(frame, 40, seed=7)
    assert sample.selected.size == 40
    labels = np.array(frame, dtype=object)
    for h, key in enumerate(sample.strata):
        in_h = sample.stratum_of_selected == h
        assert in_h.sum() == sample.allocation[h]
        assert set(labels[sample.selected[in_h]]) == {key}
        assert sample.weights[in_h].sum() == pytest.approx((labels == key).sum())
    assert sample.weights.sum() == pytest.approx(len(frame))


def test_allocation_is_proportional_with_a_floor_and_capped():
    alloc = allocate_with_floor([120, 40, 30, 6, 1, 3], 40, floor=2)
    assert alloc.sum() == 40
    assert alloc[4] == 1  # a stratum of one gives its one unit, not two
    assert (alloc[[0, 1, 2, 3, 5]] >= 2).all()
    assert alloc[0] > alloc[1] > alloc[3]
    # without a binding floor it is plain proportional allocation
    np.testing.assert_array_equal(
        allocate_with_floor([50, 30, 20], 10, floor=1), [5, 3, 2]
    )
    # a census takes everyone
    np.testing.assert_array_equal(allocate_with_floor([3, 2], 5, floor=2), [3, 2])


def test_bad_sizes_are_refused_with_a_reason():
    with pytest.raises(ValueError, match="below the floor"):
        allocate_with_floor([10, 10, 10], 5, floor=2)
    with pytest.raises(ValueError, match="exceeds the 20 units"):
        allocate_with_floor([10, 10], 21)
    with pytest.raises(ValueError, match="frame is empty"):
        draw_organisation_sample([], 1, seed=1)


def test_repr_is_short():
    sample = draw_organisation_sample(["a", "a", "b"], 2, seed=1)
    assert repr(sample) == "OrganisationSample(n=2, N=3, strata=2, seed=1)"
    np.testing.assert_allclose(sample.stratum_weights, [2.0, 1.0])
