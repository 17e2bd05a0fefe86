"""Adaptive-test simulation over many simulees, and Sympson–Hetter calibration."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from psychometrics._typing import FloatArray, IntArray
from psychometrics.cat._bank import CATBank, as_bank
from psychometrics.cat._select import (
    Randomesque,
    Rule,
    SympsonHetter,
    _balance,
    _choose,
    _criterion,
    _resolve_rng,
    check_exposure,
    check_rule,
)
from psychometrics.irt import ItemParameters, category_probabilities

__all__ = [
    "CATSimulationReport",
    "SympsonHetterResult",
    "simulate_cat",
    "sympson_hetter_calibrate",
]

DEFAULT_BANDS = (-np.inf, -2.0, -1.0, 0.0, 1.0, 2.0, np.inf)
EXPOSURE_BINS = (0.0, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0)


@dataclass(frozen=True, repr=False)
class CATSimulationReport:
    """Outcome of simulated adaptive tests.

    Attributes
    ----------
    true_theta, theta, se : ndarray of shape (n_simulees,)
        Generating ability, final EAP and posterior SD.
    length : ndarray of shape (n_simulees,)
        Items administered.
    items : ndarray of shape (n_simulees, max_length)
        Bank positions in order, -1 after the end.
    responses : ndarray of shape (n_simulees, max_length)
        Category codes, -1 after the end.
    exposure_rate : ndarray of shape (n_items,)
        Share of simulees who saw each item.
    band_edges : ndarray of shape (n_bands + 1,)
    band_n : ndarray of shape (n_bands,)
    band_bias, band_rmse, band_mean_length : ndarray of shape (n_bands,)
        Per ability band of the true theta (nan in empty bands).
    """

    true_theta: FloatArray
    theta: FloatArray
    se: FloatArray
    length: IntArray
    items: IntArray
    responses: IntArray
    exposure_rate: FloatArray
    band_edges: FloatArray
    band_n: IntArray
    band_bias: FloatArray
    band_rmse: FloatArray
    band_mean_length: FloatArray

    @property
    def mean_length(self) -> float:
        """Average number of items."""
        return float(self.length.mean())

    @property
    def rmse(self) -> float:
        """Root mean squared error of the final EAP."""
        return float(np.sqrt(np.mean((self.theta - self.true_theta) ** 2)))

    @property
    def bias(self) -> float:
        """Mean of estimate minus truth."""
        return float(np.mean(self.theta - self.true_theta))

    @property
    def max_exposure(self) -> float:
        """Largest item exposure rate."""
        return float(self.exposure_rate.max())

    @property
    def unused_share(self) -> float:
        """Share of the bank no simulee saw."""
        return float(np.mean(self.exposure_rate == 0))

    def exposure_distribution(self) -> dict[str, float]:
        """Share of items per exposure-rate bin, e.g. ``{"0": .4, "(0, 0.05]": .2}``."""
        rates = self.exposure_rate
        out = {"0": float(np.mean(rates == 0))}
        for lo, hi in zip(EXPOSURE_BINS[:-1], EXPOSURE_BINS[1:], strict=True):
            out[f"({lo:g}, {hi:g}]"] = float(np.mean((rates > lo) & (rates <= hi)))
        return out

    def to_dict(self) -> dict[str, Any]:
        """Summary figures in a JSON-friendly form."""
        return {
            "n_simulees": int(self.theta.size),
            "mean_length": self.mean_length,
            "rmse": self.rmse,
            "bias": self.bias,
            "max_exposure": self.max_exposure,
            "unused_share": self.unused_share,
            "exposure_distribution": self.exposure_distribution(),
            "bands": [
                {
                    "from": float(self.band_edges[b]),
                    "to": float(self.band_edges[b + 1]),
                    "n": int(self.band_n[b]),
                    "bias": _f(self.band_bias[b]),
                    "rmse": _f(self.band_rmse[b]),
                    "mean_length": _f(self.band_mean_length[b]),
                }
                for b in range(self.band_n.size)
            ],
        }

    def summary(self) -> str:
        """A small text table of the figures."""
        lines = [
            f"simulees {self.theta.size}, mean length {self.mean_length:.2f}, "
            f"RMSE {self.rmse:.3f}, bias {self.bias:+.3f}, "
            f"max exposure {self.max_exposure:.3f}, unused {self.unused_share:.1%}",
            "band            n     bias    rmse  length",
        ]
        for b in range(self.band_n.size):
            lo, hi = self.band_edges[b], self.band_edges[b + 1]
            lines.append(
                f"[{lo:>5g},{hi:>5g})  {self.band_n[b]:>5d}  {self.band_bias[b]:+.3f}"
                f"  {self.band_rmse[b]:.3f}  {self.band_mean_length[b]:6.2f}"
            )
        dist = ", ".join(
            f"{k}: {v:.1%}" for k, v in self.exposure_distribution().items()
        )
        lines.append(f"exposure rates: {dist}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"CATSimulationReport(n={self.theta.size}, mean_length="
            f"{self.mean_length:.2f}, rmse={self.rmse:.3f}, bias={self.bias:+.3f}, "
            f"max_exposure={self.max_exposure:.3f})"
        )


def _f(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _eap_rows(log_post: FloatArray, theta: FloatArray) -> tuple[FloatArray, FloatArray]:
    w = np.exp(log_post)
    s = w.sum(axis=1)
    m = w @ theta / s
    v = w @ (theta * theta) / s - m * m
    return m, np.sqrt(np.maximum(v, 0.0))


def simulate_cat(
    bank: CATBank | ItemParameters,
    true_thetas: ArrayLike,
    *,
    se_target: float | None = 0.3,
    max_length: int = 30,
    min_length: int = 1,
    rule: Rule = "mfi",
    start_rule: Rule | None = None,
    n_start: int = 0,
    exposure: Randomesque | SympsonHetter | None = None,
    blueprint: Mapping[str, float] | None = None,
    rng: np.random.Generator | int | None = None,
    bands: Sequence[float] = DEFAULT_BANDS,
) -> CATSimulationReport:
    """Simulate adaptive tests for simulees of known ability.

    All simulees advance together, one item per round, with the same kernels as
    :func:`select_next_item`, :func:`cat_update` and :func:`should_stop`, so a
    session driven step by step with deterministic selection gives the same items
    and estimates.

    Parameters
    ----------
    bank : CATBank or ItemParameters
    true_thetas : array_like of shape (n_simulees,)
    se_target, max_length, min_length
        Stopping rule, as in :func:`should_stop`.
    rule, start_rule, n_start, exposure, blueprint
        Selection, as in :func:`select_next_item`.
    rng : numpy.random.Generator or int, optional
        Draws the responses (from the model at the true theta) and the exposure
        lotteries.
    bands : sequence of float
        Edges of the ability bands for bias and RMSE by band.

    Returns
    -------
    CATSimulationReport
    """
    report, _ = _run(
        as_bank(bank),
        true_thetas,
        se_target=se_target,
        max_length=max_length,
        min_length=min_length,
        rule=rule,
        start_rule=start_rule,
        n_start=n_start,
        exposure=exposure,
        blueprint=blueprint,
        rng=rng,
        bands=bands,
    )
    return report


def _run(
    bk: CATBank,
    true_thetas: ArrayLike,
    *,
    se_target: float | None = 0.3,
    max_length: int = 30,
    min_length: int = 1,
    rule: Rule = "mfi",
    start_rule: Rule | None = None,
    n_start: int = 0,
    exposure: Randomesque | SympsonHetter | None = None,
    blueprint: Mapping[str, float] | None = None,
    rng: np.random.Generator | int | None = None,
    bands: Sequence[float] = DEFAULT_BANDS,
    record_top: int = 0,
) -> tuple[CATSimulationReport, IntArray | None]:
    """Simulate; with ``record_top`` also return, for every (simulee, step), the
    ``record_top`` best available items in criterion order, shape (n_steps, m)."""
    th = np.asarray(true_thetas, dtype=np.float64).reshape(-1)
    if th.size == 0 or not np.isfinite(th).all():
        raise ValueError("true_thetas must be a non-empty array of finite values")
    check_rule(rule)
    if start_rule is not None:
        check_rule(start_rule, "start_rule")
    check_exposure(exposure, bk.n_items)
    if max_length < 1 or min_length < 0 or min_length > max_length:
        raise ValueError(
            f"need 0 <= min_length <= max_length and max_length >= 1; got "
            f"min_length={min_length}, max_length={max_length}"
        )
    max_length = min(max_length, bk.n_items)
    targets = None if blueprint is None else bk.blueprint_targets(blueprint)
    gen = _resolve_rng(rng)
    n = th.size
    # Cumulative category probabilities at the true thetas draw the responses.
    cum = np.cumsum(category_probabilities(bk.params, th), axis=2)[:, :, :-1]
    log_post = np.tile(bk.log_prior - bk.log_prior.max(), (n, 1))
    theta_hat, se = _eap_rows(log_post, bk.theta)
    available = np.ones((n, bk.n_items), dtype=bool)
    counts = np.zeros((n, max(len(bk.areas), 1)), dtype=np.int64)
    items = np.full((n, max_length), -1, dtype=np.int64)
    responses = np.full((n, max_length), -1, dtype=np.int64)
    length = np.zeros(n, dtype=np.int64)
    active = np.ones(n, dtype=bool)
    tops: list[IntArray] = []
    for t in range(max_length):
        rows = np.flatnonzero(active)
        if rows.size == 0:
            break
        step_rule = start_rule if start_rule is not None and t < n_start else rule
        n_adm = np.full(rows.size, t)
        avail = available[rows]
        if targets is not None:
            avail = _balance(bk, targets, avail, counts[rows], n_adm)
        crit = _criterion(bk, step_rule, theta_hat[rows], log_post[rows], n_adm)
        chosen = _choose(crit, avail, exposure, gen)
        if record_top:
            masked = np.where(avail, crit, -np.inf)
            m = min(record_top, bk.n_items)
            top = np.argpartition(-masked, m - 1, axis=1)[:, :m]
            order = np.argsort(-np.take_along_axis(masked, top, axis=1), axis=1)
            top = np.take_along_axis(top, order, axis=1)
            # unavailable items (rows near the end of a small bank) become -1
            top[~np.take_along_axis(avail, top, axis=1)] = -1
            tops.append(top)
        u = gen.random(rows.size)
        resp = (u[:, None] > cum[chosen, rows]).sum(axis=1)
        items[rows, t] = chosen
        responses[rows, t] = resp
        available[rows, chosen] = False
        if targets is not None:
            counts[rows, bk.item_area[chosen]] += 1
        lp = log_post[rows] + bk.log_prob[chosen, resp]
        lp -= lp.max(axis=1, keepdims=True)
        log_post[rows] = lp
        theta_hat[rows], se[rows] = _eap_rows(lp, bk.theta)
        length[rows] = t + 1
        done = np.full(rows.size, t + 1 >= max_length)
        if se_target is not None and t + 1 >= min_length:
            done = done | (se[rows] <= se_target)
        active[rows] = ~done
    exposure_rate = np.bincount(items[items >= 0], minlength=bk.n_items) / n
    edges = np.asarray(bands, dtype=np.float64)
    band = np.clip(np.searchsorted(edges, th, side="right") - 1, 0, edges.size - 2)
    nb = edges.size - 1
    band_n = np.bincount(band, minlength=nb)
    err = theta_hat - th
    with np.errstate(invalid="ignore", divide="ignore"):
        band_bias = np.bincount(band, err, minlength=nb) / band_n
        band_rmse = np.sqrt(np.bincount(band, err**2, minlength=nb) / band_n)
        band_len = np.bincount(band, length.astype(float), minlength=nb) / band_n
    report = CATSimulationReport(
        true_theta=th,
        theta=theta_hat,
        se=se,
        length=length,
        items=items,
        responses=responses,
        exposure_rate=exposure_rate,
        band_edges=edges,
        band_n=band_n.astype(np.int64),
        band_bias=band_bias,
        band_rmse=band_rmse,
        band_mean_length=band_len,
    )
    return report, (np.concatenate(tops) if record_top else None)


@dataclass(frozen=True, repr=False)
class SympsonHetterResult:
    """Calibrated Sympson–Hetter parameters.

    Attributes
    ----------
    exposure : SympsonHetter
        Ready to pass to :func:`select_next_item` / :func:`simulate_cat`.
    max_exposure : float
        Largest exposure rate in the last simulation with these parameters.
    history : tuple of float
        Largest exposure rate after each iteration.
    n_iter : int
    """

    exposure: SympsonHetter
    max_exposure: float
    history: tuple[float, ...]
    n_iter: int

    def __repr__(self) -> str:
        return (
            f"SympsonHetterResult(n_iter={self.n_iter}, "
            f"max_exposure={self.max_exposure:.3f}, {self.exposure!r})"
        )


def _expected_candidacy(tops: IntArray, k: FloatArray, n_simulees: int) -> FloatArray:
    """Expected candidacies per simulee of each item under parameters ``k``.

    An item at rank ``rho`` of a step's ordered list is a candidate when all
    better-ranked items fail their lotteries: probability ``prod_{s<rho} (1 - K_s)``.
    """
    valid = tops >= 0
    fail = np.where(valid, 1.0 - k[np.maximum(tops, 0)], 1.0)
    reach = np.cumprod(fail, axis=1)
    reach = np.concatenate([np.ones((tops.shape[0], 1)), reach[:, :-1]], axis=1)
    return np.bincount(tops[valid], reach[valid], minlength=k.size) / n_simulees


def sympson_hetter_calibrate(
    bank: CATBank | ItemParameters,
    thetas: ArrayLike,
    target_rate: float = 0.25,
    *,
    n_iter: int = 8,
    headroom: float = 0.02,
    margin: float = 0.85,
    n_candidates: int = 40,
    rng: np.random.Generator | int | None = None,
    **cat_options: Any,
) -> SympsonHetterResult:
    """Derive Sympson–Hetter parameters by iterative simulation.

    The classical procedure simulates the test with the current parameters ``K``
    (start 1), estimates how often each item is a candidate, ``P(S_i)``, and sets
    ``K_i = min(1, r / P(S_i))``; since an item is given exactly when one of its
    candidacies passes its lottery, ``P(A_i) = K_i P(S_i)``. Lowering ``K`` of the
    best items only moves the excess to the next ones, so the classical procedure
    needs many simulations. Here each simulation records the ``n_candidates`` best
    available items of every step, and the update is iterated to a fixed point on
    those recorded orders with ``P(S_i)`` computed exactly for the new ``K``
    (:func:`_expected_candidacy`); the next simulation then corrects for the
    changed paths. A few simulations suffice.

    Parameters
    ----------
    bank : CATBank or ItemParameters
    thetas : array_like of shape (n_simulees,)
        Abilities to simulate, usually draws from the population distribution.
    target_rate : float, default=0.25
        Exposure-rate ceiling ``r``.
    n_iter : int, default=8
        Maximum number of simulations.
    headroom : float, default=0.02
        Stop early once the largest simulated exposure rate is at most
        ``r - headroom``, so new simulees (sampling noise) stay under ``r``.
    margin : float, default=0.85
        The fixed point aims at ``margin * r`` to leave room for sampling noise.
    n_candidates : int, default=40
        Ordered candidates recorded per step.
    rng : numpy.random.Generator or int, optional
    **cat_options
        Passed to :func:`simulate_cat` (``se_target``, ``max_length``, ``rule``,
        ``blueprint``...).

    Returns
    -------
    SympsonHetterResult
        With the parameters of the simulation whose largest exposure was lowest.

    References
    ----------
    Sympson, J. B., & Hetter, R. D. (1985). Controlling item-exposure rates in
    computerized adaptive testing. Proceedings of the 27th annual meeting of the
    Military Testing Association (pp. 973-977).
    van der Linden, W. J. (2003). Some alternatives to Sympson-Hetter item-exposure
    control in computerized adaptive testing. JEBS, 28, 249-265.
    """
    bk = as_bank(bank)
    if not 0 < target_rate <= 1:
        raise ValueError(f"target_rate must be in (0, 1]; got {target_rate}")
    if n_iter < 1:
        raise ValueError(f"n_iter must be >= 1; got {n_iter}")
    if "exposure" in cat_options:
        raise ValueError("sympson_hetter_calibrate sets exposure itself")
    gen = _resolve_rng(rng)
    n = np.asarray(thetas).size
    goal = margin * target_rate
    k = np.ones(bk.n_items)
    history: list[float] = []
    best: tuple[float, FloatArray] | None = None
    for _ in range(n_iter):
        report, tops = _run(
            bk,
            thetas,
            exposure=SympsonHetter(k),
            rng=gen,
            record_top=n_candidates,
            **cat_options,
        )
        history.append(report.max_exposure)
        if best is None or report.max_exposure < best[0]:
            best = (report.max_exposure, k)
        if report.max_exposure <= target_rate - headroom:
            break
        assert tops is not None
        for _ in range(100):
            p_sel = _expected_candidacy(tops, k, n)
            k_new = np.clip(
                np.where(p_sel > goal, goal / np.maximum(p_sel, 1e-12), 1.0),
                1e-3,
                1.0,
            )
            k_new = 0.5 * (k + k_new)  # damped: candidacies react to every K
            if np.max(np.abs(k_new - k)) < 1e-4:
                k = k_new
                break
            k = k_new
    assert best is not None
    return SympsonHetterResult(
        exposure=SympsonHetter(best[1]),
        max_exposure=best[0],
        history=tuple(history),
        n_iter=len(history),
    )
