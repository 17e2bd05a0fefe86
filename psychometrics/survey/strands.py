"""Citizen strand questionnaires: weighted district proportions and means with replicate SEs.

The strand questionnaires (learning behaviour, outcomes and sense of gain, awareness of
and participation in local learning services, family learning, community residents)
are Likert-type items whose answers are coded 0..k-1 (``nan`` = not answered). A
respondent carries the survey's final weight and its replicate weights; a figure is a
ratio of weighted totals over the respondents who answered, so its standard error comes
from the replicate weights exactly as the survey roll-up's (paired jackknife, JK2:
``Σ_r (θ_r − θ)²`` with factor 1, one "imputation", the same intervals as
:mod:`psychometrics.survey.estimates`).

Person-level values turn a respondent's answers into one number first:

- :func:`share_at_or_above` — the share of the answered items at or above a code
  (1/0 for one item): e.g. "knows the service" (code ≥ 1), "satisfied" (≥ 3);
- :func:`any_at_or_above` — 1 when any answered item reaches the code (took part in at
  least one service), 0 when none does;
- :func:`mapped_mean` — the mean of the answered items' numeric values (hours a week
  at the middle of the chosen band, books a year).

:func:`estimate_strand_proportion` then gives the weighted percentage of the person
values (a mean of 0/1 or of shares, × 100) and :func:`estimate_strand_mean` the weighted
mean, each by group (district).

References
----------
.. [1] OECD (2019). *Technical Report of the Survey of Adult Skills (PIAAC)*, 3rd ed.,
   ch. 20 (replicate variance of ratio estimates).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from psychometrics.survey._common import FloatArray
from psychometrics.survey.estimates import Interval, SurveyEstimate, _finish
from psychometrics.survey.needs import _prepare, _ratios
from psychometrics.survey.replicates import ReplicateWeights

__all__ = [
    "any_at_or_above",
    "estimate_strand_mean",
    "estimate_strand_proportion",
    "mapped_mean",
    "share_at_or_above",
]


def _codes(answers: ArrayLike, n_codes: int | None = None) -> FloatArray:
    a = np.asarray(answers, dtype=np.float64)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2:
        raise ValueError(f"answers must be (n,) or (n, n_items), got shape {a.shape}")
    ok = np.isnan(a) | ((a >= 0) & (a == np.round(a)))
    if n_codes is not None:
        ok &= np.isnan(a) | (a < n_codes)
    if not ok.all():
        i, j = (int(k) for k in np.argwhere(~ok)[0])
        top = "" if n_codes is None else f" 0..{n_codes - 1}"
        raise ValueError(
            f"answer {a[i, j]!r} of respondent {i}, item {j} is not a code{top} "
            "(or nan for no answer)"
        )
    return a


def share_at_or_above(answers: ArrayLike, min_code: int) -> FloatArray:
    """Return each respondent's share of answered items with code ``>= min_code``.

    Parameters
    ----------
    answers : array_like, shape (n,) or (n, n_items)
        Codes 0..k-1, ``nan`` = not answered.
    min_code : int

    Returns
    -------
    ndarray, shape (n,)
        In [0, 1]; ``nan`` for a respondent who answered none of the items.
    """
    a = _codes(answers)
    answered = ~np.isnan(a)
    k = answered.sum(axis=1)
    hits = np.where(answered, a >= min_code, False).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(k > 0, hits / np.maximum(k, 1), np.nan)


def any_at_or_above(answers: ArrayLike, min_code: int) -> FloatArray:
    """Return 1 where any answered item has code ``>= min_code``, 0 where none, nan unanswered."""
    a = _codes(answers)
    answered = ~np.isnan(a)
    hit = np.where(answered, a >= min_code, False).any(axis=1)
    return np.where(answered.any(axis=1), hit.astype(np.float64), np.nan)


def mapped_mean(answers: ArrayLike, values: Sequence[float]) -> FloatArray:
    """Return each respondent's mean of ``values[code]`` over the answered items.

    Parameters
    ----------
    answers : array_like, shape (n,) or (n, n_items)
    values : sequence of float, length k
        The number each code stands for (e.g. the middle of an hours band).
    """
    table = np.asarray(values, dtype=np.float64)
    a = _codes(answers, n_codes=table.size)
    answered = ~np.isnan(a)
    mapped = np.where(answered, table[np.where(answered, a, 0).astype(np.intp)], 0.0)
    k = answered.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(k > 0, mapped.sum(axis=1) / np.maximum(k, 1), np.nan)


def _estimate(
    statistic: str,
    person_values: ArrayLike,
    weights: ArrayLike,
    replicate_weights: ReplicateWeights | ArrayLike,
    groups: ArrayLike | None,
    include_total: bool,
    scale: float,
    interval: Interval,
    confidence: float,
) -> SurveyEstimate:
    y = np.asarray(person_values, dtype=np.float64)
    if y.ndim != 1:
        raise ValueError(f"person values must be 1-D, got shape {y.shape}")
    if np.isinf(y).any():
        raise ValueError(
            f"person value {int(np.argwhere(np.isinf(y))[0, 0])} is infinite"
        )
    has = ~np.isnan(y)
    inp = _prepare(y.size, weights, replicate_weights, groups, include_total, has)
    theta = _ratios(
        inp, np.where(has, y, 0.0)[:, None], has.astype(np.float64)[:, None]
    )
    return _finish(statistic, inp, scale * theta[:, :, 0, :], interval, confidence)


def estimate_strand_proportion(
    person_values: ArrayLike,
    weights: ArrayLike,
    replicate_weights: ReplicateWeights | ArrayLike,
    *,
    groups: ArrayLike | None = None,
    include_total: bool = False,
    interval: Interval = "t",
    confidence: float = 0.95,
) -> SurveyEstimate:
    """Weighted percentage ``100 · Σ w·y / Σ w`` by group, with replicate SEs.

    Parameters
    ----------
    person_values : array_like, shape (n,)
        0/1 (or a share in [0, 1]) per respondent, ``nan`` = did not answer (left out).
    weights : array_like, shape (n,)
        Final full-sample weights, > 0.
    replicate_weights : ReplicateWeights or array_like, shape (n, R)
    groups : array_like, shape (n,), optional
        District of each respondent.
    include_total : bool
        Append a row ``"all"``.

    Returns
    -------
    SurveyEstimate
        In percent; ``n`` counts the respondents of the group who answered.
    """
    y = np.asarray(person_values, dtype=np.float64)
    bad = ~np.isnan(y) & ((y < 0) | (y > 1))
    if bad.any():
        i = int(np.argwhere(bad)[0, 0])
        raise ValueError(f"person value {y[i]!r} of respondent {i} is not in [0, 1]")
    return _estimate(
        "strand percentage",
        y,
        weights,
        replicate_weights,
        groups,
        include_total,
        100.0,
        interval,
        confidence,
    )


def estimate_strand_mean(
    person_values: ArrayLike,
    weights: ArrayLike,
    replicate_weights: ReplicateWeights | ArrayLike,
    *,
    groups: ArrayLike | None = None,
    include_total: bool = False,
    interval: Interval = "t",
    confidence: float = 0.95,
) -> SurveyEstimate:
    """Weighted mean ``Σ w·y / Σ w`` by group over the respondents who answered.

    See :func:`estimate_strand_proportion` for the parameters.
    """
    return _estimate(
        "strand mean",
        person_values,
        weights,
        replicate_weights,
        groups,
        include_total,
        1.0,
        interval,
        confidence,
    )
