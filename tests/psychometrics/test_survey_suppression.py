"""Primary and complementary suppression never reveal a withheld cell."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from psychometrics.survey import recoverable_cells, suppress_cells
from psychometrics.survey.suppression import determined_aggregates, protect_aggregates


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
    try:
        sup = suppress_cells(counts, threshold=30)
    except ValueError:
        # refused only when even withholding every non-empty cell gives a small one back
        everything = counts > 0
        assert (recoverable_cells(everything) & (counts < 30) & everything).any()
        return
    assert sup.mask[counts < 30].all()
    assert (sup.reason[counts == 0] == "empty").all()
    # empty cells are published as empty: only the others are unknowns
    live = sup.mask & (counts > 0)
    assert not recoverable_cells(live).any()
    # each line holds 0 or at least 2 withheld non-empty cells
    for axis in (0, 1):
        per_line = live.sum(axis=axis)
        assert ((per_line == 0) | (per_line >= 2)).all()


def test_an_empty_cell_is_never_the_protection():
    """Column 0's smallest other cell is empty: withholding it would protect nothing,
    since its emptiness is public, so (2, 0) is withheld instead."""
    counts = np.array([[0, 40, 40], [3, 40, 40], [40, 40, 40]])
    sup = suppress_cells(counts, threshold=5)
    live = sup.mask & (counts > 0)
    assert sup.reason[0, 0] == "empty" and sup.reason[1, 0] == "primary"
    assert live[2, 0]
    assert not recoverable_cells(live).any()
    # and a small cell that is its column's only respondent cannot be protected at all
    with pytest.raises(ValueError, match=r"cannot protect cell \(1, 0\)"):
        suppress_cells(np.array([[0, 5], [1, 4]]), threshold=5)


def test_a_cell_alone_in_its_row_cannot_be_protected():
    with pytest.raises(ValueError, match=r"cannot protect cell \(0, 0\)"):
        suppress_cells(
            np.array([[3, 0, 0], [40, 50, 60]]), threshold=5, column_totals=False
        )


def test_a_bridge_is_closed_through_another_component_when_no_cell_joins_its_sides():
    # (0,0) small; its row and column partners must connect through row 2 / column 2
    counts = np.array([[3, 40, 0], [40, 0, 40], [0, 40, 40]])
    sup = suppress_cells(counts, threshold=5)
    live = sup.mask & (counts > 0)
    assert live[0, 0]
    assert not recoverable_cells(live).any()


def test_aggregates_determined_by_subtraction_are_found():
    # atoms a, b, c; published: a+b+c (city), a+b (district 1); withheld: c (district 2)
    cov = np.array([[1, 1, 1], [1, 1, 0], [0, 0, 1]])
    assert determined_aggregates(cov, [False, False, True]).tolist() == [
        False,
        False,
        True,
    ]
    assert not determined_aggregates(cov, [False, True, True]).any()
    with pytest.raises(ValueError, match="coverage must be"):
        determined_aggregates(cov, [True, False])


def test_protect_aggregates_adds_the_smallest_breaking_complement():
    # city, districts d1 (a+b), d2 (c), d3 (d); d2 is small
    cov = np.array([[1, 1, 1, 1], [1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
    reason = protect_aggregates(cov, [100, 60, 4, 40], threshold=30)
    assert reason.tolist() == ["", "", "primary", "complementary"]
    assert not determined_aggregates(cov, reason != "").any()
    # nothing small, nothing withheld; everything small, everything withheld
    assert (protect_aggregates(cov, [100, 60, 40, 40], threshold=30) == "").all()
    assert (protect_aggregates(cov, [10, 6, 2, 2], threshold=30) == "primary").all()
