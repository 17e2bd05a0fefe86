"""Item fit and dimensionality: infit/outfit, Orlando–Thissen S-X², residual PCA.

Responses are ``(n_persons, n_items)`` arrays of codes ``0..K-1`` with ``nan`` for not
administered; ``theta`` holds one ability estimate per person (EAP or WLE from
:func:`psychometrics.scoring.estimate_ability`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from psychometrics._typing import FloatArray, IntArray
from psychometrics._validation import check_responses
from psychometrics.irt import ItemParameters, category_probabilities, normal_quadrature
from psychometrics.scoring import estimate_ability

__all__ = [
    "DimensionalityResult",
    "FitResult",
    "SX2Result",
    "dimensionality_check",
    "item_fit",
    "lord_wingersky",
    "person_fit",
    "s_x2",
]

#: Free parameters per item, for the degrees of freedom of S-X².
_N_PARAMS = {"rasch": 1, "2pl": 2, "3pl": 3}  # polytomous: K (a and K-1 steps)


@dataclass(frozen=True, repr=False)
class FitResult:
    """Mean-square fit statistics (one entry per item, or per person).

    Attributes
    ----------
    labels : tuple of str
        Item ids or person indices.
    infit, outfit : ndarray of shape (n,)
        Information-weighted and unweighted mean squares; 1 under the model, > 1
        noisy (underfit), < 1 too predictable (overfit).
    infit_zstd, outfit_zstd : ndarray of shape (n,)
        Wilson–Hilferty cube-root standardisations, approximately N(0, 1).
    n : ndarray of shape (n,)
        Responses behind each statistic.
    """

    labels: tuple[str, ...]
    infit: FloatArray
    outfit: FloatArray
    infit_zstd: FloatArray
    outfit_zstd: FloatArray
    n: IntArray

    def misfitting(self, *, low: float = 0.7, high: float = 1.3) -> tuple[str, ...]:
        """Labels whose infit or outfit lies outside ``[low, high]``."""
        bad = (self.infit < low) | (self.infit > high)
        bad |= (self.outfit < low) | (self.outfit > high)
        return tuple(lab for lab, b in zip(self.labels, bad, strict=True) if b)

    def __repr__(self) -> str:
        return (
            f"FitResult(n={len(self.labels)}, infit range "
            f"[{np.nanmin(self.infit):.2f}, {np.nanmax(self.infit):.2f}], outfit range "
            f"[{np.nanmin(self.outfit):.2f}, {np.nanmax(self.outfit):.2f}])"
        )


def _moments(
    responses: ArrayLike, params: ItemParameters, theta: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Observed codes, expected scores, variances and 4th central moments (P x I)."""
    x = check_responses(
        responses, params.n_categories, n_items=params.n_items, item_ids=params.item_ids
    )
    th = np.asarray(theta, dtype=np.float64).reshape(-1)
    if th.size != x.shape[0]:
        raise ValueError(
            f"theta has {th.size} values for {x.shape[0]} persons in responses"
        )
    if not np.isfinite(th).all():
        raise ValueError(
            f"theta[{int(np.flatnonzero(~np.isfinite(th))[0])}] is not finite"
        )
    p = np.moveaxis(category_probabilities(params, th), 0, 1)  # (P, I, K)
    k = np.arange(p.shape[2], dtype=np.float64)
    e = p @ k
    dev = k[None, None, :] - e[:, :, None]
    w = np.sum(p * dev**2, axis=2)
    c = np.sum(p * dev**4, axis=2)
    return x, e, w, c


def _mean_squares(
    x: FloatArray, e: FloatArray, w: FloatArray, c: FloatArray, axis: int
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, IntArray]:
    ok = ~np.isnan(x)
    w = np.maximum(w, 1e-12)
    r2 = np.where(ok, (np.nan_to_num(x) - e) ** 2, 0.0)
    w_ok = np.where(ok, w, 0.0)
    c_ok = np.where(ok, c, 0.0)
    n = ok.sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        outfit = np.sum(np.where(ok, r2 / w, 0.0), axis=axis) / n
        infit = r2.sum(axis=axis) / w_ok.sum(axis=axis)
        q_out = np.sqrt(
            np.maximum(np.sum(np.where(ok, c / w**2, 0.0), axis=axis) / n**2 - 1 / n, 0)
        )
        q_in = np.sqrt(
            np.maximum((c_ok - w_ok**2).sum(axis=axis), 0) / w_ok.sum(axis=axis) ** 2
        )
        z_out = (np.cbrt(outfit) - 1) * (3 / q_out) + q_out / 3
        z_in = (np.cbrt(infit) - 1) * (3 / q_in) + q_in / 3
    return infit, outfit, z_in, z_out, n.astype(np.int64)


def item_fit(
    responses: ArrayLike, params: ItemParameters, theta: ArrayLike
) -> FitResult:
    """Infit and outfit mean squares of every item, with ZSTD.

    Parameters
    ----------
    responses : array_like of shape (n_persons, n_items)
    params : ItemParameters
    theta : array_like of shape (n_persons,)

    Returns
    -------
    FitResult
        ``outfit_i = mean_n z_ni²`` with ``z = (x - E) / sqrt(W)``;
        ``infit_i = sum_n (x - E)² / sum_n W``; ZSTD by the Wilson–Hilferty transform
        with the model variances of the mean squares (kurtosis ``C``).

    References
    ----------
    Wright, B. D., & Masters, G. N. (1982). *Rating Scale Analysis*. MESA Press,
    ch. 5.
    Linacre, J. M. (2002). What do infit and outfit, mean-square and standardized
    mean? Rasch Measurement Transactions, 16, 878.
    """
    x, e, w, c = _moments(responses, params, theta)
    infit, outfit, z_in, z_out, n = _mean_squares(x, e, w, c, axis=0)
    return FitResult(params.item_ids, infit, outfit, z_in, z_out, n)


def person_fit(
    responses: ArrayLike, params: ItemParameters, theta: ArrayLike
) -> FitResult:
    """Infit and outfit of every person (labels are row indices); see item_fit."""
    x, e, w, c = _moments(responses, params, theta)
    infit, outfit, z_in, z_out, n = _mean_squares(x, e, w, c, axis=1)
    labels = tuple(str(i) for i in range(x.shape[0]))
    return FitResult(labels, infit, outfit, z_in, z_out, n)


def lord_wingersky(params: ItemParameters, theta: ArrayLike) -> FloatArray:
    """Summed-score probabilities by the Lord–Wingersky recursion.

    Parameters
    ----------
    params : ItemParameters
    theta : array_like of shape (n_theta,)

    Returns
    -------
    ndarray of shape (max_score + 1, n_theta)
        ``P(sum of item scores = s | theta)``; columns sum to 1.

    References
    ----------
    Lord, F. M., & Wingersky, M. S. (1984). Comparison of IRT true-score and
    equipercentile observed-score "equatings". Applied Psychological Measurement,
    8, 453-461.
    """
    p = category_probabilities(params, theta)
    return _lw(p, params.n_categories)


def _lw(p: FloatArray, n_cat: IntArray) -> FloatArray:
    s = np.ones((1, p.shape[1]))
    for i in range(p.shape[0]):
        k_i = int(n_cat[i])
        new = np.zeros((s.shape[0] + k_i - 1, p.shape[1]))
        for k in range(k_i):
            new[k : k + s.shape[0]] += s * p[i, :, k]
        s = new
    return s


@dataclass(frozen=True, repr=False)
class SX2Result:
    """Orlando–Thissen S-X² item fit.

    Attributes
    ----------
    item_ids : tuple of str
    s_x2, df, p_value : ndarray of shape (n_items,)
    n_groups : ndarray of shape (n_items,)
        Score groups left after collapsing sparse cells.
    """

    item_ids: tuple[str, ...]
    s_x2: FloatArray
    df: IntArray
    p_value: FloatArray
    n_groups: IntArray

    def flagged(self, alpha: float = 0.01) -> tuple[str, ...]:
        """Ids with ``p_value < alpha``."""
        return tuple(
            i for i, p in zip(self.item_ids, self.p_value, strict=True) if p < alpha
        )

    def __repr__(self) -> str:
        return (
            f"SX2Result(n_items={len(self.item_ids)}, "
            f"flagged_at_0.01={len(self.flagged())})"
        )


def _collapse(obs: FloatArray, exp: FloatArray, min_expected: float) -> list[slice]:
    """Merge adjacent score groups (rows) until every expected count >= minimum."""
    groups: list[slice] = []
    start = 0
    for s in range(obs.shape[0]):
        if exp[start : s + 1].sum(axis=0).min() >= min_expected:
            groups.append(slice(start, s + 1))
            start = s + 1
    if start < obs.shape[0]:
        if groups:
            groups[-1] = slice(groups[-1].start, obs.shape[0])
        else:
            groups.append(slice(0, obs.shape[0]))
    return groups


def _sx2_ordinal(
    obs: FloatArray, exp: FloatArray, min_expected: float
) -> tuple[float, int, int]:
    """Pearson sum and contrasts of a polytomous item (Kang & Chen, 2008 pooling).

    ``obs``/``exp`` are counts of shape (max_score + 1, K). Scores 0 and max are
    dropped; the tail scores where some category is impossible are pooled into the
    nearest score with every category possible; within a score group, the sparsest
    category is merged into its smaller neighbour until every cell reaches
    ``min_expected``. Returns the statistic, the number of independent cells
    (cells - 1 per group) and the number of groups.
    """
    k = obs.shape[1]
    o, e = obs[1:-1].copy(), exp[1:-1].copy()
    low, high = k - 2, obs.shape[0] - k - 1
    if high < low:
        return np.nan, 0, 0
    o[low] += o[:low].sum(axis=0)
    e[low] += e[:low].sum(axis=0)
    if high > low:
        o[high] += o[high + 1 :].sum(axis=0)
        e[high] += e[high + 1 :].sum(axis=0)
    o, e = o[low : high + 1], e[low : high + 1]
    populated = o.sum(axis=1) > 0
    stat, contrasts = 0.0, 0
    for o_row, e_row in zip(o[populated].tolist(), e[populated].tolist(), strict=True):
        while len(e_row) > 1 and min(e_row) < min_expected:
            c = e_row.index(min(e_row))
            if c == 0:
                nb = 1
            elif c == len(e_row) - 1:
                nb = c - 1
            else:
                nb = c - 1 if e_row[c - 1] <= e_row[c + 1] else c + 1
            o_row[nb] += o_row[c]
            e_row[nb] += e_row[c]
            del o_row[c], e_row[c]
        positive = [(ov, ev) for ov, ev in zip(o_row, e_row, strict=True) if ev > 0]
        stat += sum((ov - ev) ** 2 / ev for ov, ev in positive)
        contrasts += max(len(positive) - 1, 0)
    return stat, contrasts, int(populated.sum())


def s_x2(
    responses: ArrayLike,
    params: ItemParameters,
    *,
    n_quadrature: int = 61,
    min_expected: float = 1.0,
) -> SX2Result:
    """Orlando–Thissen S-X² for every item of a complete fixed form.

    Persons are grouped by summed score; the model-expected proportion in category
    ``k`` of item ``i`` at score ``s`` is
    ``∫ P_ik(θ) S*_{s-k}(θ) φ(θ) dθ / ∫ S_s(θ) φ(θ) dθ``, with ``S`` the
    Lord–Wingersky summed-score probabilities of the whole form and ``S*`` those
    without item ``i``. Scores 0 and the maximum carry no information and are left
    out; adjacent score groups are merged until every expected count reaches
    ``min_expected``.

    Parameters
    ----------
    responses : array_like of shape (n_persons, n_items)
        Complete responses (S-X² needs the same form for everybody; run it per
        booklet).
    params : ItemParameters
    n_quadrature : int, default=61
        Points of the standard normal quadrature.
    min_expected : float, default=1.0

    Returns
    -------
    SX2Result
        ``df`` = independent cells (``K - 1`` per group, fewer after merging
        categories) minus the item's free parameters.

    References
    ----------
    Orlando, M., & Thissen, D. (2000). Likelihood-based item-fit indices for
    dichotomous item response theory models. Applied Psychological Measurement,
    24, 50-64.
    Kang, T., & Chen, T. T. (2008). Performance of the generalized S-X² item fit
    index for polytomous IRT models. JEM, 45, 391-406.
    """
    x = check_responses(
        responses, params.n_categories, n_items=params.n_items, item_ids=params.item_ids
    )
    holes = np.isnan(x)
    if holes.any():
        r, c = np.argwhere(holes)[0]
        raise ValueError(
            f"S-X² needs complete responses; row {r}, item {params.item_ids[c]!r} "
            "was not administered (run it per booklet)"
        )
    theta, weights = normal_quadrature(n_quadrature)
    p = category_probabilities(params, theta)  # (I, Q, K)
    n_cat = params.n_categories
    s_all = _lw(p, n_cat) @ weights  # (max_score + 1,)
    score = x.sum(axis=1).astype(np.int64)
    max_score = s_all.size - 1
    n_s = np.bincount(score, minlength=max_score + 1).astype(np.float64)
    n_items = params.n_items
    chi2 = np.full(n_items, np.nan)
    df = np.zeros(n_items, dtype=np.int64)
    n_groups = np.zeros(n_items, dtype=np.int64)
    inner = np.arange(1, max_score)
    for i in range(n_items):
        k_i = int(n_cat[i])
        rest = _lw(np.delete(p, i, axis=0), np.delete(n_cat, i))  # (max - K_i + 2, Q)
        exp_p = np.zeros((max_score + 1, k_i))
        for k in range(k_i):
            # S*_{s-k} for s = k..k + rest_max
            exp_p[k : k + rest.shape[0], k] = (rest * p[i, :, k]) @ weights
        exp_p /= np.maximum(s_all, 1e-300)[:, None]
        obs = np.zeros((max_score + 1, k_i))
        np.add.at(obs, (score, x[:, i].astype(np.int64)), 1.0)
        model = params.models[i]
        n_par = _N_PARAMS.get(model, k_i)
        if k_i > 2:
            chi2[i], contrasts, n_groups[i] = _sx2_ordinal(
                obs, exp_p * n_s[:, None], min_expected
            )
            df[i] = contrasts - n_par
            continue
        obs, exp_c = obs[inner], exp_p[inner] * n_s[inner, None]
        keep = n_s[inner] > 0
        obs, exp_c = obs[keep], exp_c[keep]
        if obs.shape[0] == 0:
            continue
        groups = _collapse(obs, exp_c, min_expected)
        o = np.array([obs[g].sum(axis=0) for g in groups])
        e = np.array([exp_c[g].sum(axis=0) for g in groups])
        chi2[i] = float(np.sum((o - e) ** 2 / np.maximum(e, 1e-12)))
        df[i] = len(groups) * (k_i - 1) - n_par
        n_groups[i] = len(groups)
    with np.errstate(invalid="ignore"):
        pv = np.where(df > 0, stats.chi2.sf(chi2, np.maximum(df, 1)), np.nan)
    return SX2Result(params.item_ids, chi2, df, pv, n_groups)


@dataclass(frozen=True, repr=False)
class DimensionalityResult:
    """Principal components of standardised residuals, with a parallel analysis.

    Attributes
    ----------
    eigenvalues : ndarray of shape (n_items,)
        Of the inter-item correlation matrix of standardised residuals, descending.
    reference : ndarray of shape (n_items,)
        95th percentile of the same eigenvalues in data simulated from the model.
    n_extra_dimensions : int
        Leading eigenvalues above their reference: 0 means no evidence of a
        dimension beyond the modelled one.
    """

    eigenvalues: FloatArray
    reference: FloatArray
    n_extra_dimensions: int

    @property
    def first_contrast(self) -> float:
        """Largest residual eigenvalue (in item units; below about 2 is usual)."""
        return float(self.eigenvalues[0])

    @property
    def unidimensional(self) -> bool:
        """True when no residual component exceeds the parallel reference."""
        return self.n_extra_dimensions == 0

    def __repr__(self) -> str:
        return (
            f"DimensionalityResult(first_contrast={self.first_contrast:.2f}, "
            f"reference={self.reference[0]:.2f}, "
            f"n_extra_dimensions={self.n_extra_dimensions})"
        )


def _residual_eigenvalues(
    x: FloatArray, params: ItemParameters, theta: FloatArray
) -> FloatArray:
    _, e, w, _ = _moments(x, params, theta)
    z = (x - e) / np.sqrt(np.maximum(w, 1e-12))
    z = z - np.nanmean(z, axis=0)
    ok = ~np.isnan(z)
    z0 = np.where(ok, z, 0.0)
    m = ok.astype(np.float64)
    num = z0.T @ z0
    den = np.sqrt(((z0**2).T @ m) * (m.T @ z0**2))
    corr = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
    np.fill_diagonal(corr, 1.0)
    return np.sort(np.linalg.eigvalsh(corr))[::-1]


def _simulate(
    params: ItemParameters,
    theta: FloatArray,
    holes: np.ndarray,
    rng: np.random.Generator,
) -> FloatArray:
    cum = np.cumsum(np.moveaxis(category_probabilities(params, theta), 0, 1), axis=2)
    u = rng.random(theta.shape + (params.n_items,))
    x = (u[:, :, None] > cum[:, :, :-1]).sum(axis=2).astype(np.float64)
    x[holes] = np.nan
    return np.asarray(x, dtype=np.float64)


def dimensionality_check(
    responses: ArrayLike,
    params: ItemParameters,
    theta: ArrayLike,
    *,
    n_replications: int = 20,
    rng: np.random.Generator | int | None = None,
) -> DimensionalityResult:
    """Check unidimensionality by a parallel analysis of residual components.

    The observed eigenvalues of the correlation matrix of standardised residuals
    (Linacre's principal components of residuals) are compared with their 95th
    percentiles over ``n_replications`` data sets simulated from ``params`` at
    ``theta`` with the same missing cells, each re-scored by EAP, so the reference
    carries the same estimation effects as the data.

    Parameters
    ----------
    responses : array_like of shape (n_persons, n_items)
    params : ItemParameters
    theta : array_like of shape (n_persons,)
        Ability estimates (EAP recommended, to match the replications).
    n_replications : int, default=20
    rng : numpy.random.Generator or int, optional

    Returns
    -------
    DimensionalityResult

    References
    ----------
    Horn, J. L. (1965). A rationale and test for the number of factors in factor
    analysis. Psychometrika, 30, 179-185.
    Linacre, J. M. (1998). Structure in Rasch residuals: why principal components
    analysis? Rasch Measurement Transactions, 12, 636.
    """

    x = check_responses(
        responses, params.n_categories, n_items=params.n_items, item_ids=params.item_ids
    )
    th = np.asarray(theta, dtype=np.float64).reshape(-1)
    if n_replications < 1:
        raise ValueError(f"n_replications must be >= 1; got {n_replications}")
    observed = _residual_eigenvalues(x, params, th)
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    holes = np.isnan(x)
    sims = []
    for _ in range(n_replications):
        xs = _simulate(params, th, holes, gen)
        th_s = estimate_ability(xs, params, method="eap").theta
        sims.append(_residual_eigenvalues(xs, params, th_s))
    reference = np.percentile(np.array(sims), 95, axis=0)
    above = observed > reference
    n_extra = int(np.argmin(above)) if not above.all() else above.size
    return DimensionalityResult(observed, reference, n_extra)
