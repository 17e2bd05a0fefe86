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

An empty cell (count 0) protects nothing: that nobody is in it is public, so it is
never chosen as a complementary cell and never counts as a second withheld cell of a
line. It is marked withheld with reason ``"empty"`` (there is no figure to show).

Tables are not the only thing published: a survey roll-up publishes districts, the
city and several breakdowns at once, each a sum over the same respondents.
:func:`protect_aggregates` takes any such family, given as coverage vectors over the
smallest non-empty groups ("atoms"), and withholds further aggregates until no
withheld one is a linear combination of published ones.

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
from threadpoolctl import threadpool_limits

from psychometrics.survey._common import BoolArray

PRIMARY = "primary"
COMPLEMENTARY = "complementary"
EMPTY = "empty"


@dataclass(frozen=True, repr=False)
class Suppression:
    """Which cells of a table to withhold, and why.

    Attributes
    ----------
    mask : ndarray of bool, shape (n_rows, n_cols)
        True where the cell is withheld.
    reason : ndarray of str, shape (n_rows, n_cols)
        ``"primary"`` (0 < n < threshold), ``"complementary"``, ``"empty"`` (n = 0)
        or ``""``.
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

    Raises
    ------
    ValueError
        If a small cell cannot be protected by withholding other cells: its line (or
        the component of withheld cells it belongs to) holds no other respondents, so
        the published totals give it whatever else is withheld. The caller must then
        withhold the totals or the whole table.

    Notes
    -----
    The guarantee is against exact recovery from the published totals by linear
    arithmetic, with empty cells known to be empty. It does not bound interval
    disclosure: two withheld cells whose total is small are both small.
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
    empty = cf == 0
    primary = (cf < threshold) & ~empty
    mask = primary.copy()
    try:
        while True:
            changed = _two_per_line(mask, cf, row_totals, column_totals)
            if row_totals and column_totals:
                changed |= _close_bridges(mask, cf)
            if not changed:
                break
    except ValueError:
        # The greedy choice can corner itself; the exact search decides.
        mask = _table_by_aggregates(cf, threshold, row_totals, column_totals)
    reason = np.full(c.shape, "", dtype="<U13")
    reason[mask] = COMPLEMENTARY
    reason[primary] = PRIMARY
    reason[empty] = EMPTY
    return Suppression(mask | empty, reason, threshold)


def _table_by_aggregates(
    c: NDArray[np.float64], threshold: int, rows: bool, cols: bool
) -> BoolArray:
    """Suppress a table through :func:`protect_aggregates`, its margins fixed."""
    cells = np.argwhere(c > 0)
    n_r, n_c = c.shape
    cov = [np.eye(len(cells))]
    if rows:
        cov.append(np.array([cells[:, 0] == i for i in range(n_r)], dtype=np.float64))
    if cols:
        cov.append(np.array([cells[:, 1] == j for j in range(n_c)], dtype=np.float64))
    coverage = np.vstack(cov)
    n_margins = coverage.shape[0] - len(cells)
    counts = np.concatenate([c[c > 0], np.full(n_margins, np.inf)])
    fixed = np.arange(coverage.shape[0]) >= len(cells)
    try:
        reason = protect_aggregates(coverage, counts, threshold=threshold, fixed=fixed)
    except ValueError as exc:
        lost = determined_aggregates(coverage, ~fixed)[: len(cells)] & (
            counts[: len(cells)] < threshold
        )
        where = ", ".join(f"({i}, {j})" for i, j in cells[lost])
        raise ValueError(
            f"cannot protect cell {where}: the published totals give it back whatever "
            "else is withheld (no other cell of its row or column holds respondents)"
        ) from exc
    mask = np.zeros(c.shape, dtype=bool)
    mask[tuple(cells[reason[: len(cells)] != ""].T)] = True
    return mask


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
                vals = np.where(mask[sel] | (c[sel] == 0), np.inf, c[sel])
                # a cell alone with respondents in its crossing line would itself be
                # unprotectable: take it only when nothing else is left
                alone = (c > 0).sum(axis=1 - axis) < 2 if active_other(axis) else None
                if alone is not None and (~alone & ~np.isinf(vals)).any():
                    vals = np.where(alone, np.inf, vals)
                if np.isinf(vals).all():
                    kind = "row" if axis == 1 else "column"
                    raise ValueError(
                        f"cannot protect the withheld cell of {kind} {line}: "
                        "no other cell of it holds respondents"
                    )
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
    """Withhold a cell closing a cycle through each bridge of the withheld-cell graph.

    When no single non-empty cell joins the bridge's two sides, the smallest non-empty
    cell leading out of one side is withheld, which grows that side; the outer loop
    comes back until the sides meet or nothing leads out (then no suppression of cells
    protects the bridge, and ValueError is raised).
    """
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
        free = (~mask) & (c > 0)
        cand = free & (
            (row_lab[:, None] == side_a) & (col_lab[None, :] == side_b)
            | (row_lab[:, None] == side_b) & (col_lab[None, :] == side_a)
        )
        if not cand.any():
            in_a_row, in_a_col = row_lab[:, None] == side_a, col_lab[None, :] == side_a
            cand = free & (in_a_row ^ in_a_col)
        if not cand.any():
            raise ValueError(
                f"cannot protect cell ({r}, {k}): no non-empty cell closes a cycle"
            )
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


def determined_aggregates(
    coverage: ArrayLike, withheld: ArrayLike, *, tol: float = 1e-9
) -> BoolArray:
    """Return which withheld aggregates the published ones determine exactly.

    Parameters
    ----------
    coverage : array_like, shape (n_aggregates, n_atoms)
        Row ``g`` is 1 on the atoms (smallest non-empty groups) aggregate ``g`` sums
        over, 0 elsewhere.
    withheld : array_like of bool, shape (n_aggregates,)

    Returns
    -------
    ndarray of bool, shape (n_aggregates,)
        True for a withheld aggregate whose coverage lies in the row space of the
        published aggregates' coverage (its total is then a linear combination of
        published totals, whatever the atoms hold).
    """
    cov = np.asarray(coverage, dtype=np.float64)
    w = np.asarray(withheld, dtype=bool)
    if cov.ndim != 2 or w.shape != (cov.shape[0],):
        raise ValueError(
            f"coverage must be (aggregates, atoms) and withheld (aggregates,), "
            f"got {cov.shape} and {w.shape}"
        )
    out = np.zeros(w.shape, dtype=bool)
    pub = cov[~w]
    if not w.any() or pub.shape[0] == 0:
        return out
    _u, s, vt = np.linalg.svd(pub, full_matrices=False)
    rank = int((s > tol * max(pub.shape) * s[0]).sum()) if s.size and s[0] > 0 else 0
    basis = vt[:rank]
    target = cov[w]
    resid = target - (target @ basis.T) @ basis
    scale = np.maximum(np.abs(target).max(axis=1), 1.0)
    out[w] = np.abs(resid).max(axis=1) < 1e-7 * scale
    return out


def protect_aggregates(
    coverage: ArrayLike,
    counts: ArrayLike,
    *,
    threshold: int = 30,
    withheld: ArrayLike | None = None,
    fixed: ArrayLike | None = None,
) -> NDArray[np.str_]:
    """Withhold small aggregates and enough others that none can be worked out.

    A family of published aggregates (districts, the city, district × category cells,
    city × category cells …) is described by each aggregate's coverage over atoms, the
    smallest non-empty groups of respondents. An aggregate with fewer respondents than
    the threshold is withheld (primary); then, while some withheld aggregate's total is
    a linear combination of published totals (:func:`determined_aggregates`), a
    published aggregate is withheld too (complementary): the smallest one whose removal
    breaks every such combination, else all those the combination uses.

    Parameters
    ----------
    coverage : array_like, shape (n_aggregates, n_atoms)
    counts : array_like of int, shape (n_aggregates,)
        Unweighted respondents of each aggregate.
    threshold : int, default=30
    withheld : array_like of bool, shape (n_aggregates,), optional
        Aggregates already withheld (for example complements chosen by
        :func:`suppress_cells` on a table); they are kept withheld.
    fixed : array_like of bool, shape (n_aggregates,), optional
        Aggregates published whatever happens (for example a table's margins); never
        chosen as complements.

    Returns
    -------
    ndarray of str, shape (n_aggregates,)
        ``"primary"``, ``"complementary"`` or ``""`` (published).

    Raises
    ------
    ValueError
        If a withheld aggregate follows from the fixed aggregates alone.
    """
    cov = np.asarray(coverage, dtype=np.float64)
    n = np.asarray(counts, dtype=np.float64)
    if cov.ndim != 2 or n.shape != (cov.shape[0],):
        raise ValueError(
            f"coverage must be (aggregates, atoms) and counts (aggregates,), "
            f"got {cov.shape} and {n.shape}"
        )
    fix = (
        np.zeros(n.shape, dtype=bool)
        if fixed is None
        else np.asarray(fixed, dtype=bool)
    )
    primary = (n < threshold) & ~fix
    mask = primary.copy()
    if withheld is not None:
        mask |= np.asarray(withheld, dtype=bool) & ~fix
    # Small decompositions: BLAS threads only fight the other processes of the box
    # (measured: 40 ms single-threaded, up to 10 s with threads on a loaded 2-core box).
    with threadpool_limits(limits=1, user_api="blas"):
        _protect(cov, n, mask, fix.copy(), primary)
    reason = np.full(mask.shape, "", dtype="<U13")
    reason[mask] = COMPLEMENTARY
    reason[primary] = PRIMARY
    return reason


def _protect(
    cov: NDArray[np.float64],
    n: NDArray[np.float64],
    mask: BoolArray,
    fixed: BoolArray,
    primary: BoolArray,
) -> None:
    """Withhold complements in ``mask`` until no withheld aggregate is determined."""
    while True:
        found = np.flatnonzero(determined_aggregates(cov, mask))
        if found.size == 0:
            return
        g = int(found[0])
        # Rows needed by every way of writing g from published rows carry a non-zero
        # coefficient in the minimum-norm one; withholding one of them breaks it.
        pub = np.flatnonzero(~mask)
        coef = np.linalg.lstsq(cov[pub].T, cov[g], rcond=None)[0]
        cand = pub[(np.abs(coef) > 1e-9) & ~fixed[pub]]
        cand = cand[np.argsort(n[cand], kind="stable")]
        for h in cand:
            trial = mask.copy()
            trial[h] = True
            if not determined_aggregates(cov, trial)[g]:
                mask[h] = True
                break
        else:
            if determined_aggregates(cov, ~fixed)[g]:
                if primary[g]:
                    raise ValueError(
                        f"aggregate {g} follows from the aggregates that must stay published"
                    )
                # a complement the fixed aggregates give away protects nothing
                mask[g] = False
                fixed[g] = True
                continue
            mask[cand if cand.size else pub[~fixed[pub]]] = True
