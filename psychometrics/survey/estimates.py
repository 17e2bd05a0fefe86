"""Weighted survey estimates over plausible values with replicate-weight standard errors.

Each statistic is computed for every group, every plausible value (PV) and every weight
column (full sample plus replicates) in one sparse matrix product: the weighted sums
``Σ_i w_ic · f(y_im)`` form an array of shape (n_groups, n_pv, 1 + n_replicates), from
which the statistic follows by element-wise arithmetic. The sampling variance of PV ``m``
is the replicate variance ``factor · Σ_r (θ_mr − θ_m)²``; the PVs are combined with
Rubin's rules::

    θ̂   = mean_m θ_m
    U   = mean_m sampling_var_m                (sampling variance)
    B   = var_m θ_m   (ddof=1)                 (between-PV, imputation variance)
    SE² = U + (1 + 1/M) B

The 95% interval is ``θ̂ ± t_ν SE`` with Barnard–Rubin degrees of freedom ``ν``, taking
the number of replicates as the complete-data degrees of freedom (``interval="t"``, the
default), or ``θ̂ ± z SE`` (``interval="normal"``, as PIAAC's reports do).

References
----------
.. [1] Rubin, D. B. (1987). *Multiple Imputation for Nonresponse in Surveys*. Wiley.
.. [2] Barnard, J., & Rubin, D. B. (1999). Small-sample degrees of freedom with multiple
   imputation. *Biometrika* 86(4), 948–955.
.. [3] OECD (2019). *Technical Report of the Survey of Adult Skills (PIAAC)*, 3rd ed.,
   ch. 20 (variance estimation with plausible values and replicate weights).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from scipy import stats

from psychometrics.survey._common import FloatArray, IntArray, check_weights, encode
from psychometrics.survey.levels import level_index
from psychometrics.survey.replicates import ReplicateWeights

Interval = Literal["t", "normal"]


@dataclass(frozen=True, repr=False)
class RubinResult:
    """Estimates combined over imputations by Rubin's rules.

    Attributes
    ----------
    estimate, se, sampling_var, imputation_var, df : ndarray, shape (...)
        ``imputation_var`` is the between-imputation variance ``B`` (before the
        ``1 + 1/M`` factor); ``df`` the Barnard–Rubin degrees of freedom.
    n_imputations : int
    """

    estimate: FloatArray
    se: FloatArray
    sampling_var: FloatArray
    imputation_var: FloatArray
    df: FloatArray
    n_imputations: int

    def __repr__(self) -> str:
        return (
            f"RubinResult(estimate={_fmt(self.estimate)}, se={_fmt(self.se)}, "
            f"sampling_var={_fmt(self.sampling_var)}, "
            f"imputation_var={_fmt(self.imputation_var)}, df={_fmt(self.df)}, "
            f"M={self.n_imputations})"
        )


def _fmt(x: FloatArray) -> str:
    return np.array2string(np.asarray(x), precision=4, threshold=6)


def rubin_combine(
    estimates: ArrayLike,
    sampling_variances: ArrayLike,
    *,
    df_complete: float = np.inf,
) -> RubinResult:
    """Combine M imputation-wise estimates and their sampling variances.

    Parameters
    ----------
    estimates : array_like, shape (M, ...)
        θ_m for each plausible value / imputation (first axis).
    sampling_variances : array_like, shape (M, ...)
        Sampling variance of each θ_m.
    df_complete : float, default=inf
        Complete-data degrees of freedom ν_com (the number of replicates for JK2).

    Returns
    -------
    RubinResult
        ``estimate = mean θ_m``; ``se² = U + (1 + 1/M) B``; Barnard–Rubin ``df``.
    """
    q = np.asarray(estimates, dtype=np.float64)
    u = np.asarray(sampling_variances, dtype=np.float64)
    if q.shape != u.shape or q.ndim < 1:
        raise ValueError(f"estimates {q.shape} and sampling_variances {u.shape} differ")
    if (u < 0).any():
        raise ValueError("sampling variances must be >= 0")
    m = q.shape[0]
    u_bar = u.mean(axis=0)
    b = q.var(axis=0, ddof=1) if m > 1 else np.zeros_like(u_bar)
    total = u_bar + (1.0 + 1.0 / m) * b
    return RubinResult(
        estimate=q.mean(axis=0),
        se=np.sqrt(total),
        sampling_var=u_bar,
        imputation_var=b,
        df=_barnard_rubin_df(b, total, m, df_complete),
        n_imputations=m,
    )


def _barnard_rubin_df(
    b: FloatArray, total: FloatArray, m: int, df_com: float
) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = np.where(total > 0, (1.0 + 1.0 / m) * b / total, 0.0)
        nu_old = np.where(lam > 0, (m - 1) / lam**2, np.inf)
        if np.isinf(df_com):
            return np.asarray(nu_old, dtype=np.float64)
        nu_obs = (df_com + 1.0) / (df_com + 3.0) * df_com * (1.0 - lam)
        return np.asarray(1.0 / (1.0 / nu_old + 1.0 / nu_obs), dtype=np.float64)


@dataclass(frozen=True, repr=False)
class SurveyEstimate:
    """A statistic by group with its Rubin-combined replicate standard error.

    Attributes
    ----------
    statistic : str
    groups : tuple
        Group labels, one per row (``"all"`` for the whole sample).
    estimate, se, ci_low, ci_high, sampling_var, imputation_var, df : ndarray
        Shape (n_groups,), or (n_groups, n_levels) for level percentages.
    n : ndarray of int, shape (n_groups,)
        Unweighted number of respondents.
    interval : str
        ``"t"`` (Barnard–Rubin df) or ``"normal"``; ``confidence`` its level.
    columns : tuple or None
        Level labels for level percentages.
    """

    statistic: str
    groups: tuple[Hashable, ...]
    estimate: FloatArray
    se: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    n: IntArray
    sampling_var: FloatArray
    imputation_var: FloatArray
    df: FloatArray
    interval: str = "t"
    confidence: float = 0.95
    columns: tuple[Hashable, ...] | None = None

    def to_records(self) -> list[dict[str, Any]]:
        """Return one plain dict per group (and level), for storage or export."""
        out = []
        for g, label in enumerate(self.groups):
            cols = [None] if self.columns is None else list(range(len(self.columns)))
            for c in cols:
                idx = g if c is None else (g, c)
                rec: dict[str, Any] = {"group": label}
                if c is not None and self.columns is not None:
                    rec["level"] = self.columns[c]
                for name in ("estimate", "se", "ci_low", "ci_high"):
                    rec[name] = float(getattr(self, name)[idx])
                rec["n"] = int(self.n[g])
                out.append(rec)
        return out

    def __repr__(self) -> str:
        head = f"SurveyEstimate({self.statistic}, {int(self.confidence * 100)}% {self.interval})"
        rows = self.to_records()
        lines = [head]
        for rec in rows[:20]:
            lvl = f" [{rec['level']}]" if "level" in rec else ""
            lines.append(
                f"  {str(rec['group'])[:14]:>14}{lvl}: {rec['estimate']:.4g} "
                f"(se {rec['se']:.3g}; {rec['ci_low']:.4g}, {rec['ci_high']:.4g}) "
                f"n={rec['n']}"
            )
        if len(rows) > 20:
            lines.append(f"  ... {len(rows) - 20} more")
        return "\n".join(lines)


@dataclass(frozen=True)
class _Inputs:
    values: FloatArray  # (n, M)
    weights: FloatArray  # (n, 1 + R): full sample first
    codes: IntArray  # (n,)
    labels: list[Hashable]
    n: IntArray  # (n_groups,)
    factor: float
    n_replicates: int
    n_groups: int  # groups proper, without the "all" row


def _inputs(
    values: ArrayLike,
    weights: ArrayLike,
    replicate_weights: ReplicateWeights | ArrayLike,
    groups: ArrayLike | None,
    variance_factor: float | None,
    include_total: bool,
) -> _Inputs:
    y = np.asarray(values, dtype=np.float64)
    if y.ndim == 1:
        y = y[:, None]
    if y.ndim != 2:
        raise ValueError(f"values must be (n,) or (n, n_pv), got shape {y.shape}")
    if not np.isfinite(y).all():
        i = tuple(int(k) for k in np.argwhere(~np.isfinite(y))[0])
        raise ValueError(f"values are not finite at {i}")
    n = y.shape[0]
    w = check_weights(weights, "weights", n=n)
    if w.ndim != 1:
        raise ValueError(f"weights must be 1-D, got shape {w.shape}")
    if isinstance(replicate_weights, ReplicateWeights):
        factor = replicate_weights.variance_factor
        rw = replicate_weights.weights
    else:
        factor, rw = 1.0, np.asarray(replicate_weights, dtype=np.float64)
    factor = factor if variance_factor is None else variance_factor
    rw = check_weights(rw, "replicate_weights", n=n, allow_zero=True)
    if rw.ndim != 2:
        raise ValueError(
            f"replicate_weights must be (n, n_replicates), got shape {rw.shape}"
        )
    labels: list[Hashable]
    if groups is None:
        codes, labels = np.zeros(n, dtype=np.intp), ["all"]
    else:
        codes, labels = encode(groups, "groups", n=n)
    n_groups = len(labels)
    counts = np.bincount(codes, minlength=n_groups)
    if include_total and groups is not None:
        labels = [*labels, "all"]
        counts = np.append(counts, n)
    return _Inputs(
        y,
        np.column_stack([w, rw]),
        codes,
        labels,
        counts,
        factor,
        rw.shape[1],
        n_groups,
    )


def group_weighted_sums(
    columns: FloatArray, codes: IntArray, n_groups: int, weights: FloatArray
) -> FloatArray:
    """Return ``S[g, k, c] = Σ_{i in g} columns[i, k] · weights[i, c]``.

    One sparse product: ``columns`` is spread into an (n, n_groups · K) sparse matrix
    with a respondent's values in its group's block, then multiplied by ``weights``.

    Parameters
    ----------
    columns : ndarray, shape (n, K)
    codes : ndarray of int, shape (n,)
        Group 0..n_groups-1 of each respondent.
    n_groups : int
    weights : ndarray, shape (n, C)

    Returns
    -------
    ndarray, shape (n_groups, K, C)
    """
    n, k = columns.shape
    rows = np.repeat(np.arange(n), k)
    cols = (codes[:, None] * k + np.arange(k)[None, :]).ravel()
    spread = sp.csc_matrix((columns.ravel(), (rows, cols)), shape=(n, n_groups * k))
    out = np.asarray((spread.T @ weights), dtype=np.float64)
    return out.reshape(n_groups, k, weights.shape[1])


def _sums(inp: _Inputs, columns: FloatArray, include_total: bool) -> FloatArray:
    s = group_weighted_sums(columns, inp.codes, inp.n_groups, inp.weights)
    if len(inp.labels) > inp.n_groups:
        s = np.concatenate([s, s.sum(axis=0, keepdims=True)], axis=0)
    return s


def _finish(
    statistic: str,
    inp: _Inputs,
    theta: FloatArray,
    interval: Interval,
    confidence: float,
    columns: tuple[Hashable, ...] | None = None,
) -> SurveyEstimate:
    """Combine ``theta`` of shape (G, M, [L,] 1 + R) into a SurveyEstimate."""
    full, reps = theta[..., 0], theta[..., 1:]
    samp = inp.factor * ((reps - full[..., None]) ** 2).sum(axis=-1)  # (G, M, [L])
    res = rubin_combine(
        np.moveaxis(full, 1, 0), np.moveaxis(samp, 1, 0), df_complete=inp.n_replicates
    )
    if interval == "t":
        crit = stats.t.ppf(0.5 + confidence / 2, res.df)
    elif interval == "normal":
        crit = np.full(res.se.shape, stats.norm.ppf(0.5 + confidence / 2))
    else:
        raise ValueError(f"interval must be 't' or 'normal', got {interval!r}")
    return SurveyEstimate(
        statistic=statistic,
        groups=tuple(inp.labels),
        estimate=res.estimate,
        se=res.se,
        ci_low=res.estimate - crit * res.se,
        ci_high=res.estimate + crit * res.se,
        n=inp.n,
        sampling_var=res.sampling_var,
        imputation_var=res.imputation_var,
        df=res.df,
        interval=interval,
        confidence=confidence,
        columns=columns,
    )


_DOC_PARAMS = """
    values : array_like, shape (n,) or (n, M)
        Scores of each respondent; one column per plausible value.
    weights : array_like, shape (n,)
        Final full-sample weights, > 0.
    replicate_weights : ReplicateWeights or array_like, shape (n, R)
    groups : array_like, shape (n,), optional
        Group of each respondent (district, age band, ...); ``None`` for the whole sample.
    include_total : bool
        Append a row ``"all"`` for the whole sample.
    variance_factor : float, optional
        Override the replicate variance factor (1 for JK2).
    interval : {"t", "normal"}
    confidence : float
"""


def _per_weight(sums: FloatArray, weight: FloatArray) -> FloatArray:
    """Weighted sums over total weight; nan where a group has no weight.

    A replicate can drop every member of a small group (all of them in the dropped
    half of their zones): its estimate there is undefined, not a division warning.
    ``_finish`` then gives the group no SE, and the roll-up withholds it.
    """
    num, den = np.broadcast_arrays(sums, weight)
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def estimate_mean(
    values: ArrayLike,
    weights: ArrayLike,
    replicate_weights: ReplicateWeights | ArrayLike,
    *,
    groups: ArrayLike | None = None,
    include_total: bool = False,
    variance_factor: float | None = None,
    interval: Interval = "t",
    confidence: float = 0.95,
) -> SurveyEstimate:
    inp = _inputs(
        values, weights, replicate_weights, groups, variance_factor, include_total
    )
    s = _sums(
        inp, np.column_stack([np.ones(inp.values.shape[0]), inp.values]), include_total
    )
    theta = _per_weight(s[:, 1:, :], s[:, :1, :])
    return _finish("mean", inp, theta, interval, confidence)


def estimate_total(
    values: ArrayLike,
    weights: ArrayLike,
    replicate_weights: ReplicateWeights | ArrayLike,
    *,
    groups: ArrayLike | None = None,
    include_total: bool = False,
    variance_factor: float | None = None,
    interval: Interval = "t",
    confidence: float = 0.95,
) -> SurveyEstimate:
    inp = _inputs(
        values, weights, replicate_weights, groups, variance_factor, include_total
    )
    theta = _sums(inp, inp.values, include_total)
    return _finish("total", inp, theta, interval, confidence)


def estimate_sd(
    values: ArrayLike,
    weights: ArrayLike,
    replicate_weights: ReplicateWeights | ArrayLike,
    *,
    groups: ArrayLike | None = None,
    include_total: bool = False,
    variance_factor: float | None = None,
    interval: Interval = "t",
    confidence: float = 0.95,
) -> SurveyEstimate:
    inp = _inputs(
        values, weights, replicate_weights, groups, variance_factor, include_total
    )
    y = inp.values
    # centre first so that the one-pass formula does not lose precision
    y = y - np.average(y, weights=inp.weights[:, 0], axis=0)
    s = _sums(inp, np.column_stack([np.ones(y.shape[0]), y, y * y]), include_total)
    m = y.shape[1]
    mean = _per_weight(s[:, 1 : m + 1], s[:, :1])
    var = _per_weight(s[:, m + 1 :], s[:, :1]) - mean**2
    return _finish("sd", inp, np.sqrt(np.maximum(var, 0.0)), interval, confidence)


def estimate_percentage(
    values: ArrayLike,
    weights: ArrayLike,
    replicate_weights: ReplicateWeights | ArrayLike,
    *,
    cut: float,
    groups: ArrayLike | None = None,
    include_total: bool = False,
    variance_factor: float | None = None,
    interval: Interval = "t",
    confidence: float = 0.95,
    scale: float = 100.0,
) -> SurveyEstimate:
    inp = _inputs(
        values, weights, replicate_weights, groups, variance_factor, include_total
    )
    at_or_above = (inp.values >= cut).astype(np.float64)
    s = _sums(
        inp,
        np.column_stack([np.ones(at_or_above.shape[0]), at_or_above]),
        include_total,
    )
    theta = scale * _per_weight(s[:, 1:, :], s[:, :1, :])
    return _finish(f"percentage >= {cut:g}", inp, theta, interval, confidence)


def estimate_level_percentages(
    values: ArrayLike,
    weights: ArrayLike,
    replicate_weights: ReplicateWeights | ArrayLike,
    *,
    cuts: Sequence[float],
    level_labels: Sequence[Hashable] | None = None,
    groups: ArrayLike | None = None,
    include_total: bool = False,
    variance_factor: float | None = None,
    interval: Interval = "t",
    confidence: float = 0.95,
    scale: float = 100.0,
) -> SurveyEstimate:
    inp = _inputs(
        values, weights, replicate_weights, groups, variance_factor, include_total
    )
    c = np.asarray(cuts, dtype=np.float64)
    n_levels = c.size + 1
    labels = tuple(range(n_levels)) if level_labels is None else tuple(level_labels)
    if len(labels) != n_levels:
        raise ValueError(f"{len(labels)} level labels for {n_levels} levels")
    level = level_index(inp.values, c)  # (n, M)
    n, m = level.shape
    onehot = (level[:, :, None] == np.arange(n_levels)).reshape(n, m * n_levels)
    s = _sums(
        inp, np.column_stack([np.ones(n), onehot.astype(np.float64)]), include_total
    )
    g, _, cc = s.shape
    theta = scale * _per_weight(
        s[:, 1:, :].reshape(g, m, n_levels, cc), s[:, :1, None, :]
    )
    return _finish("level percentages", inp, theta, interval, confidence, labels)


_RETURNS = """
    Returns
    -------
    SurveyEstimate
        Per group: estimate, se, ci_low, ci_high, n, sampling_var, imputation_var, df.
"""
estimate_mean.__doc__ = (
    "Weighted mean by group over plausible values, with replicate SE (Rubin's rules)."
    "\n\n    Parameters\n    ----------" + _DOC_PARAMS + _RETURNS
)
estimate_total.__doc__ = (
    "Weighted total by group over plausible values, with replicate SE (Rubin's rules)."
    "\n\n    Parameters\n    ----------" + _DOC_PARAMS + _RETURNS
)
estimate_sd.__doc__ = (
    "Weighted standard deviation (population form) by group, with replicate SE."
    "\n\n    Parameters\n    ----------" + _DOC_PARAMS + _RETURNS
)
estimate_percentage.__doc__ = (
    "Weighted percentage at or above ``cut`` by group, with replicate SE."
    "\n\n    Parameters\n    ----------"
    + _DOC_PARAMS
    + "    cut : float\n        Scores ``>= cut`` count.\n"
    "    scale : float, default=100\n        100 for percentages, 1 for shares.\n"
    + _RETURNS
)
estimate_level_percentages.__doc__ = (
    "Weighted percentage in each proficiency level by group, with replicate SE."
    "\n\n    Parameters\n    ----------"
    + _DOC_PARAMS
    + "    cuts : sequence of float\n        Increasing cut scores; level ``l`` holds "
    "``cuts[l-1] <= y < cuts[l]``.\n    level_labels : sequence, optional\n"
    "    scale : float, default=100\n"
    + _RETURNS.replace("(n_groups,)", "(n_groups, L)")
)
