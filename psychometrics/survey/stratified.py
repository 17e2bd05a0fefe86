"""Stratified ratio and proportion estimators with design-based standard errors.

For a stratified sample without replacement (strata ``h``, ``n_h`` units drawn from
``N_h``, weights ``w_hi``), the ratio ``R = Y / X`` is estimated by

    R̂ = Σ_h Σ_i w_hi y_hi / Σ_h Σ_i w_hi x_hi

and its variance by Taylor linearisation with the finite-population correction
``1 − f_h`` (``f_h = n_h / N_h``):

    v(R̂) = Σ_h (1 − f_h) n_h / (n_h − 1) Σ_i (z_hi − z̄_h)²,
    z_hi = w_hi (y_hi − R̂ x_hi) / X̂.

A proportion is the ratio with ``x = 1`` (every responding unit) and ``y`` the 0/1
indicator. Within one stratum with equal weights ``N/n`` this reduces to the textbook
``(1 − n/N) p (1 − p) / (n − 1)``. A stratum with a single unit contributes no variance
(its variance cannot be estimated); ``single_unit_strata_`` counts them in the result.

References
----------
.. [1] Cochran, W. G. (1977). *Sampling Techniques*, 3rd ed. Wiley, §5A.2 and §6.11.
.. [2] Lohr, S. L. (2019). *Sampling: Design and Analysis*, 2nd ed. CRC, §4.5 and §9.1.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from psychometrics.survey._common import as_float_vector

__all__ = ["StratifiedEstimate", "stratified_proportion", "stratified_ratio"]


@dataclass(frozen=True, repr=False)
class StratifiedEstimate:
    """A stratified ratio estimate.

    Attributes
    ----------
    estimate : float
        ``R̂`` (``nan`` when ``X̂ = 0``).
    se : float
        Linearised standard error with the finite-population correction.
    n : int
        Units that entered the estimate.
    n_strata : int
    single_unit_strata : int
        Strata with one unit, which add no variance.
    """

    estimate: float
    se: float
    n: int
    n_strata: int
    single_unit_strata: int

    def __repr__(self) -> str:
        return (
            f"StratifiedEstimate(estimate={self.estimate:.4g}, se={self.se:.4g}, "
            f"n={self.n}, n_strata={self.n_strata})"
        )


def stratified_ratio(
    y: ArrayLike,
    x: ArrayLike,
    *,
    strata: Sequence[Hashable],
    weights: ArrayLike,
    population_sizes: Mapping[Hashable, float],
) -> StratifiedEstimate:
    """Estimate ``Σ w y / Σ w x`` and its design-based SE.

    Parameters
    ----------
    y, x : array-like of shape (n,)
    strata : sequence of shape (n,)
        The stratum label of each unit.
    weights : array-like of shape (n,)
        Positive design weights (usually ``N_h / n_h``).
    population_sizes : mapping
        ``N_h`` for every stratum label that occurs; ``f_h = n_h / N_h``.

    Returns
    -------
    StratifiedEstimate
    """
    y_arr = as_float_vector(y, "y")
    n = y_arr.shape[0]
    x_arr = as_float_vector(x, "x", n=n)
    w = as_float_vector(weights, "weights", n=n)
    if (w <= 0).any():
        raise ValueError(
            f"weights must be positive; position {int(np.argmax(w <= 0))} is not"
        )
    labels = list(strata)
    if len(labels) != n:
        raise ValueError(f"strata has {len(labels)} entries, expected {n}")
    if n == 0:
        return StratifiedEstimate(float("nan"), float("nan"), 0, 0, 0)
    x_hat = float(np.sum(w * x_arr))
    if x_hat == 0:
        return StratifiedEstimate(float("nan"), float("nan"), n, len(set(labels)), 0)
    r_hat = float(np.sum(w * y_arr)) / x_hat
    z = w * (y_arr - r_hat * x_arr) / x_hat
    variance = 0.0
    single = 0
    label_arr = np.array([str(label) for label in labels], dtype=object)
    order = list(dict.fromkeys(labels))
    for label in order:
        if label not in population_sizes:
            raise ValueError(f"population_sizes has no size for stratum {label!r}")
        mask = label_arr == str(label)
        n_h = int(mask.sum())
        big_n = float(population_sizes[label])
        if big_n < n_h:
            raise ValueError(
                f"stratum {label!r}: population size {big_n:g} is below its "
                f"sample size {n_h}"
            )
        if n_h < 2:
            single += 1
            continue
        z_h = z[mask]
        fpc = 1.0 - n_h / big_n
        variance += fpc * n_h / (n_h - 1) * float(np.sum((z_h - z_h.mean()) ** 2))
    return StratifiedEstimate(
        r_hat, float(np.sqrt(max(variance, 0.0))), n, len(order), single
    )


def stratified_proportion(
    y: ArrayLike,
    *,
    strata: Sequence[Hashable],
    weights: ArrayLike,
    population_sizes: Mapping[Hashable, float],
) -> StratifiedEstimate:
    """Estimate the weighted share of units with ``y = 1`` and its design-based SE.

    ``y`` holds 0/1 (or booleans); any other value is refused.
    """
    y_arr = as_float_vector(y, "y")
    bad = ~np.isin(y_arr, (0.0, 1.0))
    if bad.any():
        raise ValueError(
            f"y must be 0 or 1; position {int(np.argmax(bad))} is {y_arr[bad][0]:g}"
        )
    return stratified_ratio(
        y_arr,
        np.ones_like(y_arr),
        strata=strata,
        weights=weights,
        population_sizes=population_sizes,
    )
