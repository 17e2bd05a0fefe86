"""Change between survey waves: the linking error of percentages and the SE of a change.

Linking a new wave to the reporting scale through common items leaves an error ``σ_L``
in the location of the scale (theta units; :mod:`psychometrics.linking` reports it).
It is shared by every respondent of the wave, so it does not shrink with the sample and
is added to the sampling and imputation variance of any change between waves::

    SE(Δ) = √(SE_now² + SE_before² + σ_L,stat²)

For a mean ``σ_L,stat = σ_L``. For a percentage at or above a cut (or between two cuts)
the error on the scale becomes an error in the share through the density of scores at the
cut(s): moving the scale by ``±σ_L`` is moving the cut by ``∓σ_L``. Two ways to compute
it, on the plausible values of the current wave:

- ``"shift"`` (default): half the difference between the shares with the scale shifted
  by ``+σ_L`` and by ``−σ_L`` (a symmetric finite difference; exact for step-shaped
  distributions, no bandwidth to choose);
- ``"delta"``: the delta method, ``100 · |f(c_lo) − f(c_hi)| · σ_L`` with ``f`` the
  weighted Gaussian kernel density of the plausible values (Silverman's bandwidth).

Both average over the plausible values.

References
----------
.. [1] OECD (2017). *PISA 2015 Technical Report*, ch. 12 (link error for trend
   comparisons, also for the percentage of students at each proficiency level).
.. [2] Monseur, C., & Berezner, A. (2007). The computation of equating errors in
   international surveys in education. *Journal of Applied Measurement* 8(3), 323–335.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from psychometrics.survey._common import FloatArray, check_weights, encode

Method = Literal["shift", "delta"]


def change_se(se_now: float, se_before: float, linking_error: float = 0.0) -> float:
    """Return the SE of a change between two waves: √(SE_now² + SE_before² + σ_L²).

    ``linking_error`` is in the units of the statistic (see :func:`share_linking_error`
    for percentages).
    """
    for name, v in (
        ("se_now", se_now),
        ("se_before", se_before),
        ("linking_error", linking_error),
    ):
        if not np.isfinite(v) or v < 0:
            raise ValueError(f"{name} must be a finite number >= 0, got {v!r}")
    return float(np.sqrt(se_now**2 + se_before**2 + linking_error**2))


def _between(y: FloatArray, lo: float, hi: float) -> FloatArray:
    return ((y >= lo) & (y < hi)).astype(np.float64)


def _kde(y: FloatArray, w: FloatArray, at: float) -> float:
    """Weighted Gaussian kernel density of ``y`` at ``at`` (Silverman's bandwidth)."""
    if not np.isfinite(at):
        return 0.0
    mu = np.average(y, weights=w)
    sd = float(np.sqrt(np.average((y - mu) ** 2, weights=w)))
    q75, q25 = np.quantile(y, [0.75, 0.25])
    spread = min(sd, (q75 - q25) / 1.349) if q75 > q25 else sd
    n_eff = w.sum() ** 2 / (w**2).sum()
    h = 0.9 * spread * n_eff ** (-0.2)
    if h <= 0:
        return 0.0
    z = (at - y) / h
    return float(np.sum(w * np.exp(-0.5 * z * z)) / (w.sum() * h * np.sqrt(2 * np.pi)))


def share_linking_error(
    values: ArrayLike,
    weights: ArrayLike,
    *,
    linking_error: float,
    cut: float | None = None,
    cuts: tuple[float, float] | None = None,
    groups: ArrayLike | None = None,
    include_total: bool = False,
    method: Method = "shift",
    scale: float = 100.0,
) -> tuple[tuple[Hashable, ...], FloatArray]:
    """Linking error of a percentage, from the linking error of the scale.

    Parameters
    ----------
    values : array_like, shape (n,) or (n, M)
        Scores (plausible values) of the current wave on the reporting scale.
    weights : array_like, shape (n,)
    linking_error : float
        Linking error of the scale's location, in theta units (>= 0).
    cut : float, optional
        The share at or above ``cut`` (the attainment rate) ...
    cuts : (float, float), optional
        ... or the share in ``[low, high)`` (a proficiency level; ``-inf``/``inf`` for
        the open ends). Give exactly one of ``cut`` and ``cuts``.
    groups : array_like, shape (n,), optional
    include_total : bool
        Append a row ``"all"``.
    method : {"shift", "delta"}
        See the module docstring.
    scale : float, default=100
        100 for percentages.

    Returns
    -------
    labels : tuple
        Group labels (``"all"`` for the whole sample or the appended total).
    error : ndarray, shape (n_groups,)
        Linking error of the percentage of each group, in percentage points.
    """
    y = np.asarray(values, dtype=np.float64)
    if y.ndim == 1:
        y = y[:, None]
    if y.ndim != 2 or not np.isfinite(y).all():
        raise ValueError(f"values must be finite, shape (n,) or (n, M); got {y.shape}")
    w = check_weights(weights, "weights", n=y.shape[0])
    if not np.isfinite(linking_error) or linking_error < 0:
        raise ValueError(
            f"linking_error must be a finite number >= 0, got {linking_error!r}"
        )
    if (cut is None) == (cuts is None):
        raise ValueError(
            "give exactly one of cut (at or above) and cuts (a level's band)"
        )
    if cut is not None:
        lo, hi = float(cut), np.inf
    else:
        assert cuts is not None  # exactly one of the two, checked above
        lo, hi = float(cuts[0]), float(cuts[1])
    if not lo < hi:
        raise ValueError(f"the band [{lo}, {hi}) is empty")
    if method not in ("shift", "delta"):
        raise ValueError(f"method must be 'shift' or 'delta', got {method!r}")
    if groups is None:
        codes, labels = np.zeros(y.shape[0], dtype=np.intp), ["all"]
    else:
        codes, labels = encode(groups, "groups", n=y.shape[0])
    members = [codes == g for g in range(len(labels))]
    if include_total and groups is not None:
        labels = [*labels, "all"]
        members.append(np.ones(y.shape[0], dtype=bool))
    le = float(linking_error)
    if method == "shift":
        # the scale moved up by le turns a score y into y + le: the band moves down
        n_g = len(members)
        tot = np.array([w[m].sum() for m in members])
        diff = np.zeros(n_g)
        for k in range(y.shape[1]):
            col = y[:, k]
            moved = w * (
                _between(col, lo - le, hi - le) - _between(col, lo + le, hi + le)
            )
            per = np.bincount(codes, weights=moved, minlength=len(members))[
                : len(members)
            ]
            if include_total and groups is not None:
                per[-1] = moved.sum()
            diff += np.abs(per / tot) / 2
        return tuple(labels), scale * diff / y.shape[1]
    out = np.zeros(len(labels))
    for g, m in enumerate(members):
        yy, ww = y[m], w[m]
        errs = [
            abs(_kde(yy[:, k], ww, lo) - _kde(yy[:, k], ww, hi)) * le
            for k in range(yy.shape[1])
        ]
        out[g] = scale * float(np.mean(errs))
    return tuple(labels), out
