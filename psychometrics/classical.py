"""Classical item statistics: p-values, item-total correlations, alpha, omit rates.

Responses are ``(n_persons, n_items)`` float arrays scored 0..K-1, with ``nan`` for
"not administered" (booklets, adaptive tests). Omitted responses (seen but not answered)
are marked by ``omit_code`` and scored 0, the usual treatment of embedded omits.

With incomplete designs the total and rest scores are *prorated*: the mean over the
administered items times the number of items, as ``girth.cronbach_alpha`` does. For
complete data this is the plain summed score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from psychometrics._typing import FloatArray, IntArray

__all__ = ["ClassicalStatistics", "classical_statistics", "cronbach_alpha"]


@dataclass(frozen=True, repr=False)
class ClassicalStatistics:
    """Classical statistics of a set of items.

    Attributes
    ----------
    item_ids : tuple of str, length n_items
    n_administered : ndarray of shape (n_items,)
        Persons the item was presented to (answered or omitted).
    p_value : ndarray of shape (n_items,)
        Mean item score divided by the maximum score (proportion correct for 0/1).
    item_rest : ndarray of shape (n_items,)
        Pearson correlation of the item with the (prorated) score on the other items.
    point_biserial : ndarray of shape (n_items,)
        Pearson correlation of the item with the (prorated) total score including it
        (point-biserial for dichotomous items, item-total otherwise).
    omit_rate : ndarray of shape (n_items,)
        Omitted responses among the persons the item was presented to.
    alpha : float
        Cronbach's alpha of all items.
    alpha_if_deleted : ndarray of shape (n_items,)
        Alpha of the remaining items when the item is left out (nan with < 3 items).
    n_persons : int
        Persons with at least one administered item.
    """

    item_ids: tuple[str, ...]
    n_administered: IntArray
    p_value: FloatArray
    item_rest: FloatArray
    point_biserial: FloatArray
    omit_rate: FloatArray
    alpha: float
    alpha_if_deleted: FloatArray
    n_persons: int

    def __repr__(self) -> str:
        return (
            f"ClassicalStatistics(n_items={len(self.item_ids)}, "
            f"n_persons={self.n_persons}, alpha={self.alpha:.3f}, "
            f"mean_p={np.nanmean(self.p_value):.3f}, "
            f"min_item_rest={np.nanmin(self.item_rest):.3f})"
        )

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-friendly dict with one record per item."""
        items = [
            {
                "id": item_id,
                "n": int(self.n_administered[j]),
                "p_value": _f(self.p_value[j]),
                "item_rest": _f(self.item_rest[j]),
                "point_biserial": _f(self.point_biserial[j]),
                "omit_rate": _f(self.omit_rate[j]),
                "alpha_if_deleted": _f(self.alpha_if_deleted[j]),
            }
            for j, item_id in enumerate(self.item_ids)
        ]
        return {"alpha": _f(self.alpha), "n_persons": self.n_persons, "items": items}


def _f(x: float) -> float | None:
    return None if not np.isfinite(x) else float(x)


def _check_scored(
    responses: ArrayLike, omit_code: float | None
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Validate responses; return scores (omits as 0, nan not administered) and omits."""
    x = np.array(responses, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(
            f"responses must be 2-D (n_persons, n_items); got shape {x.shape}"
        )
    if x.shape[0] < 2 or x.shape[1] < 1:
        raise ValueError(
            f"responses need at least 2 persons and 1 item; got shape {x.shape}"
        )
    omitted = np.zeros(x.shape, dtype=bool)
    if omit_code is not None:
        omitted = x == omit_code
        x[omitted] = 0.0
    bad = ~np.isnan(x) & ((x < 0) | (x != np.round(x)))
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise ValueError(
            f"responses[{r}, {c}] = {x[r, c]!r} is not a score 0, 1, 2, ... or nan"
        )
    return x, omitted


def _corr_pairwise(x: FloatArray, y: FloatArray) -> float:
    """Pearson correlation over cells where both are finite; nan if degenerate."""
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 2:
        return np.nan
    xs, ys = x[ok] - x[ok].mean(), y[ok] - y[ok].mean()
    den = np.sqrt((xs @ xs) * (ys @ ys))
    return float(xs @ ys / den) if den > 0 else np.nan


def cronbach_alpha(responses: ArrayLike) -> float:
    """Cronbach's alpha (tau-equivalent reliability).

    Parameters
    ----------
    responses : array_like of shape (n_persons, n_items)
        Item scores, ``nan`` for not administered.

    Returns
    -------
    float
        ``k/(k-1) * (1 - sum(var_j) / var(total))``; item variances over the persons
        the item was administered to, the total prorated as ``k * mean`` over the
        administered items (agrees with ``girth.cronbach_alpha``).

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    Psychometrika, 16, 297-334.
    """
    x, _ = _check_scored(responses, None)
    return _alpha(x)


def _alpha(x: FloatArray) -> float:
    k = x.shape[1]
    if k < 2:
        return np.nan
    answered = ~np.isnan(x).all(axis=1)
    x = x[answered]
    item_var = np.nansum(np.nanvar(x, axis=0, ddof=1))
    total_var = (k * np.nanmean(x, axis=1)).var(ddof=1)
    if total_var <= 0:
        return np.nan
    return float(k / (k - 1) * (1.0 - item_var / total_var))


def classical_statistics(
    responses: ArrayLike,
    *,
    item_ids: Sequence[str] | None = None,
    max_scores: ArrayLike | None = None,
    omit_code: float | None = None,
) -> ClassicalStatistics:
    """Compute classical item statistics.

    Parameters
    ----------
    responses : array_like of shape (n_persons, n_items)
        Item scores 0..K-1; ``nan`` = not administered; ``omit_code`` = omitted.
    item_ids : sequence of str, optional
        Default ``("0", "1", ...)``.
    max_scores : array_like of shape (n_items,), optional
        Maximum possible score per item; default the largest observed score (at
        least 1).
    omit_code : float, optional
        Value that marks an omitted response; scored 0 and counted in ``omit_rate``.

    Returns
    -------
    ClassicalStatistics

    Raises
    ------
    ValueError
        Wrong shape, a code that is not a non-negative integer, an item nobody was
        presented, or ``max_scores`` of the wrong length or below an observed score.

    References
    ----------
    Crocker, L., & Algina, J. (1986). *Introduction to Classical and Modern Test
    Theory*. Holt, Rinehart and Winston, ch. 14.
    """
    x, omitted = _check_scored(responses, omit_code)
    n_persons, n_items = x.shape
    ids = _item_ids(item_ids, n_items)
    administered = ~np.isnan(x)
    n_adm = administered.sum(axis=0)
    empty = np.flatnonzero(n_adm == 0)
    if empty.size:
        raise ValueError(f"item {ids[empty[0]]!r} was administered to nobody")
    observed_max = np.nanmax(x, axis=0)
    if max_scores is None:
        max_s = np.maximum(observed_max, 1.0)
    else:
        max_s = np.asarray(max_scores, dtype=np.float64)
        if max_s.shape != (n_items,):
            raise ValueError(
                f"max_scores must have shape ({n_items},); got {max_s.shape}"
            )
        over = np.flatnonzero(observed_max > max_s)
        if over.size:
            j = over[0]
            raise ValueError(
                f"item {ids[j]!r} has score {observed_max[j]:g} above its "
                f"max_scores {max_s[j]:g}"
            )
    p_value = np.nanmean(x, axis=0) / max_s
    omit_rate = omitted.sum(axis=0) / n_adm

    # Prorated totals: k * mean over administered items (the plain sum when complete).
    n_answered = administered.sum(axis=1)
    sums = np.nansum(x, axis=1)
    total = np.where(n_answered > 0, n_items * sums / np.maximum(n_answered, 1), np.nan)
    item_rest = np.full(n_items, np.nan)
    point_biserial = np.full(n_items, np.nan)
    alpha_if_deleted = np.full(n_items, np.nan)
    for j in range(n_items):
        col = x[:, j]
        n_other = n_answered - administered[:, j]
        rest = np.where(
            n_other > 0,
            (n_items - 1) * (sums - np.nan_to_num(col)) / np.maximum(n_other, 1),
            np.nan,
        )
        item_rest[j] = _corr_pairwise(col, rest)
        point_biserial[j] = _corr_pairwise(col, total)
        if n_items >= 3:
            alpha_if_deleted[j] = _alpha(np.delete(x, j, axis=1))
    return ClassicalStatistics(
        item_ids=ids,
        n_administered=n_adm.astype(np.int64),
        p_value=p_value,
        item_rest=item_rest,
        point_biserial=point_biserial,
        omit_rate=omit_rate,
        alpha=_alpha(x),
        alpha_if_deleted=alpha_if_deleted,
        n_persons=int((n_answered > 0).sum()),
    )


def _item_ids(item_ids: Sequence[str] | None, n_items: int) -> tuple[str, ...]:
    if item_ids is None:
        return tuple(str(j) for j in range(n_items))
    ids = tuple(str(i) for i in item_ids)
    if len(ids) != n_items:
        raise ValueError(f"item_ids has {len(ids)} entries for {n_items} items")
    return ids
