"""Survey weights: base weights, non-response, raking with trimming and JK2 replicates.

:func:`compute_weights` weights a campaign with a sample design; campaigns without one
(open practice, thematic surveys) are raked to the population by
:func:`compute_poststratified_weights`.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from assessment.survey.pipeline.base import N_REPLICATES, Progress, _quiet
from psychometrics._validation import ConvergenceWarning
from psychometrics.survey import (
    Margin,
    base_weights,
    jk2_replicate_weights,
    nonresponse_adjust,
    poststratify,
    rake,
)


@dataclass(frozen=True)
class WeightsResult:
    base: np.ndarray  # (n_sampled,)
    nonresponse: np.ndarray  # (n_sampled,), 0 for non-respondents
    final: np.ndarray  # (n_respondents,)
    replicates: np.ndarray  # (n_respondents, R)
    zone: np.ndarray
    half: np.ndarray
    report: dict[str, Any]


def stratum_labels(district: Sequence, age_band: Sequence, sex: Sequence) -> np.ndarray:
    return np.array([f"{d}|{a}|{s}" for d, a, s in zip(district, age_band, sex, strict=True)])


def compute_weights(
    *,
    district: np.ndarray,
    age_band: np.ndarray,
    sex: np.ndarray,
    inclusion_probability: np.ndarray,
    responded: np.ndarray,
    margins: Mapping[str, Mapping[Hashable, float]],
    n_replicates: int = N_REPLICATES,
    max_ratio: float | None = 8.0,
    progress: Progress = _quiet,
    seed: int = 20250,
) -> WeightsResult:
    """Base weights, non-response adjustment within strata, raking with trimming, JK2.

    ``margins`` maps ``"district"``, ``"age_band"`` and ``"sex"`` to population totals;
    every sampled array has one entry per sampled person.
    """
    district, age_band, sex = (np.asarray(x).astype(str) for x in (district, age_band, sex))
    responded = np.asarray(responded, dtype=bool)
    n = district.size
    for name, arr in (("age_band", age_band), ("sex", sex),
                      ("inclusion_probability", inclusion_probability),
                      ("responded", responded)):
        if len(arr) != n:
            raise ValueError(f"{name} has {len(arr)} entries, district has {n}")
    if not responded.any():
        raise ValueError("nobody responded: there is nothing to weight")
    strata = stratum_labels(district, age_band, sex)
    progress(0.0, "base weights")
    base = base_weights(inclusion_probability)
    nr = nonresponse_adjust(base, responded, strata)
    resp = responded
    rake_margins = [
        Margin(name, values[resp], {str(k): float(v) for k, v in margins[name].items()})
        for name, values in (("district", district), ("age_band", age_band), ("sex", sex))
    ]
    progress(0.1, "raking")
    options: dict[str, Any] = {"max_ratio": max_ratio, "max_iter": 500, "tol": 1e-7}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        raked = rake(nr[resp], rake_margins, **options)
        progress(0.3, f"{n_replicates} JK2 replicates")
        reps = jk2_replicate_weights(
            base, strata, n_replicates=n_replicates, margins=rake_margins,
            rake_options=options, rng=np.random.default_rng(seed), responded=responded,
            nonresponse_classes=strata,
        )
    progress(1.0, "weights done")
    final = raked.weights
    rep = reps.report
    report = {
        "n_sampled": int(n),
        "n_respondents": int(resp.sum()),
        "response_rate": float(resp.mean()),
        "raking": {
            "iterations": raked.report.iterations,
            "max_discrepancy": raked.report.max_discrepancy,
            "converged": raked.report.converged,
            "n_trimmed": raked.report.n_trimmed,
            "max_ratio": max_ratio,
        },
        "replicates": {
            "method": "JK2", "n_replicates": reps.n_replicates, "n_zones": reps.n_zones,
            "re_raked": rep is not None,
            "converged": None if rep is None else rep.converged,
            "max_discrepancy": None if rep is None else rep.max_discrepancy,
        },
        "weight_summary": {
            "min": float(final.min()), "median": float(np.median(final)),
            "max": float(final.max()), "sum": float(final.sum()),
            "design_effect_kish": float(resp.sum() * (final**2).sum() / final.sum() ** 2),
        },
        "warnings": [str(w.message) for w in caught],
    }
    return WeightsResult(base, nr, final, reps.weights.astype(np.float32), reps.zone,
                         reps.half, report)


def compute_poststratified_weights(
    *,
    district: np.ndarray,
    age_band: np.ndarray,
    sex: np.ndarray,
    population: Mapping[tuple[str, str, str], float],
    margins: Sequence[str | Sequence[str]] | None = None,
    n_replicates: int = N_REPLICATES,
    max_ratio: float | None = None,
    progress: Progress = _quiet,
    seed: int = 20250,
) -> WeightsResult:
    """Weights for respondents of a campaign without a sample design.

    Equal starting weights are raked to the population ``margins`` (default district,
    age band and sex; two-way margins as tuples) from ``population`` (district × age
    band × sex cells); replicates are JK2 over pseudo-strata district × age band × sex,
    each raked again. A margin cell without respondents raises
    :class:`~psychometrics.survey.EmptyCellError` naming it. Every array has one entry
    per respondent.
    """
    district, age_band, sex = (np.asarray(x).astype(str) for x in (district, age_band, sex))
    progress(0.0, "raking respondents to the population")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        res = poststratify(
            {"district": district, "age_band": age_band, "sex": sex}, population,
            margins=margins, n_replicates=n_replicates, max_ratio=max_ratio,
            rng=np.random.default_rng(seed),
        )
    progress(1.0, "weights done")
    reps, final, n = res.replicates, res.weights, int(district.size)
    report = {
        "method": "poststratification",
        "n_sampled": n, "n_respondents": n, "response_rate": None,
        "margins": list(res.margins),
        "raking": {
            "iterations": res.report.iterations, "max_discrepancy": res.report.max_discrepancy,
            "converged": res.report.converged, "n_trimmed": res.report.n_trimmed,
            "max_ratio": max_ratio,
        },
        "replicates": {
            "method": "JK2 over pseudo-strata district × age band × sex",
            "n_replicates": reps.n_replicates, "n_zones": reps.n_zones, "re_raked": True,
            "converged": None if reps.report is None else reps.report.converged,
            "max_discrepancy": None if reps.report is None else reps.report.max_discrepancy,
        },
        "weight_summary": {
            "min": float(final.min()), "median": float(np.median(final)),
            "max": float(final.max()), "sum": float(final.sum()),
            "design_effect_kish": float(n * (final**2).sum() / final.sum() ** 2),
        },
        "warnings": [str(w.message) for w in caught],
    }
    return WeightsResult(res.start, res.start, final, reps.weights.astype(np.float32),
                         reps.zone, reps.half, report)
