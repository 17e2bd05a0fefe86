"""Differential item functioning: Mantel–Haenszel and logistic regression.

Both methods compare a *focal* group with a *reference* group (by default everybody
else) among persons matched on ability, by default the summed score. Any grouping works
(sex, age band, district); :func:`dif_by_group` runs every level of a grouping as focal
against the rest.

Responses are ``(n_persons, n_items)`` arrays of 0/1 with ``nan`` for not administered.
With missing responses the matching score is prorated (mean over administered items
times the number of items) and rounded, so strata stay integral.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from psychometrics._typing import FloatArray

__all__ = [
    "LogisticDIFResult",
    "MantelHaenszelResult",
    "dif_by_group",
    "logistic_dif",
    "mantel_haenszel",
    "mantel_haenszel_dif",
]

#: ETS: D-DIF = -2.35 ln(alpha_MH) (Holland & Thayer, 1988).
ETS_DELTA_SCALE = -2.35


@dataclass(frozen=True, repr=False)
class MantelHaenszelResult:
    """Mantel–Haenszel DIF statistics, one entry per item.

    Attributes
    ----------
    item_ids : tuple of str
    odds_ratio : ndarray of shape (n_items,)
        Common odds ratio alpha_MH (> 1 favours the reference group).
    chi2 : ndarray of shape (n_items,)
        MH chi-square with continuity correction, 1 df.
    p_value : ndarray of shape (n_items,)
    delta : ndarray of shape (n_items,)
        ETS MH D-DIF = -2.35 ln(alpha_MH); negative means harder for the focal group.
    delta_se : ndarray of shape (n_items,)
        2.35 times the Robins–Breslow–Greenland SE of ln(alpha_MH).
    ets_class : tuple of str
        "A" (negligible), "B" (moderate) or "C" (large).
    focal, reference : str
        Labels of the compared groups.
    """

    item_ids: tuple[str, ...]
    odds_ratio: FloatArray
    chi2: FloatArray
    p_value: FloatArray
    delta: FloatArray
    delta_se: FloatArray
    ets_class: tuple[str, ...]
    focal: str
    reference: str

    @property
    def flagged(self) -> tuple[str, ...]:
        """Ids of the items in class B or C."""
        return tuple(
            i for i, c in zip(self.item_ids, self.ets_class, strict=True) if c != "A"
        )

    def __repr__(self) -> str:
        counts = {c: self.ets_class.count(c) for c in "ABC"}
        return (
            f"MantelHaenszelResult(focal={self.focal!r}, reference={self.reference!r}, "
            f"n_items={len(self.item_ids)}, A={counts['A']}, B={counts['B']}, "
            f"C={counts['C']})"
        )


@dataclass(frozen=True, repr=False)
class LogisticDIFResult:
    """Logistic-regression DIF statistics, one entry per item.

    Attributes
    ----------
    item_ids : tuple of str
    chi2_total, p_total : ndarray of shape (n_items,)
        Likelihood-ratio test of model 3 (score, group, score x group) against model 1
        (score only), 2 df: any DIF.
    chi2_uniform, p_uniform : ndarray of shape (n_items,)
        Model 2 (score, group) against model 1, 1 df.
    chi2_nonuniform, p_nonuniform : ndarray of shape (n_items,)
        Model 3 against model 2, 1 df.
    delta_r2 : ndarray of shape (n_items,)
        Nagelkerke R² of model 3 minus that of model 1.
    zumbo_thomas_class, jodoin_gierl_class : tuple of str
        "A", "B" or "C"; "A" whenever ``p_total >= alpha``.
    focal, reference : str
    """

    item_ids: tuple[str, ...]
    chi2_total: FloatArray
    p_total: FloatArray
    chi2_uniform: FloatArray
    p_uniform: FloatArray
    chi2_nonuniform: FloatArray
    p_nonuniform: FloatArray
    delta_r2: FloatArray
    zumbo_thomas_class: tuple[str, ...]
    jodoin_gierl_class: tuple[str, ...]
    focal: str
    reference: str

    @property
    def flagged(self) -> tuple[str, ...]:
        """Ids of the items in Jodoin–Gierl class B or C."""
        return tuple(
            i
            for i, c in zip(self.item_ids, self.jodoin_gierl_class, strict=True)
            if c != "A"
        )

    def __repr__(self) -> str:
        return (
            f"LogisticDIFResult(focal={self.focal!r}, reference={self.reference!r}, "
            f"n_items={len(self.item_ids)}, flagged={len(self.flagged)})"
        )


def mantel_haenszel(tables: ArrayLike) -> tuple[float, float, float, float]:
    """Mantel–Haenszel common odds ratio and test for a 2 x 2 x K table.

    Parameters
    ----------
    tables : array_like of shape (K, 2, 2)
        ``tables[k] = [[A, B], [C, D]]``: reference right/wrong, focal right/wrong in
        stratum ``k``. Strata with fewer than 2 persons or only one group add nothing.

    Returns
    -------
    odds_ratio : float
        ``sum(A D / N) / sum(B C / N)``.
    chi2 : float
        ``(|sum A - sum E(A)| - 0.5)^2 / sum Var(A)`` with the hypergeometric
        ``E(A) = n_R m_1 / N`` and ``Var(A) = n_R n_F m_1 m_0 / (N^2 (N - 1))``.
    p_value : float
        Upper tail of chi-square with 1 df.
    se_log_odds_ratio : float
        Robins–Breslow–Greenland standard error of ``ln(odds_ratio)``.

    References
    ----------
    Mantel, N., & Haenszel, W. (1959). Statistical aspects of the analysis of data
    from retrospective studies of disease. JNCI, 22, 719-748.
    Robins, J., Breslow, N., & Greenland, S. (1986). Estimators of the Mantel-Haenszel
    variance consistent in both sparse data and large-strata limiting models.
    Biometrics, 42, 311-323.
    """
    t = np.asarray(tables, dtype=np.float64)
    if t.ndim != 3 or t.shape[1:] != (2, 2):
        raise ValueError(f"tables must have shape (K, 2, 2); got {t.shape}")
    if (t < 0).any():
        raise ValueError("tables must hold non-negative counts")
    a, b, c, d = t[:, 0, 0], t[:, 0, 1], t[:, 1, 0], t[:, 1, 1]
    n = a + b + c + d
    n_ref, n_foc = a + b, c + d
    keep = (n >= 2) & (n_ref > 0) & (n_foc > 0)
    a, b, c, d, n, n_ref, n_foc = (v[keep] for v in (a, b, c, d, n, n_ref, n_foc))
    m1, m0 = a + c, b + d
    r, s = a * d / n, b * c / n
    sum_r, sum_s = r.sum(), s.sum()
    odds = sum_r / sum_s if sum_s > 0 else (np.inf if sum_r > 0 else np.nan)
    var_a = (n_ref * n_foc * m1 * m0 / (n**2 * (n - 1))).sum()
    if var_a > 0:
        diff = abs(a.sum() - (n_ref * m1 / n).sum())
        chi2 = max(diff - 0.5, 0.0) ** 2 / var_a
        p = float(stats.chi2.sf(chi2, 1))
    else:
        chi2, p = np.nan, np.nan
    # Robins-Breslow-Greenland variance of ln(alpha_MH).
    pp, qq = (a + d) / n, (b + c) / n
    if sum_r > 0 and sum_s > 0:
        var_log = (
            (pp * r).sum() / (2 * sum_r**2)
            + (pp * s + qq * r).sum() / (2 * sum_r * sum_s)
            + (qq * s).sum() / (2 * sum_s**2)
        )
        se = float(np.sqrt(var_log))
    else:
        se = np.nan
    return float(odds), float(chi2), p, se


def _ets_class(delta: float, delta_se: float, p_value: float) -> str:
    """ETS A/B/C class (Zwick, 2012): C needs |D| >= 1.5 and |D| > 1 significantly."""
    if not np.isfinite(delta) or not p_value < 0.05 or abs(delta) < 1.0:
        return "A"
    if abs(delta) >= 1.5 and (abs(delta) - 1.0) / delta_se > stats.norm.ppf(0.95):
        return "C"
    return "B"


def _prepare(
    responses: ArrayLike,
    groups: ArrayLike,
    focal: object,
    reference: object | None,
    matching: ArrayLike | None,
) -> tuple[FloatArray, NDArray[np.bool_], FloatArray, str, str]:
    """Validate; return responses, focal mask and matching score of the two groups."""
    x = np.array(responses, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(
            f"responses must be 2-D (n_persons, n_items); got shape {x.shape}"
        )
    bad = ~np.isnan(x) & (x != 0) & (x != 1)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise ValueError(
            f"responses[{r}, {c}] = {x[r, c]!r}: DIF needs dichotomous 0/1 or nan"
        )
    g = np.asarray(groups, dtype=object)
    if g.shape != (x.shape[0],):
        raise ValueError(
            f"groups must have shape ({x.shape[0]},) like the responses' rows; "
            f"got {g.shape}"
        )
    is_focal = g == focal
    if not is_focal.any():
        raise ValueError(f"no person is in the focal group {focal!r}")
    if reference is None:
        is_ref = ~is_focal & np.array([v is not None for v in g.tolist()], dtype=bool)
        ref_label = "rest"
    else:
        is_ref = g == reference
        ref_label = str(reference)
    if not is_ref.any():
        raise ValueError(f"no person is in the reference group {ref_label!r}")
    if matching is None:
        administered = ~np.isnan(x)
        n_adm = administered.sum(axis=1)
        score = np.where(
            n_adm > 0,
            np.round(x.shape[1] * np.nansum(x, axis=1) / np.maximum(n_adm, 1)),
            np.nan,
        )
    else:
        score = np.asarray(matching, dtype=np.float64)
        if score.shape != (x.shape[0],):
            raise ValueError(
                f"matching must have shape ({x.shape[0]},); got {score.shape}"
            )
    keep = (is_focal | is_ref) & np.isfinite(score)
    return x[keep], is_focal[keep], score[keep], str(focal), ref_label


def mantel_haenszel_dif(
    responses: ArrayLike,
    groups: ArrayLike,
    *,
    focal: object,
    reference: object | None = None,
    matching: ArrayLike | None = None,
    item_ids: Sequence[str] | None = None,
) -> MantelHaenszelResult:
    """Mantel–Haenszel DIF of every item, stratified on the summed score.

    Parameters
    ----------
    responses : array_like of shape (n_persons, n_items)
        0/1 scores, ``nan`` = not administered.
    groups : array_like of shape (n_persons,)
        Group label of each person (sex, age band, district...).
    focal : object
        Label of the focal group.
    reference : object, optional
        Label of the reference group; default everybody not in ``focal`` (persons
        whose label is ``None`` are left out).
    matching : array_like of shape (n_persons,), optional
        Stratifying variable with discrete values; default the summed score over all
        items (the studied item included, as Holland & Thayer recommend).
    item_ids : sequence of str, optional

    Returns
    -------
    MantelHaenszelResult

    References
    ----------
    Holland, P. W., & Thayer, D. T. (1988). Differential item performance and the
    Mantel-Haenszel procedure. In H. Wainer & H. Braun (Eds.), *Test Validity*
    (pp. 129-145). Erlbaum.
    Zwick, R. (2012). A review of ETS differential item functioning assessment
    procedures. ETS Research Report RR-12-08.
    """
    x, is_focal, score, foc, ref = _prepare(
        responses, groups, focal, reference, matching
    )
    ids = _ids(item_ids, x.shape[1])
    _, stratum = np.unique(score, return_inverse=True)
    n_strata = int(stratum.max()) + 1 if stratum.size else 0
    n_items = x.shape[1]
    odds, chi2, pv, delta, dse = (np.full(n_items, np.nan) for _ in range(5))
    classes = []
    for j in range(n_items):
        ok = ~np.isnan(x[:, j])
        # cell index: stratum * 4 + 2 * focal + (1 - correct)
        cell = stratum[ok] * 4 + 2 * is_focal[ok] + (1 - x[ok, j]).astype(np.int64)
        tables = np.bincount(cell, minlength=4 * n_strata).reshape(n_strata, 2, 2)
        odds[j], chi2[j], pv[j], se = mantel_haenszel(tables)
        with np.errstate(divide="ignore"):
            delta[j] = ETS_DELTA_SCALE * np.log(odds[j])
        dse[j] = abs(ETS_DELTA_SCALE) * se
        classes.append(_ets_class(delta[j], dse[j], pv[j]))
    return MantelHaenszelResult(
        ids, odds, chi2, pv, delta, dse, tuple(classes), foc, ref
    )


def _nagelkerke(ll_model: float, ll_null: float, n: int) -> float:
    cox_snell = 1.0 - np.exp(2.0 * (ll_null - ll_model) / n)
    return float(cox_snell / (1.0 - np.exp(2.0 * ll_null / n)))


def _loglik(features: FloatArray, y: FloatArray) -> float:
    """Maximised log-likelihood of an unpenalised logistic regression."""
    from sklearn.linear_model import LogisticRegression  # heavy: imported when used

    model = LogisticRegression(C=np.inf, max_iter=1000, tol=1e-8)
    model.fit(features, y)
    p = np.clip(model.predict_proba(features)[:, 1], 1e-12, 1 - 1e-12)
    return float(np.sum(y * np.log(p) + (1 - y) * np.log1p(-p)))


def _effect_class(delta_r2: float, p: float, b: float, c: float, alpha: float) -> str:
    if not p < alpha or delta_r2 < b:
        return "A"
    return "C" if delta_r2 >= c else "B"


def logistic_dif(
    responses: ArrayLike,
    groups: ArrayLike,
    *,
    focal: object,
    reference: object | None = None,
    matching: ArrayLike | None = None,
    item_ids: Sequence[str] | None = None,
    alpha: float = 0.01,
) -> LogisticDIFResult:
    """Logistic-regression DIF of every item (Swaminathan & Rogers).

    Three nested models of each item's 0/1 score, fitted unpenalised with
    scikit-learn: (1) score, (2) score + group, (3) score + group + score x group.
    Likelihood-ratio tests give uniform (2 vs 1), non-uniform (3 vs 2) and total (3 vs
    1, 2 df) DIF; Nagelkerke's ΔR² (3 minus 1) gives the effect size.

    Parameters
    ----------
    responses : array_like of shape (n_persons, n_items)
        0/1 scores, ``nan`` = not administered.
    groups : array_like of shape (n_persons,)
    focal, reference : object
        As in :func:`mantel_haenszel_dif`.
    matching : array_like of shape (n_persons,), optional
        Continuous matching variable; default the (prorated) summed score.
    item_ids : sequence of str, optional
    alpha : float, default=0.01
        Significance level of the 2-df test below which an item is always class A.

    Returns
    -------
    LogisticDIFResult
        Zumbo–Thomas classes: ΔR² < 0.13 A, < 0.26 B, else C; Jodoin–Gierl: < 0.035 A,
        < 0.070 B, else C.

    References
    ----------
    Swaminathan, H., & Rogers, H. J. (1990). Detecting differential item functioning
    using logistic regression procedures. JEM, 27, 361-370.
    Zumbo, B. D. (1999). *A Handbook on the Theory and Methods of Differential Item
    Functioning*. Department of National Defense, Ottawa.
    Jodoin, M. G., & Gierl, M. J. (2001). Evaluating type I error and power rates
    using an effect size measure with the logistic regression procedure for DIF
    detection. Applied Measurement in Education, 14, 329-349.
    """
    x, is_focal, score, foc, ref = _prepare(
        responses, groups, focal, reference, matching
    )
    ids = _ids(item_ids, x.shape[1])
    sd = score.std()
    z = (score - score.mean()) / (sd if sd > 0 else 1.0)
    grp = is_focal.astype(np.float64)
    n_items = x.shape[1]
    out = {k: np.full(n_items, np.nan) for k in ("t", "pt", "u", "pu", "n", "pn", "r2")}
    zt, jg = [], []
    for j in range(n_items):
        ok = ~np.isnan(x[:, j])
        y = x[ok, j]
        n = int(ok.sum())
        if n < 3 or y.min() == y.max() or grp[ok].min() == grp[ok].max():
            zt.append("A")
            jg.append("A")
            continue
        zj, gj = z[ok], grp[ok]
        p1 = y.mean()
        ll_null = float(n * (p1 * np.log(p1) + (1 - p1) * np.log(1 - p1)))
        ll1 = _loglik(zj[:, None], y)
        ll2 = _loglik(np.column_stack([zj, gj]), y)
        ll3 = _loglik(np.column_stack([zj, gj, zj * gj]), y)
        # Nested fits can lose a hair to solver tolerance; LR statistics are >= 0.
        out["t"][j] = max(2 * (ll3 - ll1), 0.0)
        out["u"][j] = max(2 * (ll2 - ll1), 0.0)
        out["n"][j] = max(2 * (ll3 - ll2), 0.0)
        out["pt"][j] = stats.chi2.sf(out["t"][j], 2)
        out["pu"][j] = stats.chi2.sf(out["u"][j], 1)
        out["pn"][j] = stats.chi2.sf(out["n"][j], 1)
        out["r2"][j] = max(
            _nagelkerke(ll3, ll_null, n) - _nagelkerke(ll1, ll_null, n), 0.0
        )
        zt.append(_effect_class(out["r2"][j], out["pt"][j], 0.13, 0.26, alpha))
        jg.append(_effect_class(out["r2"][j], out["pt"][j], 0.035, 0.070, alpha))
    return LogisticDIFResult(
        ids,
        out["t"],
        out["pt"],
        out["u"],
        out["pu"],
        out["n"],
        out["pn"],
        out["r2"],
        tuple(zt),
        tuple(jg),
        foc,
        ref,
    )


def dif_by_group(
    responses: ArrayLike,
    groups: ArrayLike,
    *,
    method: Literal["mh", "logistic"] = "mh",
    item_ids: Sequence[str] | None = None,
    matching: ArrayLike | None = None,
) -> dict[str, MantelHaenszelResult | LogisticDIFResult]:
    """Run DIF for every level of a grouping, each level as focal against the rest.

    Parameters
    ----------
    responses : array_like of shape (n_persons, n_items)
    groups : array_like of shape (n_persons,)
        For example sex, age band or district of each person; ``None`` entries are
        left out.
    method : {"mh", "logistic"}, default="mh"
    item_ids : sequence of str, optional
    matching : array_like of shape (n_persons,), optional

    Returns
    -------
    dict
        Level label (as str) to its result.
    """
    if method not in ("mh", "logistic"):
        raise ValueError(f"method must be 'mh' or 'logistic'; got {method!r}")
    g = np.asarray(groups, dtype=object)
    levels = sorted({v for v in g.tolist() if v is not None}, key=str)
    if len(levels) < 2:
        raise ValueError(f"groups needs at least 2 levels; got {levels!r}")
    fn = mantel_haenszel_dif if method == "mh" else logistic_dif
    results: dict[str, MantelHaenszelResult | LogisticDIFResult] = {}
    for level in levels:
        results[str(level)] = fn(
            responses, g, focal=level, matching=matching, item_ids=item_ids
        )
    return results


def _ids(item_ids: Sequence[str] | None, n_items: int) -> tuple[str, ...]:
    if item_ids is None:
        return tuple(str(j) for j in range(n_items))
    ids = tuple(str(i) for i in item_ids)
    if len(ids) != n_items:
        raise ValueError(f"item_ids has {len(ids)} entries for {n_items} items")
    return ids
