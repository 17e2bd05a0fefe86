"""Weights for respondents without a sample design: raking to population margins.

Open practice and many thematic surveys take whoever comes, so there are no inclusion
probabilities to start from. The respondents are weighted to the population instead:
equal starting weights ``N / n`` are raked (iterative proportional fitting, with
trimming) to the population margins, for instance district, age band and sex, or the
two-way margins district × age band and district × sex. Cells that hold no respondents
cannot be weighted up, so they are refused by name; collapse them or rake to coarser
margins.

Replicate weights come from a paired jackknife over *pseudo-strata* formed from the
respondents (by default the cells of all the variables, e.g. district × age band × sex):
respondents are paired at random within a pseudo-stratum into variance zones (a single
respondent joins a neighbouring pseudo-stratum), and every replicate is raked again to
the same margins, so the replicate variance carries the raking (Valliant et al.; PIAAC
treats its non-probability components the same way).

This is a model-based weighting: estimates are unbiased only if, within the raking
cells, respondents resemble the population. Reports should say so.

References
----------
.. [1] Kolenikov, S. (2014). Calibrating survey data using iterative proportional fitting
   (raking). *The Stata Journal* 14(1), 22–59.
.. [2] Valliant, R., Dever, J. A., & Kreuter, F. (2018). *Practical Tools for Designing and
   Weighting Survey Samples*, 2nd ed., Springer, ch. 14 (calibration) and 15
   (replication variance with calibrated weights).
.. [3] Elliott, M. R., & Valliant, R. (2017). Inference for nonprobability samples.
   *Statistical Science* 32(2), 249–264.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from psychometrics.survey._common import FloatArray
from psychometrics.survey.replicates import ReplicateWeights, jk2_replicate_weights
from psychometrics.survey.weights import Margin, RakingReport, rake

MarginSpec = str | Sequence[str]


class EmptyCellError(ValueError):
    """A population cell of a margin has no respondents, so it cannot be weighted."""


@dataclass(frozen=True, repr=False)
class PostStratification:
    """Weights of respondents raked to population margins, with jackknife replicates.

    Attributes
    ----------
    weights : ndarray, shape (n,)
        Final weights; every margin's totals equal the population's.
    replicates : ReplicateWeights
        JK2 replicates over pseudo-strata, each raked to the same margins.
    start : ndarray, shape (n,)
        Starting weights ``N / n``.
    margins : tuple of str
        Margins raked to, ``"district×age_band"`` for a two-way margin.
    report : RakingReport
        Convergence of the full-sample raking.
    population_total : float
    """

    weights: FloatArray
    replicates: ReplicateWeights
    start: FloatArray
    margins: tuple[str, ...]
    report: RakingReport
    population_total: float

    def __repr__(self) -> str:
        return (
            f"PostStratification(n={self.weights.size}, margins={list(self.margins)}, "
            f"total={self.population_total:.6g}, {self.report!r}, "
            f"n_replicates={self.replicates.n_replicates})"
        )


def _label(values: Sequence[Hashable]) -> str:
    return "|".join(str(v) for v in values)


def _name(spec: tuple[str, ...]) -> str:
    return "×".join(spec)


def poststratify(
    groups: Mapping[str, ArrayLike],
    population: Mapping[tuple[Any, ...], float],  # Any: Mapping's key is invariant
    *,
    variables: Sequence[str] = ("district", "age_band", "sex"),
    margins: Sequence[MarginSpec] | None = None,
    pseudo_strata: Sequence[str] | None = None,
    n_replicates: int = 80,
    max_ratio: float | None = None,
    max_iter: int = 500,
    tol: float = 1e-7,
    rng: np.random.Generator | None = None,
) -> PostStratification:
    """Weight respondents to population margins and build JK2 replicates.

    Parameters
    ----------
    groups : mapping of str to array_like, each shape (n,)
        Each respondent's category of every variable (``"district"``, ``"age_band"``,
        ``"sex"``).
    population : mapping of tuple to float
        Population count of every cell of ``variables``, keyed by the tuple of the
        cell's categories in the order of ``variables`` (e.g. ``("310101", "25-34",
        "female")``); the margins are sums over these cells.
    variables : sequence of str
        Order of the keys of ``population``.
    margins : sequence of str or of tuples of str, optional
        Margins to rake to: a variable (``"district"``) or a combination
        (``("district", "age_band")``). Default: every variable on its own.
    pseudo_strata : sequence of str, optional
        Variables whose cells form the jackknife's pseudo-strata; default ``variables``.
    n_replicates : int, default=80
    max_ratio : float or None, default=None
        Cap weights at ``max_ratio`` × the median weight (trim and re-rake). Volunteer
        samples are often far from the population, so a cap the margins cannot meet
        leaves them unmet (with a ``ConvergenceWarning``); no cap by default.
    max_iter, tol :
        Raking's limits (see :func:`~psychometrics.survey.weights.rake`).
    rng : numpy.random.Generator, optional
        Pairs respondents within pseudo-strata at random.

    Returns
    -------
    PostStratification

    Raises
    ------
    EmptyCellError
        If a population cell of a margin has no respondents (the message names it and
        its population), or if respondents fall in a category without a population.
    ValueError
        For inputs of the wrong length or a population without positive counts.
    """
    vars_ = tuple(variables)
    missing = [v for v in vars_ if v not in groups]
    if missing:
        raise ValueError(f"groups has no {missing[0]!r}; variables are {list(vars_)}")
    cols = {v: np.asarray(groups[v]).astype(str) for v in vars_}
    n = cols[vars_[0]].size
    for v, arr in cols.items():
        if arr.ndim != 1 or arr.size != n:
            raise ValueError(f"groups[{v!r}] has shape {arr.shape}; expected ({n},)")
    if n < 2:
        raise ValueError(
            f"{n} respondent(s): at least two are needed to weight and replicate"
        )
    pop: dict[tuple[str, ...], float] = {}
    for key, count in population.items():
        k = tuple(str(x) for x in (key if isinstance(key, tuple) else (key,)))
        if len(k) != len(vars_):
            raise ValueError(
                f"population key {key!r} does not match variables {list(vars_)}"
            )
        c = float(count)
        if not np.isfinite(c) or c < 0:
            raise ValueError(
                f"population of cell {key!r} is {count!r}; expected a count >= 0"
            )
        pop[k] = pop.get(k, 0.0) + c
    total = sum(pop.values())
    if total <= 0:
        raise ValueError("the population has no positive counts")
    specs: list[tuple[str, ...]] = []
    for m in margins if margins is not None else vars_:
        spec = (m,) if isinstance(m, str) else tuple(m)
        bad = [v for v in spec if v not in vars_]
        if bad or not spec:
            raise ValueError(
                f"margin {m!r} uses {bad[0] if bad else 'nothing'!r}, "
                f"not one of {list(vars_)}"
            )
        specs.append(spec)
    rake_margins = []
    for spec in specs:
        idx = [vars_.index(v) for v in spec]
        totals: dict[str, float] = {}
        for key, c in pop.items():
            lab = _label([key[i] for i in idx])
            totals[lab] = totals.get(lab, 0.0) + c
        totals = {k: c for k, c in totals.items() if c > 0}
        values = np.array(
            [_label(t) for t in zip(*(cols[v] for v in spec), strict=True)]
        )
        present, counts = np.unique(values, return_counts=True)
        have = dict(zip(present.tolist(), counts.tolist(), strict=True))
        stray = [lab for lab in have if lab not in totals]
        if stray:
            raise EmptyCellError(
                f"margin {_name(spec)}: {have[stray[0]]} respondent(s) in {_cell(spec, stray[0])} "
                "but the population has nobody there; correct their answers or the figures"
            )
        empty = sorted(
            (lab for lab in totals if lab not in have), key=lambda x: -totals[x]
        )
        if empty:
            listed = "; ".join(
                f"{_cell(spec, lab)} (population {totals[lab]:,.0f})"
                for lab in empty[:5]
            )
            more = f" and {len(empty) - 5} more" if len(empty) > 5 else ""
            raise EmptyCellError(
                f"margin {_name(spec)}: no respondents in {listed}{more}; collapse these "
                "cells with a neighbour or rake to coarser margins"
            )
        rake_margins.append(Margin(_name(spec), values, totals))
    start = np.full(n, total / n)
    options: dict[str, object] = {
        "max_ratio": max_ratio,
        "max_iter": max_iter,
        "tol": tol,
    }
    full = rake(start, rake_margins, **options)  # type: ignore[arg-type]
    ps = tuple(pseudo_strata) if pseudo_strata is not None else vars_
    for v in ps:
        if v not in vars_:
            raise ValueError(
                f"pseudo-stratum variable {v!r} is not one of {list(vars_)}"
            )
    strata = np.array([_label(t) for t in zip(*(cols[v] for v in ps), strict=True)])
    reps = jk2_replicate_weights(
        start,
        strata,
        n_replicates=n_replicates,
        margins=rake_margins,
        rake_options=options,
        rng=rng,
    )
    return PostStratification(
        full.weights,
        reps,
        start,
        tuple(m.name for m in rake_margins),
        full.report,
        float(total),
    )


def _cell(spec: tuple[str, ...], label: str) -> str:
    parts = label.split("|")
    return ", ".join(f"{v}={p!r}" for v, p in zip(spec, parts, strict=True))
