"""Paired-jackknife (JK2) replicate weights and replicate variance.

Variance units (PSUs, or respondents when the design has none) are paired within strata
into variance zones. Replicate ``r`` doubles the weight of the first unit of its zone(s)
and zeroes the second, leaving every other zone alone, as in PIAAC. With more zones than
replicates, zone ``z`` is perturbed by replicate ``z mod R`` (zones combined); with fewer,
the spare replicates equal the full-sample weights and add nothing to the variance.

References
----------
.. [1] OECD (2019). *Technical Report of the Survey of Adult Skills (PIAAC)*, 3rd ed.,
   ch. 15.4 (replicate weights), ch. 20 (variance estimation).
.. [2] Wolter, K. M. (2007). *Introduction to Variance Estimation*, 2nd ed. Springer, ch. 4.
.. [3] Rust, K. F., & Rao, J. N. K. (1996). Variance estimation for complex surveys using
   replication techniques. *Statistical Methods in Medical Research* 5, 283–310.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from psychometrics.survey._common import FloatArray, IntArray, check_weights, encode
from psychometrics.survey.weights import Margin, RakingReport, nonresponse_adjust, rake


@dataclass(frozen=True, repr=False)
class ReplicateWeights:
    """Replicate weights of a survey and how they were built.

    Attributes
    ----------
    weights : ndarray, shape (n, n_replicates)
    zone : ndarray of int, shape (n,)
        Variance zone of each respondent.
    half : ndarray of int, shape (n,)
        1 (doubled in its replicate) or 2 (zeroed).
    replicate : ndarray of int, shape (n,)
        Replicate that perturbs the respondent's zone.
    n_zones : int
    variance_factor : float
        Factor in front of ``Σ (θ_r − θ)²``: 1 for JK2.
    method : str
    report : RakingReport or None
        Convergence of the replicates' re-raking, when they were re-raked.
    """

    weights: FloatArray
    zone: IntArray
    half: IntArray
    replicate: IntArray
    n_zones: int
    variance_factor: float = 1.0
    method: str = "JK2"
    report: RakingReport | None = None

    @property
    def n_replicates(self) -> int:
        return int(self.weights.shape[1])

    def __repr__(self) -> str:
        raked = "" if self.report is None else f", re-raked: {self.report!r}"
        return (
            f"ReplicateWeights(method={self.method!r}, n={self.weights.shape[0]}, "
            f"n_replicates={self.n_replicates}, n_zones={self.n_zones}{raked})"
        )


def jk2_zones(
    strata: ArrayLike,
    psu: ArrayLike | None = None,
    *,
    rng: np.random.Generator | None = None,
) -> tuple[IntArray, IntArray]:
    """Pair variance units within strata into JK2 variance zones.

    Parameters
    ----------
    strata : array_like, shape (n,)
        Stratum of each respondent.
    psu : array_like, shape (n,), optional
        Primary sampling unit of each respondent, nested in strata. Without it each
        respondent is a variance unit (stratified element sample).
    rng : numpy.random.Generator, optional
        Shuffles units within strata before pairing; without it units are paired in the
        order of first appearance (e.g. a frame sort order: implicit stratification).

    Returns
    -------
    zone : ndarray of int, shape (n,)
        Zone 0..n_zones-1 of each respondent.
    half : ndarray of int, shape (n,)
        1 or 2. A stratum with an odd number of units puts its last unit in its last zone,
        in a random half (half 2 without ``rng``). A stratum with a single unit is
        collapsed with the next stratum (the previous one for the last).
    """
    s_codes, s_labels = encode(strata, "strata")
    n = s_codes.size
    if psu is None:
        u_codes = np.arange(n)
    else:
        u_codes = encode(psu, "psu", n=n)[0]
    n_units = int(u_codes.max()) + 1
    first = np.full(n_units, n, dtype=np.intp)
    np.minimum.at(first, u_codes, np.arange(n))
    unit_stratum = s_codes[first]
    nested = unit_stratum[u_codes] == s_codes
    if not nested.all():
        i = int(np.argmin(nested))
        raise ValueError(f"psu of respondent {i} spans more than one stratum")
    if n_units < 2:
        raise ValueError("a JK2 design needs at least two variance units")
    # collapse strata holding a single unit with a neighbour
    size = np.bincount(unit_stratum, minlength=len(s_labels))
    target = np.arange(len(s_labels))
    for h in np.flatnonzero(size == 1):
        nxt = np.flatnonzero((size >= 1) & (np.arange(len(s_labels)) > h))
        prv = np.flatnonzero((size >= 1) & (np.arange(len(s_labels)) < h))
        target[h] = nxt[0] if nxt.size else prv[-1]
    unit_stratum = target[unit_stratum]
    key = rng.random(n_units) if rng is not None else first.astype(np.float64)
    order = np.lexsort((key, unit_stratum))
    sizes = np.bincount(unit_stratum, minlength=len(s_labels))
    start = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    pos = np.arange(n_units) - np.repeat(
        start, sizes
    )  # position within stratum, sorted
    c = np.repeat(sizes, sizes)
    local = pos // 2
    half = pos % 2 + 1
    odd_last = (c % 2 == 1) & (pos == c - 1)
    local[odd_last] -= 1
    half[odd_last] = rng.integers(1, 3, int(odd_last.sum())) if rng is not None else 2
    zone_offset = np.concatenate(([0], np.cumsum(sizes // 2)[:-1]))
    zone_sorted = np.repeat(zone_offset, sizes) + local
    unit_zone = np.empty(n_units, dtype=np.intp)
    unit_half = np.empty(n_units, dtype=np.intp)
    unit_zone[order] = zone_sorted
    unit_half[order] = half
    return unit_zone[u_codes], unit_half[u_codes]


def jk2_replicate_weights(
    weights: ArrayLike,
    strata: ArrayLike,
    *,
    psu: ArrayLike | None = None,
    n_replicates: int = 80,
    margins: Sequence[Margin] | None = None,
    rake_options: dict[str, object] | None = None,
    rng: np.random.Generator | None = None,
    responded: ArrayLike | None = None,
    nonresponse_classes: ArrayLike | None = None,
) -> ReplicateWeights:
    """Build paired-jackknife (JK2) replicate weights.

    Parameters
    ----------
    weights : array_like, shape (n,)
        Weights to perturb (> 0): base or non-response-adjusted weights when the
        replicates are re-raked, else the final weights.
    strata : array_like, shape (n,)
    psu : array_like, shape (n,), optional
        See :func:`jk2_zones`.
    n_replicates : int, default=80
    margins : sequence of Margin, optional
        When given, every replicate is re-raked to these margins, as the full-sample
        weights were, so the replicates carry the raking's variance reduction.
    rake_options : dict, optional
        Keyword arguments for :func:`~psychometrics.survey.weights.rake`.
    rng : numpy.random.Generator, optional
    responded, nonresponse_classes : array_like, shape (n,), optional
        When given, ``weights`` are the base weights of everyone *sampled*; every
        replicate is non-response adjusted within ``nonresponse_classes`` (as the
        full-sample weights were, see
        :func:`~psychometrics.survey.weights.nonresponse_adjust`) and the replicate
        weights of respondents only are returned (then raked, with ``margins`` whose
        values are the respondents').

    Returns
    -------
    ReplicateWeights
        ``weights`` of shape (n, n_replicates), or (n_respondents, n_replicates) with
        ``responded``; ``zone``/``half``/``replicate`` then also refer to respondents.
    """
    w = check_weights(weights, "weights")
    if w.ndim != 1:
        raise ValueError(f"weights must be 1-D, got shape {w.shape}")
    if n_replicates < 2:
        raise ValueError(f"n_replicates must be >= 2, got {n_replicates}")
    zone, half = jk2_zones(strata, psu, rng=rng)
    if zone.size != w.size:
        raise ValueError(f"strata has {zone.size} entries, weights {w.size}")
    n_zones = int(zone.max()) + 1
    rep = zone % n_replicates
    factor = np.ones((w.size, n_replicates))
    factor[np.arange(w.size), rep] = np.where(half == 1, 2.0, 0.0)
    rw = w[:, None] * factor
    if (responded is None) != (nonresponse_classes is None):
        raise ValueError("give both responded and nonresponse_classes, or neither")
    if responded is not None and nonresponse_classes is not None:
        keep = np.asarray(responded, dtype=bool)
        rw = nonresponse_adjust(rw, keep, nonresponse_classes)[keep]
        zone, half, rep = zone[keep], half[keep], rep[keep]
    report = None
    if margins is not None:
        result = rake(rw, margins, **(rake_options or {}))  # type: ignore[arg-type]
        rw, report = result.weights, result.report
    return ReplicateWeights(rw, zone, half, rep, n_zones, 1.0, "JK2", report)


def replicate_variance(
    estimate: ArrayLike, replicate_estimates: ArrayLike, *, factor: float = 1.0
) -> FloatArray:
    """Return the replicate variance ``factor × Σ_r (θ_r − θ)²``.

    Parameters
    ----------
    estimate : array_like, shape (...)
        Full-sample estimate(s) θ.
    replicate_estimates : array_like, shape (..., n_replicates)
        Estimates θ_r with each replicate weight; the replicate axis is last.
    factor : float, default=1.0
        1 for the paired jackknife (JK2); ``(R − 1) / R`` for the delete-one jackknife
        (JK1); ``1 / (R (1 − k)²)`` for Fay's method with perturbation ``k``; ``4 / R``
        for balanced repeated replication (BRR) with half-samples.

    Returns
    -------
    ndarray, shape (...)
    """
    est = np.asarray(estimate, dtype=np.float64)
    reps = np.asarray(replicate_estimates, dtype=np.float64)
    if reps.shape[:-1] != est.shape:
        raise ValueError(
            f"replicate_estimates {reps.shape} must be estimate's shape {est.shape} "
            "plus a trailing replicate axis"
        )
    if factor <= 0:
        raise ValueError(f"factor must be > 0, got {factor}")
    dev = reps - est[..., None]
    return np.asarray(factor * np.einsum("...r,...r->...", dev, dev), dtype=np.float64)
