"""Primary and complementary cell suppression for tables published with totals.

A cell with fewer respondents than the threshold is withheld (primary suppression). When
row and column totals are published, a single withheld cell in a row or column could be
recovered by subtraction, so a further cell is withheld there (complementary
suppression): in each row or column with exactly one withheld cell, the smallest
published cell is withheld too, until stable. Two cells per line are not always enough:
withheld cells linked by totals form a bipartite graph of rows and columns, and a cell is
determined exactly by the totals if and only if its edge is a bridge of that graph (lies
on no cycle). Remaining bridges are closed by withholding the smallest cell that
reconnects the two sides.

References
----------
.. [1] Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley, ch. 4.
.. [2] Cox, L. H. (1980). Suppression methodology and statistical disclosure control.
   *JASA* 75(370), 377–385.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy.sparse.csgraph import connected_components

from psychometrics.survey._common import BoolArray

PRIMARY = "primary"
COMPLEMENTARY = "complementary"


@dataclass(frozen=True, repr=False)
class Suppression:
    """Which cells of a table to withhold, and why.

    Attributes
    ----------
    mask : ndarray of bool, shape (n_rows, n_cols)
        True where the cell is withheld.
    reason : ndarray of str, shape (n_rows, n_cols)
        ``"primary"`` (n below the threshold), ``"complementary"`` or ``""``.
    threshold : int
    """

    mask: BoolArray
    reason: NDArray[np.str_]
    threshold: int

    def __repr__(self) -> str:
        n_p = int((self.reason == PRIMARY).sum())
        n_c = int((self.reason == COMPLEMENTARY).sum())
        return (
            f"Suppression(shape={self.mask.shape}, threshold={self.threshold}, "
            f"primary={n_p}, complementary={n_c})"
        )


def suppress_cells(
    counts: ArrayLike,
    *,
    threshold: int = 30,
    row_totals: bool = True,
    column_totals: bool = True,
) -> Suppression:
    """Decide which interior cells of a table to withhold.

    Parameters
    ----------
    counts : array_like of int, shape (n_rows, n_cols)
        Unweighted respondent count of each interior cell (e.g. district × age band).
    threshold : int, default=30
        Cells with ``count < threshold`` are withheld.
    row_totals, column_totals : bool
        Whether the row and column totals (over all cells, withheld or not) are
        published.

    Returns
    -------
    Suppression

    Notes
    -----
    The guarantee is against exact recovery from the published totals by linear
    arithmetic. It does not bound interval disclosure: two withheld cells whose total is
    0 are both 0.
    """
    c = np.asarray(counts)
    if c.ndim != 2 or min(c.shape) < 1:
        raise ValueError(f"counts must be a 2-D table, got shape {c.shape}")
    if (
        not np.issubdtype(c.dtype, np.number)
        or (c < 0).any()
        or not np.isfinite(c).all()
    ):
        raise ValueError("counts must be non-negative numbers")
    if row_totals and c.shape[1] < 2 and (c < threshold).any():
        raise ValueError("a one-column table with row totals cannot hide a cell")
    if column_totals and c.shape[0] < 2 and (c < threshold).any():
        raise ValueError("a one-row table with column totals cannot hide a cell")
    cf = c.astype(np.float64)
    primary = cf < threshold
    mask = primary.copy()
    while True:
        changed = _two_per_line(mask, cf, row_totals, column_totals)
        if row_totals and column_totals:
            changed |= _close_bridges(mask, cf)
        if not changed:
            break
    reason = np.full(c.shape, "", dtype="<U13")
    reason[mask] = COMPLEMENTARY
    reason[primary] = PRIMARY
    return Suppression(mask, reason, threshold)


def _two_per_line(
    mask: BoolArray, c: NDArray[np.float64], rows: bool, cols: bool
) -> bool:
    """Withhold the smallest published cell in every line with exactly one withheld."""
    changed = False

    def active_other(axis: int) -> bool:
        return cols if axis == 1 else rows

    while True:
        step = False
        for axis, active in ((1, rows), (0, cols)):
            if not active:
                continue
            single = np.flatnonzero(mask.sum(axis=axis) == 1)
            for line in single:
                if mask.sum(axis=axis)[line] != 1:
                    continue  # fixed by an earlier choice in this pass
                sel = (line, slice(None)) if axis == 1 else (slice(None), line)
                vals = np.where(mask[sel], np.inf, c[sel])
                if np.isinf(vals).all():
                    continue
                # prefer a cell whose crossing line also has a single withheld cell:
                # one extra cell then protects two lines
                crossing = mask.sum(axis=1 - axis) == 1 if active_other(axis) else None
                if crossing is not None and (crossing & ~np.isinf(vals)).any():
                    vals = np.where(crossing, vals, np.inf)
                j = int(np.argmin(vals))
                if axis == 1:
                    mask[line, j] = True
                else:
                    mask[j, line] = True
                step = True
        if not step:
            return changed
        changed = True


def _close_bridges(mask: BoolArray, c: NDArray[np.float64]) -> bool:
    """Withhold a cell closing a cycle through each bridge of the withheld-cell graph."""
    n_r, n_c = mask.shape
    changed = False
    for r, k in zip(*np.nonzero(mask), strict=True):
        rest = mask.copy()
        rest[r, k] = False
        n_comp, label = _components(rest)
        row_lab, col_lab = label[:n_r], label[n_r:]
        if row_lab[r] == col_lab[k]:
            continue  # on a cycle: not recoverable
        side_a, side_b = row_lab[r], col_lab[k]
        # a published cell joining the two sides puts (r, k) on a cycle
        cand = (~mask) & (
            (row_lab[:, None] == side_a) & (col_lab[None, :] == side_b)
            | (row_lab[:, None] == side_b) & (col_lab[None, :] == side_a)
        )
        if not cand.any():
            raise ValueError(f"cannot protect cell ({r}, {k}): no cell closes a cycle")
        i, j = np.unravel_index(int(np.argmin(np.where(cand, c, np.inf))), c.shape)
        mask[i, j] = True
        changed = True
    return changed


def _components(mask: BoolArray) -> tuple[int, NDArray[np.int32]]:
    """Connected components of the bipartite graph rows + columns, edges = cells."""
    n_r, n_c = mask.shape
    r, k = np.nonzero(mask)
    adj = sp.coo_matrix((np.ones(r.size), (r, n_r + k)), shape=(n_r + n_c, n_r + n_c))
    n_comp, labels = connected_components(adj, directed=False)
    return int(n_comp), np.asarray(labels, dtype=np.int32)


def recoverable_cells(
    mask: ArrayLike, *, row_totals: bool = True, column_totals: bool = True
) -> BoolArray:
    """Return which withheld cells the published totals determine exactly.

    Solves the linear system "row/column sums of withheld cells = published total minus
    published cells": withheld cell ``k`` is determined iff the unit vector ``e_k`` lies
    in the row space of the constraint matrix.

    Parameters
    ----------
    mask : array_like of bool, shape (n_rows, n_cols)

    Returns
    -------
    ndarray of bool, shape (n_rows, n_cols)
    """
    m = np.asarray(mask, dtype=bool)
    cells = np.argwhere(m)
    out = np.zeros(m.shape, dtype=bool)
    if cells.size == 0:
        return out
    eqs = []
    if row_totals:
        eqs += [(cells[:, 0] == i).astype(float) for i in range(m.shape[0])]
    if column_totals:
        eqs += [(cells[:, 1] == j).astype(float) for j in range(m.shape[1])]
    if not eqs:
        return out
    a = np.array(eqs)
    rank = np.linalg.matrix_rank(a)
    for idx, (i, j) in enumerate(cells):
        e = np.zeros(len(cells))
        e[idx] = 1.0
        out[i, j] = np.linalg.matrix_rank(np.vstack([a, e])) == rank
    return out
