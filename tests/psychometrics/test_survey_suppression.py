"""Primary and complementary suppression never reveal a withheld cell."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from psychometrics.survey import recoverable_cells, suppress_cells


def test_small_cells_are_withheld_with_a_complement_in_their_row_and_column():
    counts = np.array([[5, 40, 50], [60, 70, 80], [90, 100, 10]])
    sup = suppress_cells(counts)
    assert sup.reason[0, 0] == "primary" and sup.reason[2, 2] == "primary"
    # one complementary cell protects a row and a column at once: a 4-cycle
    assert sup.mask.sum() == 4
    assert sup.mask[0, 2] and sup.mask[2, 0]
    assert not recoverable_cells(sup.mask).any()
    assert "primary=2, complementary=2" in repr(sup)


def test_a_single_withheld_cell_is_recoverable_and_the_oracle_says_so():
    mask = np.zeros((3, 3), dtype=bool)
    mask[1, 1] = True
    assert recoverable_cells(mask)[1, 1]
    mask[1, 2] = True  # two in a row, but column 1 and 2 each hold one
    assert recoverable_cells(mask)[1, 1]
    assert not recoverable_cells(mask, column_totals=False)[1, 1]


def test_a_bridge_between_two_protected_blocks_is_closed():
    """Every line has two withheld cells, yet the cell linking two 4-cycles is a bridge:
    the totals determine it. The suppression adds a cell that puts it on a cycle."""
    counts = np.full((4, 4), 100)
    for i, j in [
        (0, 0),
        (0, 1),
        (1, 0),
        (1, 1),
        (2, 2),
        (2, 3),
        (3, 2),
        (3, 3),
        (1, 2),
    ]:
        counts[i, j] = 5
    mask = counts < 30
    assert recoverable_cells(mask)[1, 2]
    sup = suppress_cells(counts)
    assert not recoverable_cells(sup.mask).any()


def test_row_totals_only_needs_two_per_row():
    counts = np.array([[5, 40, 50, 60], [60, 70, 80, 90]])
    sup = suppress_cells(counts, column_totals=False)
    assert sup.mask.sum() == 2 and sup.mask[0, 1]


def test_nothing_small_nothing_withheld():
    sup = suppress_cells(np.full((3, 4), 30))
    assert not sup.mask.any() and (sup.reason == "").all()


def test_suppression_errors():
    with pytest.raises(ValueError, match="2-D table"):
        suppress_cells(np.array([1, 2, 3]))
    with pytest.raises(ValueError, match="non-negative"):
        suppress_cells(np.array([[1, -2], [3, 4]]))
    with pytest.raises(ValueError, match="one-column table"):
        suppress_cells(np.array([[1], [40]]))


counts_tables = st.tuples(st.integers(2, 6), st.integers(2, 6)).flatmap(
    lambda shape: arrays(
        np.int64,
        shape,
        elements=st.one_of(st.integers(0, 29), st.integers(30, 400)),
    )
)


@settings(max_examples=150, deadline=None)
@given(counts=counts_tables)
def test_no_withheld_cell_can_be_solved_for_from_row_and_column_totals(counts):
    """Property: after suppression, solving the published totals for the withheld cells
    determines none of them (checked by linear algebra on the constraint matrix)."""
    sup = suppress_cells(counts, threshold=30)
    assert sup.mask[counts < 30].all()
    assert not recoverable_cells(sup.mask).any()
    # each line holds 0 or at least 2 withheld cells
    for axis in (0, 1):
        per_line = sup.mask.sum(axis=axis)
        assert ((per_line == 0) | (per_line >= 2)).all()
