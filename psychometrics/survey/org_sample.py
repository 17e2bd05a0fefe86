"""Stratified sample of learning organisations for the annual monitoring (年度抽样监测).

The frame is the register: one stratum label per organisation (district × kind). The
sample size is allocated in proportion to the stratum sizes ``N_h`` with a floor of
``floor`` organisations in every non-empty stratum (never more than the stratum holds),
and a simple random sample without replacement is drawn within each stratum. The design
weight of a sampled organisation is ``N_h / n_h``, so the weights of a stratum add up to
its register count and all weights to the size of the register.

The same frame (in the same order), size, floor and seed always give the same sample.

References
----------
.. [1] Cochran, W. G. (1977). *Sampling Techniques*, 3rd ed. Wiley, ch. 5.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from psychometrics.survey._common import FloatArray, IntArray
from psychometrics.survey.design import largest_remainder, select_sample


@dataclass(frozen=True, repr=False)
class OrganisationSample:
    """A drawn stratified sample.

    Attributes
    ----------
    strata : tuple
        The non-empty strata, sorted, shape (H,).
    population : ndarray of int, shape (H,)
        ``N_h``: organisations of each stratum in the frame.
    allocation : ndarray of int, shape (H,)
        ``n_h``: organisations drawn from each stratum.
    selected : ndarray of int, shape (n,)
        Sorted frame positions of the drawn organisations.
    weights : ndarray of float, shape (n,)
        ``N_h / n_h`` of each drawn organisation, in the order of ``selected``.
    stratum_of_selected : ndarray of int, shape (n,)
        Index into ``strata`` of each drawn organisation.
    seed : int
    """

    strata: tuple[Hashable, ...]
    population: IntArray
    allocation: IntArray
    selected: IntArray
    weights: FloatArray
    stratum_of_selected: IntArray
    seed: int

    @property
    def stratum_weights(self) -> FloatArray:
        """``N_h / n_h`` per stratum, shape (H,)."""
        return self.population / self.allocation

    def __repr__(self) -> str:
        return (
            f"OrganisationSample(n={self.selected.size}, N={int(self.population.sum())}, "
            f"strata={len(self.strata)}, seed={self.seed})"
        )


def allocate_with_floor(
    population: Sequence[int] | IntArray, n: int, *, floor: int = 1
) -> IntArray:
    """Allocate ``n`` over strata in proportion to ``population`` with a floor per stratum.

    A stratum whose proportional share falls below ``min(floor, N_h)`` is raised to it and
    the rest of the sample is split again among the other strata, until stable; no stratum
    gets more than it holds.

    Parameters
    ----------
    population : array_like of int, shape (H,)
        ``N_h`` of each stratum, all positive.
    n : int
        Total sample size, ``sum(min(floor, N_h)) <= n <= sum(N_h)``.
    floor : int, default=1

    Returns
    -------
    ndarray of int, shape (H,)
        ``n_h``, summing exactly to ``n``.
    """
    pop = np.asarray(population, dtype=np.intp)
    if pop.ndim != 1 or pop.size == 0:
        raise ValueError("population must be a non-empty 1-D array of stratum sizes")
    if (pop <= 0).any():
        raise ValueError(
            f"stratum {int(np.argmax(pop <= 0))} is empty: give only non-empty strata"
        )
    if floor < 0:
        raise ValueError(f"floor must be >= 0, got {floor}")
    total = int(pop.sum())
    lows = np.minimum(floor, pop)
    if n > total:
        raise ValueError(f"sample size {n} exceeds the {total} units of the frame")
    if n < int(lows.sum()):
        raise ValueError(
            f"sample size {n} is below the floor: {int(lows.sum())} are needed to give every "
            f"one of the {pop.size} strata at least {floor}"
        )
    fixed = np.zeros(pop.size, dtype=bool)
    while True:
        alloc = np.where(fixed, lows, 0).astype(np.intp)
        rest = n - int(alloc.sum())
        sizes = np.where(fixed, 0, pop).astype(np.float64)
        if rest > 0:
            alloc = alloc + largest_remainder(sizes, rest, cap=np.where(fixed, 0, pop))
        low = ~fixed & (alloc < lows)
        if not low.any():
            return alloc
        fixed |= low


def draw_organisation_sample(
    strata: Sequence[Hashable], n: int, *, seed: int, floor: int = 1
) -> OrganisationSample:
    """Draw a reproducible stratified sample from a frame of stratum labels.

    Parameters
    ----------
    strata : sequence of hashable, shape (N,)
        Stratum label of each unit of the frame (e.g. ``"310101:community"``), in a
        stable order (the register's primary keys).
    n : int
        Total sample size.
    seed : int
        Seed of ``numpy.random.default_rng``.
    floor : int, default=1
        Minimum sample of every non-empty stratum (capped at its size).

    Returns
    -------
    OrganisationSample
    """
    labels = list(strata)
    if not labels:
        raise ValueError("the frame is empty: there is nothing to sample")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    keys = tuple(sorted(set(labels), key=str))
    index = {k: i for i, k in enumerate(keys)}
    frame = np.fromiter((index[k] for k in labels), dtype=np.intp, count=len(labels))
    population = np.bincount(frame, minlength=len(keys)).astype(np.intp)
    allocation = allocate_with_floor(population, n, floor=floor)
    selected = select_sample(frame, allocation, rng=np.random.default_rng(seed))
    h = frame[selected]
    weights = population[h] / allocation[h]
    return OrganisationSample(
        strata=keys,
        population=population,
        allocation=allocation,
        selected=selected,
        weights=weights.astype(np.float64),
        stratum_of_selected=h,
        seed=seed,
    )
