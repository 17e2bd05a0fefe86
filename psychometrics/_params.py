"""The :class:`ItemParameters` container (re-exported by :mod:`psychometrics.irt`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._typing import ArrayLike, FloatArray, IntArray

MODELS = ("rasch", "2pl", "3pl", "grm", "gpcm")
DICHOTOMOUS = ("rasch", "2pl", "3pl")
POLYTOMOUS = ("grm", "gpcm")


def _as_1d(x: ArrayLike, n: int, name: str, default: float | None = None) -> FloatArray:
    if x is None:
        if default is None:
            raise ValueError(f"{name} is required")
        return np.full(n, float(default))
    arr = np.asarray(x, dtype=np.float64).reshape(-1)
    if arr.size == 1 and n != 1:
        arr = np.full(n, float(arr[0]))
    if arr.shape != (n,):
        raise ValueError(f"{name} has shape {arr.shape}, expected ({n},)")
    return arr.copy()


def _pad_thresholds(thresholds: Any) -> FloatArray:
    """Turn a 2-D array or a ragged list of lists into a nan-padded 2-D array."""
    if isinstance(thresholds, np.ndarray) and thresholds.dtype != object:
        arr = np.asarray(thresholds, dtype=np.float64)
        return arr.reshape(arr.shape[0], -1) if arr.ndim == 1 else arr.copy()
    rows = [np.atleast_1d(np.asarray(t, dtype=np.float64)) for t in thresholds]
    width = max((r.size for r in rows), default=1)
    out = np.full((len(rows), max(width, 1)), np.nan)
    for i, r in enumerate(rows):
        out[i, : r.size] = r
    return out


@dataclass(frozen=True, repr=False)
class ItemParameters:
    """Item parameters of a bank, one row per item.

    Parameters
    ----------
    models : tuple of str, length n_items
        One of ``MODELS`` per item; mixed banks are allowed.
    a : ndarray of shape (n_items,)
        Discrimination (1.0 for ``rasch``).
    b : ndarray of shape (n_items,)
        Difficulty; for ``grm``/``gpcm`` the mean of the thresholds.
    c : ndarray of shape (n_items,)
        Lower asymptote; 0.0 unless ``3pl``.
    thresholds : ndarray of shape (n_items, max_categories - 1)
        nan-padded. Dichotomous items: ``thresholds[:, 0] == b``. ``grm``: ordered
        boundary locations; ``gpcm``: step difficulties.
    item_ids : tuple of str, length n_items
        Default ``("0", "1", ...)``.
    """

    models: tuple[str, ...]
    a: FloatArray
    b: FloatArray
    c: FloatArray
    thresholds: FloatArray
    item_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        models = (self.models,) if isinstance(self.models, str) else tuple(self.models)
        n = len(models)
        if n == 0:
            raise ValueError("ItemParameters needs at least one item")
        if isinstance(self.models, str):
            models = models * len(np.atleast_1d(self.a))
            n = len(models)
        models = tuple(str(m).lower() for m in models)
        for j, m in enumerate(models):
            if m not in MODELS:
                raise ValueError(f"item {j}: unknown model {m!r}; choose from {MODELS}")
        a = _as_1d(self.a, n, "a", default=1.0)
        c = _as_1d(self.c, n, "c", default=0.0)
        thr = _pad_thresholds(self.thresholds)
        if thr.shape[0] != n:
            raise ValueError(f"thresholds has {thr.shape[0]} rows, expected {n}")
        b = _as_1d(self.b, n, "b", default=np.nan) if self.b is not None else None
        dich = np.array([m in DICHOTOMOUS for m in models])
        if b is not None:
            thr[dich, 0] = b[dich]
            thr[dich, 1:] = np.nan
        width = max(int(np.max(np.sum(~np.isnan(thr), axis=1))), 1)
        thr = thr[:, :width].copy()  # drop all-nan padding columns
        ids = tuple(str(i) for i in self.item_ids) or tuple(str(j) for j in range(n))
        if len(ids) != n:
            raise ValueError(f"item_ids has {len(ids)} entries, expected {n}")
        if len(set(ids)) != n:
            raise ValueError("item_ids must be unique")
        for j, m in enumerate(models):
            row = thr[j]
            k = int(np.sum(~np.isnan(row)))
            if k == 0 or np.isnan(row[:k]).any() or not np.isfinite(row[:k]).all():
                raise ValueError(
                    f"item {ids[j]!r}: thresholds must be finite, nan-padded at the end"
                )
            if m == "rasch":
                a[j] = 1.0 if np.isnan(a[j]) else a[j]
            if not (np.isfinite(a[j]) and a[j] > 0):
                raise ValueError(
                    f"item {ids[j]!r}: discrimination a={a[j]} must be > 0"
                )
            if m != "3pl":
                c[j] = 0.0
            elif not (0.0 <= c[j] < 1.0):
                raise ValueError(
                    f"item {ids[j]!r}: lower asymptote c={c[j]} not in [0, 1)"
                )
            if m == "grm" and k > 1 and np.any(np.diff(row[:k]) <= 0):
                raise ValueError(f"item {ids[j]!r}: grm thresholds must increase")
        b_all = np.where(dich, thr[:, 0], np.nanmean(thr, axis=1))
        for name, value in (
            ("models", models),
            ("a", a),
            ("b", b_all),
            ("c", c),
            ("thresholds", thr),
            ("item_ids", ids),
        ):
            if isinstance(value, np.ndarray):
                value.setflags(write=False)
            object.__setattr__(self, name, value)

    # ------------------------------------------------------------------ builders
    @classmethod
    def dichotomous(
        cls,
        a: ArrayLike | None,
        b: ArrayLike,
        c: ArrayLike | None = None,
        *,
        model: str | Sequence[str] = "2pl",
        item_ids: Sequence[str] | None = None,
    ) -> ItemParameters:
        """Build a dichotomous bank from ``a``, ``b`` (and ``c`` for 3PL), each (n_items,)."""
        b_arr = np.atleast_1d(np.asarray(b, dtype=np.float64))
        n = b_arr.size
        models = (model,) * n if isinstance(model, str) else tuple(model)
        if a is None:
            a = np.ones(n)
        return cls(
            models=models,
            a=np.asarray(a, dtype=np.float64),
            b=b_arr,
            c=None if c is None else np.asarray(c, dtype=np.float64),  # type: ignore[arg-type]
            thresholds=b_arr.reshape(-1, 1),
            item_ids=tuple(item_ids or ()),
        )

    @classmethod
    def polytomous(
        cls,
        a: ArrayLike,
        thresholds: Any,
        *,
        model: str | Sequence[str] = "grm",
        item_ids: Sequence[str] | None = None,
    ) -> ItemParameters:
        """Build a polytomous bank; ``thresholds`` is 2-D nan-padded or ragged lists."""
        thr = _pad_thresholds(thresholds)
        n = thr.shape[0]
        models = (model,) * n if isinstance(model, str) else tuple(model)
        return cls(
            models=models,
            a=np.asarray(a, dtype=np.float64),
            b=None,  # type: ignore[arg-type]
            c=None,  # type: ignore[arg-type]
            thresholds=thr,
            item_ids=tuple(item_ids or ()),
        )

    @classmethod
    def concatenate(cls, banks: Iterable[ItemParameters]) -> ItemParameters:
        """Stack several banks (e.g. dichotomous and polytomous) into one."""
        banks = list(banks)
        width = max(bk.thresholds.shape[1] for bk in banks)
        thr = np.vstack(
            [
                np.pad(
                    bk.thresholds,
                    ((0, 0), (0, width - bk.thresholds.shape[1])),
                    constant_values=np.nan,
                )
                for bk in banks
            ]
        )
        return cls(
            models=sum((bk.models for bk in banks), ()),
            a=np.concatenate([bk.a for bk in banks]),
            b=np.concatenate([bk.b for bk in banks]),
            c=np.concatenate([bk.c for bk in banks]),
            thresholds=thr,
            item_ids=sum((bk.item_ids for bk in banks), ()),
        )

    # ------------------------------------------------------------------ properties
    @property
    def n_items(self) -> int:
        """Number of items."""
        return len(self.models)

    @property
    def n_categories(self) -> IntArray:
        """Number of response categories per item, shape (n_items,); 2 if dichotomous."""
        counts: IntArray = np.sum(~np.isnan(self.thresholds), axis=1) + 1
        return counts.astype(np.int64)

    @property
    def max_categories(self) -> int:
        """Largest number of categories in the bank."""
        return int(self.n_categories.max())

    def subset(self, idx: ArrayLike) -> ItemParameters:
        """Return the items selected by ``idx`` (integer indices or boolean mask)."""
        sel = np.asarray(idx)
        if sel.dtype == bool:
            sel = np.flatnonzero(sel)
        sel = sel.reshape(-1).astype(np.int64)
        thr = self.thresholds[sel]
        return ItemParameters(
            models=tuple(self.models[i] for i in sel),
            a=self.a[sel],
            b=self.b[sel],
            c=self.c[sel],
            thresholds=thr,
            item_ids=tuple(self.item_ids[i] for i in sel),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form: ``{"items": [{"id","model","a","b","c","thresholds"}]}``."""
        items = []
        for j in range(self.n_items):
            k = int(self.n_categories[j]) - 1
            items.append(
                {
                    "id": self.item_ids[j],
                    "model": self.models[j],
                    "a": float(self.a[j]),
                    "b": float(self.b[j]),
                    "c": float(self.c[j]),
                    "thresholds": [float(t) for t in self.thresholds[j, :k]],
                }
            )
        return {"items": items}

    @classmethod
    def from_dict(
        cls, d: Mapping[str, Any] | Sequence[Mapping[str, Any]]
    ) -> ItemParameters:
        """Inverse of :meth:`to_dict`; also accepts the CLI's calibration JSON."""
        items = d["items"] if isinstance(d, Mapping) else list(d)
        default = str(d.get("model", "2pl")) if isinstance(d, Mapping) else "2pl"
        models = tuple(str(it.get("model") or default).lower() for it in items)
        thr: list[list[float]] = []
        b = []
        for it, m in zip(items, models, strict=True):
            if m in DICHOTOMOUS:
                bj = float(it["b"] if it.get("b") is not None else it["thresholds"][0])
                thr.append([bj])
                b.append(bj)
            else:
                thr.append([float(t) for t in it["thresholds"]])
                b.append(np.nan)
        return cls(
            models=models,
            a=np.array(
                [
                    float(it.get("a", 1.0) if it.get("a") is not None else 1.0)
                    for it in items
                ]
            ),
            b=None,  # type: ignore[arg-type]
            c=np.array([float(it.get("c") or 0.0) for it in items]),
            thresholds=_pad_thresholds(thr),
            item_ids=tuple(str(it.get("id", j)) for j, it in enumerate(items)),
        )

    def __repr__(self) -> str:
        counts = {m: self.models.count(m) for m in MODELS if m in self.models}
        kinds = ", ".join(f"{v} {k}" for k, v in counts.items())
        return f"ItemParameters(n_items={self.n_items}: {kinds})"

    def __len__(self) -> int:
        return self.n_items
