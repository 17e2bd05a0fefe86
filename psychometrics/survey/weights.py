"""Survey weights: base weights, non-response adjustment, raking with trimming.

References
----------
.. [1] OECD (2019). *Technical Report of the Survey of Adult Skills (PIAAC)*, 3rd ed.,
   ch. 15 (weighting).
.. [2] Kolenikov, S. (2014). Calibrating survey data using iterative proportional fitting
   (raking). *The Stata Journal* 14(1), 22–59 (first presented 2010).
.. [3] Deming, W. E., & Stephan, F. F. (1940). On a least squares adjustment of a sampled
   frequency table when the expected marginal totals are known. *Ann. Math. Stat.* 11.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from psychometrics._validation import ConvergenceWarning
from psychometrics.survey._common import FloatArray, IntArray, check_weights, encode


def base_weights(inclusion_probability: ArrayLike) -> FloatArray:
    """Return design (base) weights ``1 / π_i``.

    Parameters
    ----------
    inclusion_probability : array_like, shape (n,)
        Inclusion probability of each sampled person, in (0, 1].

    Returns
    -------
    ndarray, shape (n,)
    """
    p = np.asarray(inclusion_probability, dtype=np.float64)
    if p.ndim != 1:
        raise ValueError(f"inclusion_probability must be 1-D, got shape {p.shape}")
    bad = ~((p > 0) & (p <= 1))
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(
            f"inclusion probability {p[i]!r} at position {i} is not in (0, 1]"
        )
    return 1.0 / p


def nonresponse_adjust(
    weights: ArrayLike, responded: ArrayLike, classes: ArrayLike
) -> FloatArray:
    """Spread non-respondents' weight over respondents of the same weighting class.

    Within class ``c`` a respondent's weight is multiplied by
    ``Σ_{i∈c} w_i / Σ_{i∈c, responded} w_i``; non-respondents get weight 0, so the class
    keeps its weighted total.

    Parameters
    ----------
    weights : array_like, shape (n,) or (n, n_columns)
        Base weights of everyone sampled (respondents and non-respondents), > 0. 2-D
        input (replicate base weights) is adjusted column by column; zeros are allowed
        there, and a class whose respondents all have weight 0 in a column keeps its
        weights unchanged in that column.
    responded : array_like of bool, shape (n,)
    classes : array_like, shape (n,)
        Weighting class of each sampled person, usually the stratum.

    Returns
    -------
    ndarray, shape of ``weights``
        Adjusted weights (0 for non-respondents); use ``adjusted[responded]``.

    Raises
    ------
    ValueError
        If a class has no respondents (an empty cell: collapse it with a neighbour).
    """
    w = np.asarray(weights, dtype=np.float64)
    w = check_weights(w, "weights", allow_zero=w.ndim == 2)
    n = w.shape[0]
    r = np.asarray(responded)
    if r.shape != (n,) or r.dtype != bool:
        raise ValueError(f"responded must be a boolean array of shape ({n},)")
    codes, labels = encode(classes, "classes", n=n)
    ind = sp.csr_matrix((np.ones(n), (codes, np.arange(n))), shape=(len(labels), n))
    w2 = w.reshape(n, -1)
    total = ind @ w2
    resp = ind @ (w2 * r[:, None])
    empty = ~(ind @ r.astype(np.float64) > 0)
    if empty.any():
        names = [labels[i] for i in np.flatnonzero(empty)]
        raise ValueError(
            f"weighting class(es) {names!r} have no respondents (empty cells); "
            "collapse them with a neighbouring class"
        )
    factor = np.divide(total, resp, out=np.ones_like(total), where=resp > 0)
    out = np.where(r[:, None], w2 * factor[codes], 0.0)
    return out.reshape(w.shape)


@dataclass(frozen=True)
class Margin:
    """A population margin to rake to.

    Parameters
    ----------
    name : str
        e.g. ``"district"``.
    values : array_like, shape (n,)
        Category of each respondent.
    totals : mapping
        Population total per category; must cover every category in ``values``.
    """

    name: str
    values: ArrayLike = field(repr=False)
    # Any, not Hashable: Mapping is invariant in its key, so Mapping[Hashable, float]
    # would refuse the dict[str, float] callers pass
    totals: Mapping[Any, float] = field(repr=False)


@dataclass(frozen=True, repr=False)
class RakingReport:
    """Convergence report of :func:`rake`.

    Attributes
    ----------
    iterations : int
        Raking cycles run (one cycle adjusts every margin once, then trims).
    max_discrepancy : float
        Largest ``|Σ w − T| / T`` over all margin categories (and replicate columns).
    converged : bool
    n_trimmed : int
        Weights held at a trimming bound in the last cycle.
    """

    iterations: int
    max_discrepancy: float
    converged: bool
    n_trimmed: int

    def __repr__(self) -> str:
        return (
            f"RakingReport(iterations={self.iterations}, "
            f"max_discrepancy={self.max_discrepancy:.3g}, converged={self.converged}, "
            f"n_trimmed={self.n_trimmed})"
        )


@dataclass(frozen=True, repr=False)
class RakingResult:
    """Raked weights and their convergence report.

    Attributes
    ----------
    weights : ndarray, shape (n,) or (n, n_columns)
    report : RakingReport
    """

    weights: FloatArray
    report: RakingReport

    def __repr__(self) -> str:
        w = self.weights
        return f"RakingResult(shape={w.shape}, sum={w.sum(axis=0).mean():.6g}, {self.report!r})"


@dataclass(frozen=True)
class _Prepared:
    indicators: list[sp.csr_matrix]  # each (n_categories, n)
    codes: list[IntArray]  # each (n,): the respondent's category
    targets: list[FloatArray]  # each (n_categories,)
    names: list[str]


def _prepare(margins: Sequence[Margin], n: int) -> _Prepared:
    if not margins:
        raise ValueError("no margins given to rake to")
    indicators, all_codes, targets, names, grand = [], [], [], [], []
    for m in margins:
        codes, labels = encode(m.values, f"margin {m.name!r} values", n=n)
        missing = [lab for lab in labels if lab not in m.totals]
        if missing:
            raise ValueError(
                f"margin {m.name!r}: sample category {missing[0]!r} has no population "
                "total; the margins do not cover the sample"
            )
        absent = [k for k in m.totals if k not in set(labels)]
        if absent:
            raise ValueError(
                f"margin {m.name!r}: population category {absent[0]!r} has no respondents "
                "(an empty cell); collapse it with a neighbouring category"
            )
        t = np.array([float(m.totals[lab]) for lab in labels])
        if (t <= 0).any() or not np.isfinite(t).all():
            raise ValueError(
                f"margin {m.name!r} has a non-positive or non-finite total"
            )
        ind = sp.csr_matrix(
            (np.ones(n), (codes, np.arange(n))),
            shape=(len(labels), n),
            dtype=np.float64,
        )
        indicators.append(ind)
        all_codes.append(codes)
        targets.append(t)
        names.append(m.name)
        grand.append(t.sum())
    if max(grand) - min(grand) > 1e-6 * max(grand):
        detail = ", ".join(f"{nm}={g:.10g}" for nm, g in zip(names, grand, strict=True))
        raise ValueError(f"margin totals do not match: {detail}")
    return _Prepared(indicators, all_codes, targets, names)


def rake(
    weights: ArrayLike,
    margins: Sequence[Margin],
    *,
    max_iter: int = 200,
    tol: float = 1e-8,
    max_ratio: float | None = None,
    bounds: tuple[float, float] | None = None,
) -> RakingResult:
    """Rake weights to population margins by iterative proportional fitting.

    Each cycle scales the weights so that every margin in turn matches its population
    totals, then trims: weights above ``max_ratio × median`` are set to that cap, and the
    adjustment factors ``g = w / w_in`` are clipped to ``bounds``. Trimming inside the
    cycle lets the next cycle spread the trimmed weight over the other respondents, so at
    convergence the margins hold *and* the caps are respected (trim-and-re-rake, as in
    Kolenikov's ``ipfraking``).

    Parameters
    ----------
    weights : array_like, shape (n,) or (n, n_columns)
        Starting weights (after non-response adjustment), > 0. With 2-D input each column
        (e.g. a replicate) is raked on its own, in one vectorised pass; zeros are allowed
        there and stay zero, and a category with no weight in a column is left as is.
    margins : sequence of Margin
        Any number of margins (district, age band, sex, ...). All must have the same grand
        total.
    max_iter : int
    tol : float
        Convergence when every category's relative discrepancy ``|Σw − T|/T`` ≤ ``tol``.
    max_ratio : float, optional
        Cap weights at ``max_ratio`` times the median weight (of the column).
    bounds : (float, float), optional
        Lower and upper bound of ``w / w_in``.

    Returns
    -------
    RakingResult
        ``weights`` of the input's shape and a :class:`RakingReport`.

    Warns
    -----
    ConvergenceWarning
        If the margins are not met within ``tol`` after ``max_iter`` cycles (for example
        when the trimming bounds are too tight).
    """
    w_in = np.asarray(weights, dtype=np.float64)
    w_in = check_weights(w_in, "weights", allow_zero=w_in.ndim == 2)
    if max_ratio is not None and max_ratio <= 1:
        raise ValueError(f"max_ratio must be > 1, got {max_ratio}")
    if bounds is not None and not (0 <= bounds[0] < 1 < bounds[1]):
        raise ValueError(f"bounds must satisfy 0 <= low < 1 < high, got {bounds}")
    n = w_in.shape[0]
    prep = _prepare(margins, n)
    w0 = w_in.reshape(n, -1)
    w = w0.copy()
    n_iter, disc, n_trim = 0, np.inf, 0
    for it in range(1, max_iter + 1):
        n_iter = it
        for ind, codes, t in zip(
            prep.indicators, prep.codes, prep.targets, strict=True
        ):
            sums = ind @ w  # (n_categories, n_columns)
            ratio = np.divide(t[:, None], sums, out=np.ones_like(sums), where=sums > 0)
            w *= ratio[codes]
        n_trim = _trim(w, w0, max_ratio, bounds)
        disc = _discrepancy(w, prep)
        if disc <= tol:
            break
    converged = bool(disc <= tol)
    report = RakingReport(n_iter, float(disc), converged, n_trim)
    if not converged:
        warnings.warn(
            f"raking did not converge in {max_iter} cycles: largest margin discrepancy "
            f"{disc:.3g} > tol {tol:g} (trimmed {n_trim} weights)",
            ConvergenceWarning,
            stacklevel=2,
        )
    return RakingResult(w.reshape(w_in.shape), report)


def _trim(
    w: FloatArray,
    w0: FloatArray,
    max_ratio: float | None,
    bounds: tuple[float, float] | None,
) -> int:
    """Clip ``w`` in place; return how many weights sit at a bound."""
    hit = np.zeros(w.shape, dtype=bool)
    if bounds is not None:
        lo, hi = bounds[0] * w0, bounds[1] * w0
        hit |= (w < lo) | (w > hi)
        np.clip(w, lo, hi, out=w)
    if max_ratio is not None:
        med = np.nanmedian(np.where(w > 0, w, np.nan), axis=0)
        cap = max_ratio * med
        over = w > cap
        hit |= over
        np.minimum(w, cap, out=w)
    return int(hit.sum())


def _discrepancy(w: FloatArray, prep: _Prepared) -> float:
    worst = 0.0
    for ind, t in zip(prep.indicators, prep.targets, strict=True):
        sums = ind @ w
        rel = np.abs(sums - t[:, None]) / t[:, None]
        rel[sums <= 0] = 0.0  # a category absent from a replicate cannot be matched
        worst = max(worst, float(rel.max()))
    return worst


def margin_totals(weights: ArrayLike, values: ArrayLike) -> dict[Hashable, float]:
    """Return the weighted total of each category (to check a raked margin).

    Parameters
    ----------
    weights : array_like, shape (n,)
    values : array_like, shape (n,)

    Returns
    -------
    dict
        ``{category: Σ w}``.
    """
    w = check_weights(weights, "weights", allow_zero=True)
    codes, labels = encode(values, "values", n=w.shape[0])
    sums = np.bincount(codes, weights=w, minlength=len(labels))
    return dict(zip(labels, sums.tolist(), strict=True))
