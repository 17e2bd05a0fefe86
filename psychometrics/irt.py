"""Item response models: probabilities, information and log-likelihood.

One vectorised implementation per model, on arrays of items × ability points. Logistic
metric throughout (no ``D = 1.702``):

* ``rasch``  : ``P(x=1 | θ) = σ(θ - b)``  (``a`` fixed at 1)
* ``2pl``    : ``P(x=1 | θ) = σ(a (θ - b))``
* ``3pl``    : ``P(x=1 | θ) = c + (1 - c) σ(a (θ - b))``
* ``grm``    : graded response, ``P(x >= k | θ) = σ(a (θ - b_k))``, ``b_1 < ... < b_{K-1}``
* ``gpcm``   : generalised partial credit,
  ``P(x = k | θ) ∝ exp(Σ_{v <= k} a (θ - δ_v))`` with step difficulties ``δ_v``

References
----------
.. [1] Lord, F. M. (1980). *Applications of Item Response Theory to Practical Testing
   Problems*. Erlbaum.
.. [2] Samejima, F. (1969). Estimation of latent ability using a response pattern of
   graded scores. *Psychometrika Monograph Supplement*, 17.
.. [3] Muraki, E. (1992). A generalized partial credit model: Application of an EM
   algorithm. *Applied Psychological Measurement*, 16(2), 159-176.
.. [4] Baker, F. B., & Kim, S.-H. (2004). *Item Response Theory: Parameter Estimation
   Techniques* (2nd ed.). Marcel Dekker.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import expit

from ._typing import ArrayLike, FloatArray, IntArray
from ._validation import check_responses

MODELS = ("rasch", "2pl", "3pl", "grm", "gpcm")
DICHOTOMOUS = ("rasch", "2pl", "3pl")
POLYTOMOUS = ("grm", "gpcm")
_TINY = 1e-300


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
        return (np.sum(~np.isnan(self.thresholds), axis=1) + 1).astype(np.int64)

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


# ---------------------------------------------------------------------- quadrature
def normal_quadrature(
    n_points: int = 61, *, mean: float = 0.0, sd: float = 1.0, bound: float = 6.0
) -> tuple[FloatArray, FloatArray]:
    """Equally spaced nodes on ``mean ± bound·sd`` and normalised normal weights.

    Parameters
    ----------
    n_points : int, default=61
    mean, sd : float
        Mean and standard deviation of the normal density.
    bound : float, default=6.0
        Half-width of the grid in standard deviations.

    Returns
    -------
    nodes : ndarray of shape (n_points,)
    weights : ndarray of shape (n_points,), summing to 1
    """
    if n_points < 2:
        raise ValueError("n_points must be >= 2")
    if not sd > 0:
        raise ValueError("sd must be > 0")
    z = np.linspace(-bound, bound, n_points)
    w = np.exp(-0.5 * z**2)
    return mean + sd * z, w / w.sum()


# ---------------------------------------------------------------------- kernels
def _theta(theta: ArrayLike) -> FloatArray:
    return np.atleast_1d(np.asarray(theta, dtype=np.float64)).reshape(-1)


def prob_2pl(a: ArrayLike, b: ArrayLike, theta: ArrayLike) -> FloatArray:
    """P(correct) of the 2PL (or Rasch with ``a = 1``), shape (n_items, n_theta)."""
    a_ = np.asarray(a, dtype=np.float64).reshape(-1, 1)
    b_ = np.asarray(b, dtype=np.float64).reshape(-1, 1)
    return expit(a_ * (_theta(theta)[None, :] - b_))


def prob_3pl(a: ArrayLike, b: ArrayLike, c: ArrayLike, theta: ArrayLike) -> FloatArray:
    """P(correct) of the 3PL, ``c + (1 - c) σ(a(θ - b))``, shape (n_items, n_theta)."""
    c_ = np.asarray(c, dtype=np.float64).reshape(-1, 1)
    return c_ + (1.0 - c_) * prob_2pl(a, b, theta)


def prob_grm(a: ArrayLike, thresholds: ArrayLike, theta: ArrayLike) -> FloatArray:
    """Graded-response category probabilities, shape (n_items, n_theta, K).

    ``thresholds`` is (n_items, K - 1), nan-padded; missing categories get 0.
    Differences of cumulative probabilities are taken on the side of the logistic
    where they do not cancel, so tail categories keep their relative accuracy.
    """
    a_ = np.asarray(a, dtype=np.float64).reshape(-1, 1, 1)
    thr = np.asarray(thresholds, dtype=np.float64)
    thr = thr.reshape(thr.shape[0], -1)
    th = _theta(theta)
    n, m = thr.shape
    z = a_ * (th[None, :, None] - thr[:, None, :])  # (n, T, K-1)
    nan = np.isnan(z)
    big = 1e300
    z_full = np.concatenate(
        [
            np.full((n, th.size, 1), big),
            np.where(nan, -big, z),
            np.full((n, th.size, 1), -big),
        ],
        axis=2,
    )
    lo, hi = z_full[:, :, :-1], z_full[:, :, 1:]
    upper = expit(-hi) - expit(-lo)  # = σ(lo) - σ(hi), accurate when both near 1
    lower = expit(lo) - expit(hi)
    p = np.where(lo + hi > 0, upper, lower)
    return np.clip(p, 0.0, 1.0)


def prob_gpcm(a: ArrayLike, thresholds: ArrayLike, theta: ArrayLike) -> FloatArray:
    """Generalised-partial-credit category probabilities, shape (n_items, n_theta, K).

    ``thresholds`` holds step difficulties ``δ_1..δ_{K-1}`` (nan-padded).
    """
    a_ = np.asarray(a, dtype=np.float64).reshape(-1, 1, 1)
    thr = np.asarray(thresholds, dtype=np.float64)
    thr = thr.reshape(thr.shape[0], -1)
    th = _theta(theta)
    steps = a_ * (th[None, :, None] - thr[:, None, :])
    missing = np.isnan(steps)
    z = np.concatenate(
        [
            np.zeros((thr.shape[0], th.size, 1)),
            np.cumsum(np.where(missing, 0.0, steps), axis=2),
        ],
        axis=2,
    )
    z[:, :, 1:][missing] = -np.inf
    z -= z.max(axis=2, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=2, keepdims=True)


def _groups(models: Sequence[str]) -> dict[str, IntArray]:
    out: dict[str, IntArray] = {}
    arr = np.asarray(models)
    for m in MODELS:
        idx = np.flatnonzero(arr == m)
        if idx.size:
            out[m] = idx
    return out


def category_probabilities(params: ItemParameters, theta: ArrayLike) -> FloatArray:
    """Category probabilities of every item, shape (n_items, n_theta, max_categories).

    Categories an item does not have are 0; dichotomous items use categories 0 and 1.
    """
    th = _theta(theta)
    kmax = params.max_categories
    out = np.zeros((params.n_items, th.size, kmax))
    for m, idx in _groups(params.models).items():
        if m in DICHOTOMOUS:
            p1 = prob_3pl(params.a[idx], params.b[idx], params.c[idx], th)
            out[idx, :, 0] = 1.0 - p1
            out[idx, :, 1] = p1
        else:
            thr = params.thresholds[idx]
            p = (
                prob_grm(params.a[idx], thr, th)
                if m == "grm"
                else prob_gpcm(params.a[idx], thr, th)
            )
            out[idx, :, : min(p.shape[2], kmax)] = p[:, :, :kmax]
    return out


def item_information(params: ItemParameters, theta: ArrayLike) -> FloatArray:
    """Fisher information of each item, shape (n_items, n_theta), all ``>= 0``.

    Notes
    -----
    3PL: ``a² (1 - P)/P · ((P - c)/(1 - c))²``; GRM: ``Σ_k P_k'^2 / P_k``;
    GPCM: ``a² Var(k | θ)``.
    """
    th = _theta(theta)
    out = np.zeros((params.n_items, th.size))
    for m, idx in _groups(params.models).items():
        a = params.a[idx][:, None]
        if m in DICHOTOMOUS:
            c = params.c[idx][:, None]
            ps = prob_2pl(params.a[idx], params.b[idx], th)
            p = c + (1 - c) * ps
            # (P - c)^2 (1 - P) / ((1 - c)^2 P) with P - c = (1 - c) P*
            out[idx] = a**2 * ps**2 * (1 - c) * (1 - ps) / np.maximum(p, _TINY)
        elif m == "grm":
            thr = params.thresholds[idx]
            star = expit(a[:, :, None] * (th[None, :, None] - thr[:, None, :]))
            star = np.where(np.isnan(star), 0.0, star)
            w = star * (1 - star)
            w = np.concatenate(
                [np.zeros_like(w[:, :, :1]), w, np.zeros_like(w[:, :, :1])], axis=2
            )
            dp = a[:, :, None] * (w[:, :, :-1] - w[:, :, 1:])
            p = prob_grm(params.a[idx], thr, th)
            out[idx] = np.sum(
                np.divide(dp**2, p, out=np.zeros_like(p), where=p > _TINY), axis=2
            )
        else:
            p = prob_gpcm(params.a[idx], params.thresholds[idx], th)
            k = np.arange(p.shape[2])
            mean = p @ k
            var = p @ k**2 - mean**2
            out[idx] = a**2 * np.maximum(var, 0.0)
    return out


def test_information(params: ItemParameters, theta: ArrayLike) -> FloatArray:
    """Test information (sum over items), shape (n_theta,)."""
    return item_information(params, theta).sum(axis=0)


test_information.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def log_probability_table(params: ItemParameters, theta: ArrayLike) -> FloatArray:
    """``log P_jk(θ)`` with ``0`` (not ``-inf``) where an item lacks category k.

    Returns
    -------
    ndarray of shape (max_categories, n_items, n_theta)
    """
    p = category_probabilities(params, theta)
    logp = np.log(np.maximum(p, _TINY))
    exists = np.arange(p.shape[2])[None, :] < params.n_categories[:, None]
    logp = np.where(exists[:, None, :], logp, 0.0)
    return np.ascontiguousarray(np.moveaxis(logp, 2, 0))


def log_likelihood_from_table(responses: FloatArray, logp: FloatArray) -> FloatArray:
    """Per-person log-likelihood on a grid from a log-probability table.

    Parameters
    ----------
    responses : ndarray of shape (n_persons, n_items)
        Already validated codes, ``nan`` = not administered.
    logp : ndarray of shape (max_categories, n_items, n_theta)
        From :func:`log_probability_table`.

    Returns
    -------
    ndarray of shape (n_persons, n_theta)

    Notes
    -----
    ``log L = M·logP_0 + Σ_{k>=1} I_k·(logP_k - logP_0)`` with ``M`` the administered
    mask and ``I_k`` the indicator of code ``k``: one matmul per category, no loop
    over persons.
    """
    missing = np.isnan(responses)
    if missing.any():
        out = (~missing).astype(np.float64) @ logp[0]
    else:  # complete data: the category-0 term is the same row for everyone
        out = np.repeat(logp[0].sum(axis=0)[None, :], responses.shape[0], axis=0)
    if logp.shape[0] == 2:
        # dichotomous bank: the nan-filled responses are the indicator of code 1
        out += np.fmax(responses, 0.0) @ (logp[1] - logp[0])  # fmax: nan -> 0
        return out
    for k in range(1, logp.shape[0]):
        ind = (responses == k).astype(np.float64)
        out += ind @ (logp[k] - logp[0])
    return out


def log_likelihood(
    responses: ArrayLike, params: ItemParameters, theta: ArrayLike
) -> FloatArray:
    """Log-likelihood of each person's pattern at each ability value.

    Parameters
    ----------
    responses : array_like of shape (n_persons, n_items)
        Codes ``0..K_j-1``; ``nan`` = not administered (skipped).
    params : ItemParameters
    theta : array_like of shape (n_theta,)

    Returns
    -------
    ndarray of shape (n_persons, n_theta)
    """
    x = check_responses(
        responses, params.n_categories, n_items=params.n_items, item_ids=params.item_ids
    )
    return log_likelihood_from_table(x, log_probability_table(params, theta))


__all__ = [
    "DICHOTOMOUS",
    "MODELS",
    "POLYTOMOUS",
    "ItemParameters",
    "category_probabilities",
    "item_information",
    "log_likelihood",
    "log_likelihood_from_table",
    "log_probability_table",
    "normal_quadrature",
    "prob_2pl",
    "prob_3pl",
    "prob_gpcm",
    "prob_grm",
    "test_information",
]
