"""Survey weights: base weights, non-response, raking with trimming and JK2 replicates.

:func:`compute_weights` weights a campaign with a sample design; campaigns without one
(open practice, thematic surveys) are raked to the population by
:func:`compute_poststratified_weights`.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Iterable, Mapping, Sequence
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


def stratum_labels(
    district: Iterable[Any], age_band: Iterable[Any], sex: Iterable[Any]
) -> np.ndarray:
    return np.array(
        [f"{d}|{a}|{s}" for d, a, s in zip(district, age_band, sex, strict=True)]
    )


MarginKey = str | tuple[str, ...]
FRAME = ("district", "age_band", "sex")


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def _frame_variables(
    district: np.ndarray,
    age_band: np.ndarray,
    sex: np.ndarray,
    variables: Mapping[str, Sequence[Any]] | None,
    n: int,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Every variable as text, with a mask of the persons for whom it is missing."""
    values = {"district": district, "age_band": age_band, "sex": sex}
    missing = {name: np.zeros(n, dtype=bool) for name in values}
    for name, raw in (variables or {}).items():
        if name in values:
            raise ValueError(f"variable {name!r} is a design variable; give it once")
        if len(raw) != n:
            raise ValueError(
                f"variable {name!r} has {len(raw)} entries, district has {n}"
            )
        miss = np.array([_is_missing(v) for v in raw], dtype=bool)
        values[name] = np.array(
            ["" if m else str(v).strip() for v, m in zip(raw, miss, strict=True)]
        )
        missing[name] = miss
    return values, missing


def _margin_label(key: MarginKey) -> tuple[str, tuple[str, ...]]:
    names = (key,) if isinstance(key, str) else tuple(key)
    if not names or not all(isinstance(k, str) and k for k in names):
        raise ValueError(
            f"margin {key!r}: name it by a variable or a tuple of variables"
        )
    return "×".join(names), names


def _build_margins(
    margins: Mapping[MarginKey, Mapping[Hashable, float]],
    values: dict[str, np.ndarray],
    missing: dict[str, np.ndarray],
    resp: np.ndarray,
) -> list[Margin]:
    """One raking margin per key: a variable, or a tuple of variables crossed."""
    if not margins:
        raise ValueError("no population margins given to rake to")
    out = []
    for key, totals in margins.items():
        label, names = _margin_label(key)
        for name in names:
            if name not in values:
                given = ", ".join(sorted(values))
                raise ValueError(
                    f"margin {label!r}: no variable {name!r} was given (given: {given})"
                )
            gaps = np.flatnonzero(missing[name] & resp)
            if gaps.size:
                raise ValueError(
                    f"margin {label!r}: variable {name!r} is missing for {gaps.size} "
                    f"respondent(s), the first at sampled position {int(gaps[0])}"
                )
        cells = np.array(
            [
                "|".join(parts)
                for parts in zip(*(values[name][resp] for name in names), strict=True)
            ]
        )
        flat: dict[str, float] = {}
        for cell, total in totals.items():
            parts = (cell,) if isinstance(cell, str | int) else tuple(cell)  # type: ignore[arg-type]
            if len(parts) != len(names) and not (
                len(names) > 1 and isinstance(cell, str)
            ):
                raise ValueError(
                    f"margin {label!r}: cell {cell!r} does not name "
                    f"{len(names)} categories"
                )
            text = "|".join(str(p) for p in parts)
            try:
                value = float(total)
            except (TypeError, ValueError):
                raise ValueError(
                    f"margin {label!r}, cell {text!r}: total {total!r} is not a number"
                ) from None
            if not np.isfinite(value) or value <= 0:
                raise ValueError(
                    f"margin {label!r}, cell {text!r}: total {total!r} "
                    "must be a positive number"
                )
            flat[text] = value
        out.append(Margin(label, cells, flat))
    return out


def compute_weights(
    *,
    district: np.ndarray,
    age_band: np.ndarray,
    sex: np.ndarray,
    inclusion_probability: np.ndarray,
    responded: np.ndarray,
    margins: Mapping[MarginKey, Mapping[Hashable, float]],
    variables: Mapping[str, Sequence[Any]] | None = None,
    nonresponse_cells: Sequence[str] = FRAME,
    n_replicates: int = N_REPLICATES,
    max_ratio: float | None = 8.0,
    progress: Progress = _quiet,
    seed: int = 20250,
) -> WeightsResult:
    """Base weights, non-response adjustment within cells, raking with trimming, JK2.

    Every array has one entry per sampled person. ``variables`` adds background
    variables (education, occupation, ...) whose values may be missing (None, "" or
    nan) for non-respondents. ``margins`` maps a variable, or a tuple of variables
    crossed (``("district", "education")``, cells as tuples or ``"d|e"`` text), to its
    population totals; every margin is raked to, with trimming, in the full sample and
    in every replicate. ``nonresponse_cells`` names the variables whose crossing forms
    the non-response adjustment cells: they must be known for everyone sampled.

    A margin naming a variable that was not given, a variable missing for a
    respondent, a population cell without respondents, a sample category without a
    population total and margins whose grand totals disagree raise ``ValueError``
    naming the margin and the cell.
    """
    district, age_band, sex = (
        np.asarray(x).astype(str) for x in (district, age_band, sex)
    )
    responded = np.asarray(responded, dtype=bool)
    n = district.size
    for name, arr in (
        ("age_band", age_band),
        ("sex", sex),
        ("inclusion_probability", inclusion_probability),
        ("responded", responded),
    ):
        if len(arr) != n:
            raise ValueError(f"{name} has {len(arr)} entries, district has {n}")
    if not responded.any():
        raise ValueError("nobody responded: there is nothing to weight")
    values, missing = _frame_variables(district, age_band, sex, variables, n)
    nr_names = tuple(nonresponse_cells)
    if not nr_names:
        raise ValueError("nonresponse_cells names no variable")
    for name in nr_names:
        if name not in values:
            raise ValueError(f"non-response cells: no variable {name!r} was given")
        if missing[name].any():
            raise ValueError(
                f"non-response cells: variable {name!r} is missing for "
                f"{int(missing[name].sum())} sampled person(s); cells must use variables "
                "known for everyone sampled"
            )
    strata = stratum_labels(district, age_band, sex)
    cells = (
        strata
        if nr_names == FRAME
        else np.array(
            ["|".join(p) for p in zip(*(values[k] for k in nr_names), strict=True)]
        )
    )
    progress(0.0, "base weights")
    base = base_weights(inclusion_probability)
    nr = nonresponse_adjust(base, responded, cells)
    resp = responded
    rake_margins = _build_margins(margins, values, missing, resp)
    progress(0.1, "raking")
    options: dict[str, Any] = {"max_ratio": max_ratio, "max_iter": 500, "tol": 1e-7}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        raked = rake(nr[resp], rake_margins, **options)
        progress(0.3, f"{n_replicates} JK2 replicates")
        reps = jk2_replicate_weights(
            base,
            strata,
            n_replicates=n_replicates,
            margins=rake_margins,
            rake_options=options,
            rng=np.random.default_rng(seed),
            responded=responded,
            nonresponse_classes=cells,
        )
    progress(1.0, "weights done")
    final = raked.weights
    rep = reps.report
    report = {
        "n_sampled": int(n),
        "n_respondents": int(resp.sum()),
        "response_rate": float(resp.mean()),
        "nonresponse_cells": list(nr_names),
        "margins": [m.name for m in rake_margins],
        "raking": {
            "iterations": raked.report.iterations,
            "max_discrepancy": raked.report.max_discrepancy,
            "converged": raked.report.converged,
            "n_trimmed": raked.report.n_trimmed,
            "max_ratio": max_ratio,
        },
        "replicates": {
            "method": "JK2",
            "n_replicates": reps.n_replicates,
            "n_zones": reps.n_zones,
            "re_raked": rep is not None,
            "converged": None if rep is None else rep.converged,
            "max_discrepancy": None if rep is None else rep.max_discrepancy,
        },
        "weight_summary": {
            "min": float(final.min()),
            "median": float(np.median(final)),
            "max": float(final.max()),
            "sum": float(final.sum()),
            "design_effect_kish": float(
                resp.sum() * (final**2).sum() / final.sum() ** 2
            ),
        },
        "warnings": [str(w.message) for w in caught],
    }
    return WeightsResult(
        base, nr, final, reps.weights.astype(np.float32), reps.zone, reps.half, report
    )


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
    district, age_band, sex = (
        np.asarray(x).astype(str) for x in (district, age_band, sex)
    )
    progress(0.0, "raking respondents to the population")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        res = poststratify(
            {"district": district, "age_band": age_band, "sex": sex},
            population,
            margins=margins,
            n_replicates=n_replicates,
            max_ratio=max_ratio,
            rng=np.random.default_rng(seed),
        )
    progress(1.0, "weights done")
    reps, final, n = res.replicates, res.weights, int(district.size)
    report = {
        "method": "poststratification",
        "n_sampled": n,
        "n_respondents": n,
        "response_rate": None,
        "margins": list(res.margins),
        "raking": {
            "iterations": res.report.iterations,
            "max_discrepancy": res.report.max_discrepancy,
            "converged": res.report.converged,
            "n_trimmed": res.report.n_trimmed,
            "max_ratio": max_ratio,
        },
        "replicates": {
            "method": "JK2 over pseudo-strata district × age band × sex",
            "n_replicates": reps.n_replicates,
            "n_zones": reps.n_zones,
            "re_raked": True,
            "converged": None if reps.report is None else reps.report.converged,
            "max_discrepancy": None
            if reps.report is None
            else reps.report.max_discrepancy,
        },
        "weight_summary": {
            "min": float(final.min()),
            "median": float(np.median(final)),
            "max": float(final.max()),
            "sum": float(final.sum()),
            "design_effect_kish": float(n * (final**2).sum() / final.sum() ** 2),
        },
        "warnings": [str(w.message) for w in caught],
    }
    return WeightsResult(
        res.start,
        res.start,
        final,
        reps.weights.astype(np.float32),
        reps.zone,
        reps.half,
        report,
    )
