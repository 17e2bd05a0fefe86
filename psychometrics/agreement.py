"""Inter-rater agreement for ordinal rubric scores: Cohen's kappa, unweighted and weighted.

Two raters score the same ``n`` objects on an ordinal rubric ``0, 1, ..., k``. With the
``(k+1) x (k+1)`` matrix of observed proportions ``O`` (row: rater 1's score, column:
rater 2's), the matrix expected by chance from the raters' marginals ``E = p1 p2ᵀ`` and a
disagreement weight ``w_ij``,

    kappa_w = 1 - sum(w * O) / sum(w * E)

with ``w_ij = 0 if i == j else 1`` (Cohen's kappa), ``|i - j| / k`` (linear) or
``((i - j) / k)²`` (quadratic). The scale factor of ``w`` cancels, so the result matches
``sklearn.metrics.cohen_kappa_score(weights=...)`` called with ``labels=range(k + 1)``
(scikit-learn's weights use label *positions*, so without ``labels`` a category nobody
used would shift the distances).

Degenerate case: when ``sum(w * E) == 0`` kappa is 0/0. That happens exactly when both
raters put every object in one and the same category (perfect but uninformative
agreement). The functions then return ``nan`` (scikit-learn does the same) and
:func:`rater_agreement` says why in ``undefined_reason``; callers show "not computable"
rather than a number.

References
----------
Cohen, J. (1960). A coefficient of agreement for nominal scales. *Educational and
Psychological Measurement*, 20, 37-46.
Cohen, J. (1968). Weighted kappa. *Psychological Bulletin*, 70, 213-220.
Fleiss, J. L. & Cohen, J. (1973). The equivalence of weighted kappa and the intraclass
correlation coefficient as measures of reliability. *Educational and Psychological
Measurement*, 33, 613-619.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from ._typing import ArrayLike, FloatArray

Weights = Literal["linear", "quadratic"] | None

__all__ = ["RaterAgreement", "cohen_kappa", "confusion_matrix", "rater_agreement"]


def _check_scores(
    a: ArrayLike, b: ArrayLike, max_score: int
) -> tuple[np.ndarray, np.ndarray]:
    if (
        isinstance(max_score, bool)
        or not isinstance(max_score, (int, np.integer))
        or max_score < 1
    ):
        raise ValueError(
            f"max_score must be an integer of at least 1, got {max_score!r}"
        )
    out = []
    for name, values in (("rater 1", a), ("rater 2", b)):
        arr = np.asarray(values, dtype=float).ravel()
        for i, v in enumerate(arr):
            if not np.isfinite(v) or v != np.floor(v):
                raise ValueError(
                    f"{name}, score {i}: {float(v)!r} is not a whole number"
                )
            if v < 0 or v > max_score:
                raise ValueError(
                    f"{name}, score {i}: {int(v)} is outside 0..{max_score}"
                )
        out.append(arr.astype(int))
    if out[0].shape != out[1].shape:
        raise ValueError(
            f"the raters scored different numbers of objects: {out[0].size} and {out[1].size}"
        )
    if out[0].size == 0:
        raise ValueError(
            "no pairs of scores: kappa needs at least one object rated twice"
        )
    return out[0], out[1]


def confusion_matrix(a: ArrayLike, b: ArrayLike, *, max_score: int) -> np.ndarray:
    """Return the ``(max_score+1, max_score+1)`` count matrix: rows rater 1, columns rater 2."""
    x, y = _check_scores(a, b, max_score)
    counts = np.zeros((max_score + 1, max_score + 1), dtype=int)
    np.add.at(counts, (x, y), 1)
    return counts


def _weight_matrix(k: int, weights: Weights) -> FloatArray:
    idx = np.arange(k + 1, dtype=float)
    dist = np.abs(idx[:, None] - idx[None, :]) / k
    if weights is None:
        return (dist > 0).astype(float)
    if weights == "linear":
        return dist
    if weights == "quadratic":
        return dist**2
    raise ValueError(f"weights must be None, 'linear' or 'quadratic', got {weights!r}")


def cohen_kappa(
    a: ArrayLike, b: ArrayLike, *, max_score: int, weights: Weights = None
) -> float:
    """Cohen's kappa of two raters' scores on the rubric ``0..max_score``.

    Parameters
    ----------
    a, b : array-like of int, shape (n,)
        The two raters' scores of the same ``n`` objects, whole numbers in ``0..max_score``.
    max_score : int
        The top of the rubric ``k``; fixes the categories and the weights' scale.
    weights : {None, "linear", "quadratic"}, default=None
        ``None`` for Cohen's (unweighted) kappa, else the disagreement weights above.

    Returns
    -------
    float
        Kappa in ``[-1, 1]``; ``nan`` when both raters used one and the same category only.

    Raises
    ------
    ValueError
        Empty input, unequal lengths, a score that is not a whole number or lies outside
        the rubric (the message names the rater and the position), or unknown weights.
    """
    counts = confusion_matrix(a, b, max_score=max_score)
    w = _weight_matrix(max_score, weights)
    observed = counts / counts.sum()
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    chance = float((w * expected).sum())
    if chance == 0.0:
        return float("nan")
    return 1.0 - float((w * observed).sum()) / chance


@dataclass(frozen=True)
class RaterAgreement:
    """Agreement of two raters over ``n`` pairs of scores.

    Attributes
    ----------
    n : int
        Number of objects both raters scored.
    exact : float
        Share of pairs with identical scores, in ``[0, 1]``.
    kappa, kappa_linear, kappa_quadratic : float
        Unweighted, linearly and quadratically weighted kappa (``nan`` when undefined).
    undefined_reason : str
        Empty, or why kappa is not defined.
    """

    n: int
    exact: float
    kappa: float
    kappa_linear: float
    kappa_quadratic: float
    undefined_reason: str = ""

    def __repr__(self) -> str:
        return (
            f"RaterAgreement(n={self.n}, exact={self.exact:.3f}, "
            f"kappa_quadratic={self.kappa_quadratic:.3f})"
        )


def rater_agreement(a: ArrayLike, b: ArrayLike, *, max_score: int) -> RaterAgreement:
    """Return exact agreement and the three kappas of two raters on ``0..max_score``."""
    x, y = _check_scores(a, b, max_score)
    schemes: tuple[Weights, ...] = (None, "linear", "quadratic")
    kappas = [cohen_kappa(x, y, max_score=max_score, weights=w) for w in schemes]
    reason = ""
    if np.isnan(kappas[2]):
        reason = "both raters gave every object the same score"
    return RaterAgreement(
        n=int(x.size),
        exact=float(np.mean(x == y)),
        kappa=kappas[0],
        kappa_linear=kappas[1],
        kappa_quadratic=kappas[2],
        undefined_reason=reason,
    )
