"""Stratified sample design: strata, allocation and inclusion probabilities.

Strata cross district × age band × sex. The sample is a stratified simple random sample
without replacement, so a respondent in stratum ``h`` has inclusion probability
``n_h / N_h``.

References
----------
.. [1] OECD (2019). *Technical Report of the Survey of Adult Skills (PIAAC)*, 3rd ed.,
   ch. 14 (sample design).
.. [2] Cochran, W. G. (1977). *Sampling Techniques*, 3rd ed. Wiley, ch. 5.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from psychometrics.survey._common import FloatArray, IntArray, encode

AllocationMethod = Literal["proportional", "equal", "minimum"]
StratumKey = tuple[Hashable, Hashable, Hashable]


@dataclass(frozen=True, repr=False)
class Strata:
    """Population strata, one entry per district × age band × sex cell.

    Attributes
    ----------
    district, age_band, sex : tuple, each of length n_strata
        Labels of each stratum.
    population : ndarray of int, shape (n_strata,)
        Population count ``N_h`` of each stratum (from the districts' figures).
    """

    district: tuple[Hashable, ...]
    age_band: tuple[Hashable, ...]
    sex: tuple[Hashable, ...]
    population: IntArray

    @classmethod
    def from_counts(cls, counts: Mapping[StratumKey, int]) -> Strata:
        """Build strata from ``{(district, age_band, sex): population}``.

        Raises
        ------
        ValueError
            If there are no strata or a count is not a positive integer.
        """
        if not counts:
            raise ValueError("population counts are empty: no strata to sample from")
        keys = sorted(counts, key=lambda k: tuple(str(p) for p in k))
        pop = np.empty(len(keys), dtype=np.intp)
        for i, key in enumerate(keys):
            if len(key) != 3:
                raise ValueError(
                    f"stratum key {key!r} is not (district, age_band, sex)"
                )
            value = counts[key]
            if int(value) != value or value <= 0:
                raise ValueError(
                    f"stratum {key!r} has population {value!r}; need an integer > 0"
                )
            pop[i] = int(value)
        return cls(
            district=tuple(k[0] for k in keys),
            age_band=tuple(k[1] for k in keys),
            sex=tuple(k[2] for k in keys),
            population=pop,
        )

    @property
    def n_strata(self) -> int:
        return len(self.district)

    @property
    def keys(self) -> list[StratumKey]:
        return list(zip(self.district, self.age_band, self.sex, strict=True))

    def __repr__(self) -> str:
        n_d = len(set(self.district))
        return (
            f"Strata(n_strata={self.n_strata}, n_districts={n_d}, "
            f"population={int(self.population.sum())})"
        )


@dataclass(frozen=True, repr=False)
class SampleDesign:
    """Allocation of a stratified sample.

    Attributes
    ----------
    strata : Strata
    allocation : ndarray of int, shape (n_strata,)
        Sample size ``n_h`` per stratum; sums to the requested ``n``.
    inclusion_probability : ndarray, shape (n_strata,)
        ``n_h / N_h``.
    method : str
    """

    strata: Strata
    allocation: IntArray
    inclusion_probability: FloatArray
    method: str

    def __repr__(self) -> str:
        by_d: dict[Hashable, int] = {}
        for d, n_h in zip(self.strata.district, self.allocation, strict=True):
            by_d[d] = by_d.get(d, 0) + int(n_h)
        return (
            f"SampleDesign(method={self.method!r}, n={int(self.allocation.sum())}, "
            f"n_strata={self.strata.n_strata}, per district {min(by_d.values())}"
            f"–{max(by_d.values())})"
        )


def largest_remainder(
    sizes: ArrayLike, n: int, *, cap: ArrayLike | None = None
) -> IntArray:
    """Split the integer ``n`` in proportion to ``sizes`` (Hamilton's method).

    Each share gets the floor of its quota; the units left go to the largest remainders
    (ties to the first). With ``cap``, no share exceeds its cap: capped shares are fixed
    and the rest is split again among the others.

    Parameters
    ----------
    sizes : array_like, shape (k,)
        Non-negative sizes, not all zero.
    n : int
        Total to split.
    cap : array_like of int, shape (k,), optional

    Returns
    -------
    ndarray of int, shape (k,)
        Non-negative integers summing exactly to ``n``.
    """
    s = np.asarray(sizes, dtype=np.float64)
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if (s < 0).any() or not np.isfinite(s).all():
        raise ValueError("sizes must be finite and non-negative")
    if s.sum() <= 0 and n > 0:
        raise ValueError("sizes are all zero: nothing to allocate to")
    c = np.full(s.shape, n, dtype=np.intp) if cap is None else np.asarray(cap, np.intp)
    if c.shape != s.shape:
        raise ValueError(f"cap has shape {c.shape}, sizes {s.shape}")
    if np.where(s > 0, c, 0).sum(dtype=np.float64) < n:
        raise ValueError(
            f"cannot allocate {n}: the caps (population sizes) sum to less"
        )
    out = np.zeros(s.shape, dtype=np.intp)
    free = s > 0
    remaining = n
    while remaining > 0:
        quota = remaining * np.where(free, s, 0.0) / s[free].sum()
        share = np.floor(quota).astype(np.intp)
        left = remaining - int(share.sum())
        order = np.argsort(-(quota - share), kind="stable")
        share[order[:left]] += 1
        over = free & (out + share > c)
        if not over.any():
            out += share
            break
        # fix capped shares at their cap and split the rest among the others
        remaining -= int((c[over] - out[over]).sum())
        out[over] = c[over]
        free &= ~over
    return out


def allocate(
    strata: Strata,
    n: int,
    *,
    method: AllocationMethod = "proportional",
    minimum: int = 0,
) -> SampleDesign:
    """Allocate a sample of ``n`` over the strata.

    Parameters
    ----------
    strata : Strata
    n : int
        Total sample size.
    method : {"proportional", "equal", "minimum"}
        ``"proportional"``: ``n_h ∝ N_h``. ``"equal"``: every district gets ``n / D``
        (largest remainder), split over its strata in proportion to ``N_h``.
        ``"minimum"``: every district gets at least ``minimum``; districts whose
        proportional share is smaller are raised to ``minimum`` and the remainder is
        re-split in proportion among the other districts (repeated until stable); within a
        district, strata are proportional.
    minimum : int
        Minimum district sample for ``method="minimum"``.

    Returns
    -------
    SampleDesign
        ``allocation`` sums to ``n`` exactly and never exceeds a stratum's population.
    """
    pop = strata.population
    if n <= 0 or n > int(pop.sum()):
        raise ValueError(
            f"sample size {n} must be in 1..{int(pop.sum())} (the population)"
        )
    d_codes, d_labels = encode(
        np.asarray(strata.district, dtype=object).astype(str), "district"
    )
    n_d = len(d_labels)
    d_pop = np.bincount(d_codes, weights=pop, minlength=n_d)
    if method == "proportional":
        alloc = largest_remainder(pop, n, cap=pop)
        return _design(strata, alloc, method)
    if method == "equal":
        d_alloc = largest_remainder(np.ones(n_d), n, cap=d_pop.astype(np.intp))
    elif method == "minimum":
        if minimum < 0 or minimum * n_d > n:
            raise ValueError(
                f"minimum {minimum} per district × {n_d} districts exceeds the sample size {n}"
            )
        floor = np.minimum(minimum, d_pop).astype(np.intp)
        fixed = np.zeros(n_d, dtype=bool)
        while True:
            d_alloc = np.where(fixed, floor, 0)
            rest = n - int(d_alloc.sum())
            d_alloc = d_alloc + largest_remainder(np.where(fixed, 0.0, d_pop), rest)
            low = ~fixed & (d_alloc < floor)
            if not low.any():
                break
            fixed |= low
        d_alloc = np.minimum(d_alloc, d_pop.astype(np.intp))
        if int(d_alloc.sum()) != n:  # a tiny district hit its population: re-split
            d_alloc = largest_remainder(
                np.maximum(d_alloc, 1e-12), n, cap=d_pop.astype(np.intp)
            )
    else:
        raise ValueError(f"unknown allocation method {method!r}")
    alloc = np.zeros(strata.n_strata, dtype=np.intp)
    for d in range(n_d):
        idx = np.flatnonzero(d_codes == d)
        alloc[idx] = largest_remainder(pop[idx], int(d_alloc[d]), cap=pop[idx])
    return _design(strata, alloc, method)


def _design(strata: Strata, alloc: IntArray, method: str) -> SampleDesign:
    return SampleDesign(
        strata=strata,
        allocation=alloc,
        inclusion_probability=inclusion_probabilities(alloc, strata.population),
        method=method,
    )


def inclusion_probabilities(allocation: ArrayLike, population: ArrayLike) -> FloatArray:
    """Return ``π_h = n_h / N_h`` for a stratified simple random sample.

    Parameters
    ----------
    allocation, population : array_like, shape (n_strata,)

    Returns
    -------
    ndarray, shape (n_strata,)
    """
    n_h = np.asarray(allocation, dtype=np.float64)
    big_n = np.asarray(population, dtype=np.float64)
    if n_h.shape != big_n.shape:
        raise ValueError(
            f"allocation {n_h.shape} and population {big_n.shape} differ in shape"
        )
    if (big_n <= 0).any():
        raise ValueError(f"empty stratum at position {int(np.argmax(big_n <= 0))}")
    if ((n_h < 0) | (n_h > big_n)).any():
        raise ValueError("allocation must lie between 0 and the stratum population")
    return n_h / big_n


def select_sample(
    frame_stratum: ArrayLike, allocation: ArrayLike, *, rng: np.random.Generator
) -> IntArray:
    """Draw a stratified simple random sample without replacement from a frame.

    Parameters
    ----------
    frame_stratum : array_like of int, shape (n_frame,)
        Stratum index (0..n_strata-1) of each unit of the sampling frame.
    allocation : array_like of int, shape (n_strata,)
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of int
        Sorted frame positions of the selected units.
    """
    h = np.asarray(frame_stratum, dtype=np.intp)
    alloc = np.asarray(allocation, dtype=np.intp)
    sizes = np.bincount(h, minlength=alloc.size)
    if sizes.size != alloc.size or (sizes < alloc).any():
        raise ValueError(
            "the frame has fewer units in some stratum than its allocation"
        )
    # a random key per unit; take the n_h smallest keys within each stratum
    order = np.lexsort((rng.random(h.size), h))
    start = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    rank = np.empty(h.size, dtype=np.intp)
    rank[order] = np.arange(h.size) - np.repeat(start, sizes)
    return np.flatnonzero(rank < alloc[h])
