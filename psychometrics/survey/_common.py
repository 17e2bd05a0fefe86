"""Array types and input checks shared by the survey-statistics modules."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
BoolArray = NDArray[np.bool_]


def as_float_vector(x: ArrayLike, name: str, *, n: int | None = None) -> FloatArray:
    """Return ``x`` as a finite 1-D float array, naming ``name`` in any error."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{name} has {arr.shape[0]} entries, expected {n}")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(f"{name} is not finite at position {int(np.argmax(bad))}")
    return arr


def check_weights(
    w: ArrayLike,
    name: str = "weights",
    *,
    n: int | None = None,
    allow_zero: bool = False,
) -> FloatArray:
    """Return weights as floats; reject negative (and, unless allowed, zero) weights.

    Accepts shape (n,) or (n, n_columns) (replicate weights).
    """
    arr = np.asarray(w, dtype=np.float64)
    if arr.ndim not in (1, 2):
        raise ValueError(f"{name} must be 1-D or 2-D, got shape {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{name} has {arr.shape[0]} rows, expected {n}")
    if not np.isfinite(arr).all():
        idx = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(
            f"{name} is not finite at position {tuple(int(i) for i in idx)}"
        )
    bad = arr < 0 if allow_zero else arr <= 0
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        kind = "negative" if allow_zero else "non-positive"
        raise ValueError(
            f"{name} has a {kind} weight {float(arr[idx])!r} at position {idx}"
        )
    return arr


def encode(
    values: ArrayLike, name: str, *, n: int | None = None
) -> tuple[IntArray, list[Any]]:
    """Encode labels as integer codes 0..K-1, returning ``(codes, labels)``.

    Labels are sorted (as strings when they do not compare), so the coding is stable.
    """
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{name} has {arr.shape[0]} entries, expected {n}")
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise ValueError(
            f"{name} is missing (nan) at position {int(np.argmax(np.isnan(arr)))}"
        )
    try:
        labels, codes = np.unique(arr, return_inverse=True)
    except TypeError:
        labels, codes = np.unique(arr.astype(str), return_inverse=True)
    return codes.astype(np.intp).ravel(), [_plain(v) for v in labels]


def _plain(v: Any) -> Hashable:
    """Turn numpy scalars into plain Python values for dictionary look-ups and reprs."""
    out: Hashable = v.item() if isinstance(v, np.generic) else v
    return out
