"""Input validation shared by the engine (our ``check_array``).

Errors name the offending cell, code or empty item so that a researcher, the CLI or the
Django side can point at the exact row and column.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._typing import ArrayLike, FloatArray


class ConvergenceWarning(UserWarning):
    """An iterative estimator stopped at ``max_iter`` before meeting ``tol``.

    The same bases as scikit-learn's, defined here so that importing the engine
    does not import scikit-learn.
    """


class NotFittedError(ValueError, AttributeError):
    """A method that needs fitted attributes was called before ``fit``.

    The same bases as scikit-learn's ``NotFittedError``.
    """


class ResponseError(ValueError):
    """Bad response data; ``row`` and ``column`` locate the cell (0-based, or None).

    Parameters
    ----------
    message : str
        One-line human-readable message that already names the row/column.
    row, column : int or None
        0-based index of the offending person (row) and item (column).
    """

    def __init__(
        self, message: str, *, row: int | None = None, column: int | None = None
    ) -> None:
        super().__init__(message)
        self.row = row
        self.column = column


def _item_name(column: int, item_ids: Sequence[str] | None) -> str:
    if item_ids is not None and column < len(item_ids):
        return f"item {item_ids[column]!r} (column {column})"
    return f"item column {column}"


def check_responses(
    responses: ArrayLike,
    n_categories: ArrayLike | None = None,
    *,
    n_items: int | None = None,
    item_ids: Sequence[str] | None = None,
    require_item_responses: bool = False,
    require_person_responses: bool = False,
) -> FloatArray:
    """Validate a response matrix and return it as a float64 array.

    Parameters
    ----------
    responses : array_like of shape (n_persons, n_items)
        Codes ``0 .. K_j - 1`` per item; ``nan`` means "not administered".
    n_categories : array_like of int, shape (n_items,), optional
        Number of categories ``K_j`` of each item; codes ``>= K_j`` are rejected.
    n_items : int, optional
        Expected number of columns.
    item_ids : sequence of str, optional
        Item names used in error messages.
    require_item_responses : bool, default=False
        Reject items (columns) that nobody answered (calibration needs data per item).
    require_person_responses : bool, default=False
        Reject persons (rows) with no answer at all.

    Returns
    -------
    responses : ndarray of shape (n_persons, n_items), float64

    Raises
    ------
    ResponseError
        Naming the first bad row and/or column.
    """
    try:
        x = np.asarray(responses, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ResponseError(f"responses must be numeric: {exc}") from exc
    if x.ndim == 1:
        raise ResponseError(
            "responses must be 2-D (n_persons, n_items); got a 1-D array, "
            "use responses.reshape(1, -1) for a single person"
        )
    if x.ndim != 2:
        raise ResponseError(
            f"responses must be 2-D (n_persons, n_items), got {x.ndim}-D"
        )
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ResponseError(f"responses is empty (shape {x.shape})")
    if n_items is not None and x.shape[1] != n_items:
        raise ResponseError(
            f"responses has {x.shape[1]} item columns but the item parameters have "
            f"{n_items}"
        )
    missing = np.isnan(x)
    if n_categories is not None:
        k = np.asarray(n_categories, dtype=np.int64)
        if k.shape != (x.shape[1],):
            raise ResponseError(
                f"n_categories has shape {k.shape}, expected ({x.shape[1]},)"
            )
        # equality tests per category are cheaper than rounding and range checks
        valid = missing.copy()
        kmin = int(k.min())
        observed = np.nanmax(x) if not missing.all() else 0.0
        top = int(min(k.max(), observed + 1)) if np.isfinite(observed) else int(k.max())
        for code in range(max(top, 0)):
            hit = x == code
            if code >= kmin:
                hit &= (code < k)[None, :]
            valid |= hit
        bad = ~valid
    else:
        finite = ~missing & np.isfinite(x)
        bad = ~missing & ~(finite & (x >= 0) & (x == np.round(x)))
    if bad.any():
        r, c = np.argwhere(bad)[0]
        allowed = (
            f"0..{int(np.asarray(n_categories)[c]) - 1}"
            if n_categories is not None
            else "non-negative integers"
        )
        raise ResponseError(
            f"row {r}, {_item_name(int(c), item_ids)}: code {x[r, c]:g} is not a valid "
            f"category (allowed: {allowed}, or empty/nan for not administered)",
            row=int(r),
            column=int(c),
        )
    finite = ~missing
    if require_item_responses:
        empty = ~finite.any(axis=0)
        if empty.any():
            c = int(np.flatnonzero(empty)[0])
            raise ResponseError(
                f"{_item_name(c, item_ids)}: nobody answered this item", column=c
            )
    if require_person_responses:
        empty_rows = ~finite.any(axis=1)
        if empty_rows.any():
            r = int(np.flatnonzero(empty_rows)[0])
            raise ResponseError(f"row {r}: this person has no responses", row=r)
    return x


def check_sample_weight(sample_weight: ArrayLike | None, n_persons: int) -> FloatArray:
    """Return case weights of shape (n_persons,), all finite and >= 0, sum > 0."""
    if sample_weight is None:
        return np.ones(n_persons)
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.shape != (n_persons,):
        raise ValueError(f"sample_weight has shape {w.shape}, expected ({n_persons},)")
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        r = int(np.flatnonzero(bad)[0])
        raise ResponseError(
            f"row {r}: sample weight {w[r]} is not a finite non-negative number", row=r
        )
    if w.sum() <= 0:
        raise ValueError("sample weights sum to zero")
    return w


def check_is_fitted(estimator: Any, attributes: Sequence[str] | None = None) -> None:
    """Raise :class:`NotFittedError` unless ``estimator`` has fitted attributes.

    Parameters
    ----------
    estimator : object
    attributes : sequence of str, optional
        Attribute names to look for; default: any attribute ending in ``_``.
    """
    if attributes is None:
        fitted = any(
            k.endswith("_") and not k.startswith("__") for k in vars(estimator)
        )
    else:
        fitted = all(hasattr(estimator, a) for a in attributes)
    if not fitted:
        raise NotFittedError(
            f"This {type(estimator).__name__} instance is not fitted yet; call 'fit' "
            "first."
        )


__all__ = [
    "ConvergenceWarning",
    "NotFittedError",
    "ResponseError",
    "check_is_fitted",
    "check_responses",
    "check_sample_weight",
]
