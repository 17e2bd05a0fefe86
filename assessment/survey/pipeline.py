"""The survey pipeline on plain arrays: weights, calibration, plausible values, roll-up.

Nothing here touches the database, so the jobs (``tasks.py``), the benchmark and the tests
run the same code. Each stage takes a ``progress(fraction, stage)`` callable; it may raise
:class:`Cancelled` to stop the stage (the jobs do that when a researcher cancels).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from psychometrics import ItemParameters, MMLCalibrator, plausible_values
from psychometrics._validation import ConvergenceWarning
from psychometrics.calibration import CalibrationCancelled
from psychometrics.linking import link
from psychometrics.survey import (
    Margin,
    ProficiencyLevels,
    base_weights,
    estimate_level_percentages,
    estimate_mean,
    estimate_needs_shares,
    estimate_percentage,
    estimate_satisfaction_index,
    estimate_sd,
    jk2_replicate_weights,
    nonresponse_adjust,
    poststratify,
    rake,
    suppress_cells,
)
from psychometrics.survey.suppression import protect_aggregates
from psychometrics.survey.trend import change_se as _change_se
from psychometrics.survey.trend import share_linking_error

Progress = Callable[[float, str], None]
N_REPLICATES = 80
N_DRAWS = 10
SUPPRESSION_THRESHOLD = 30


class Cancelled(RuntimeError):  # noqa: N818 - reads as "the job was cancelled"
    """The job was cancelled by a researcher."""


def _quiet(fraction: float, stage: str) -> None:
    return None


def _sub(progress: Progress, start: float, end: float) -> Progress:
    """Map a stage's own 0..1 progress onto ``start..end`` of the job."""
    return lambda f, s: progress(start + (end - start) * min(max(f, 0.0), 1.0), s)


# ---------------------------------------------------------------- weights
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


# ---------------------------------------------------------------- calibration
@dataclass(frozen=True)
class CalibrationResult:
    params: dict[str, ItemParameters]
    report: dict[str, Any]
    linking: dict[str, dict[str, Any]] = field(default_factory=dict)


def _models_for(x: np.ndarray) -> list[str]:
    top = np.nanmax(x, axis=0)
    return ["2pl" if k <= 1 else "gpcm" for k in top]


def calibrate(
    responses: Mapping[str, np.ndarray],
    item_ids: Mapping[str, Sequence],
    *,
    weights: np.ndarray | None = None,
    previous: Mapping[str, ItemParameters] | None = None,
    progress: Progress = _quiet,
    max_iter: int = 500,
) -> CalibrationResult:
    """Concurrent calibration of every booklet per domain, linked to a previous wave.

    ``responses[d]`` is persons × items with ``nan`` where a booklet did not hold the
    item. With ``previous[d]`` (the last wave's parameters on the reporting scale), the
    new calibration is linked to it through the common items (Stocking–Lord) and the
    jackknife linking error is reported.
    """
    params: dict[str, ItemParameters] = {}
    report: dict[str, Any] = {}
    linking: dict[str, dict[str, Any]] = {}
    domains = list(responses)
    for k, d in enumerate(domains):
        x = np.asarray(responses[d], dtype=np.float64)
        ids = [str(i) for i in item_ids[d]]
        if x.ndim != 2 or x.shape[1] != len(ids):
            raise ValueError(f"domain {d!r}: responses {x.shape} do not match {len(ids)} items")
        keep = ~np.isnan(x).all(axis=1)
        start, span = k / len(domains), 1 / len(domains)

        def callback(it: int, ll: float, *, _s=start, _d=d, _w=span) -> bool:
            try:
                progress(_s + _w * min(it / 60, 0.95), f"calibrating {_d}: EM step {it}")
            except Cancelled:
                return False
            return True

        cal = MMLCalibrator(
            _models_for(x[keep]), item_ids=ids, max_iter=max_iter, callback=callback,
            standard_errors="xpd",
        )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                cal.fit(x[keep], sample_weight=None if weights is None else weights[keep])
        except CalibrationCancelled as exc:
            raise Cancelled(f"calibration of {d} cancelled") from exc
        p = cal.item_params_
        prev = (previous or {}).get(d)
        if prev is not None:
            common = sorted(set(prev.item_ids) & set(p.item_ids))
            if len(common) >= 3:
                res = link(p, prev, method="stocking_lord", common_item_ids=common)
                p = res.transform_parameters(p)
                linking[d] = res.to_dict()
            else:
                linking[d] = {"error": f"only {len(common)} common items; not linked"}
        params[d] = p
        se = cal.standard_errors_
        report[d] = {
            "n_persons": int(keep.sum()), "n_items": len(ids), "n_iter": int(cal.n_iter_),
            "converged": bool(cal.converged_), "log_likelihood": float(cal.log_likelihood_),
            "se": None if se is None else {
                "a": [None if np.isnan(v) else float(v) for v in se.a],
                "b": [None if np.isnan(v) else float(v) for v in se.b],
            },
        }
        progress(start + span, f"calibrated {d}")
    return CalibrationResult(params, report, linking)


def params_to_json(p: ItemParameters) -> dict[str, Any]:
    return p.to_dict()


def params_from_json(d: Mapping[str, Any]) -> ItemParameters:
    return ItemParameters.from_dict(d)


# ---------------------------------------------------------------- scoring
@dataclass(frozen=True)
class ScoreResult:
    pv: dict[str, np.ndarray]  # (n, M)
    eap: dict[str, np.ndarray]
    sd: dict[str, np.ndarray]
    report: dict[str, Any]


def score(
    responses: Mapping[str, np.ndarray],
    item_ids: Mapping[str, Sequence],
    params: Mapping[str, ItemParameters],
    *,
    background: np.ndarray | None,
    categorical: Sequence[int] = (),
    groups: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    conditioning: Mapping[str, np.ndarray] | None = None,
    n_draws: int = N_DRAWS,
    seed: int = 7,
    progress: Progress = _quiet,
) -> ScoreResult:
    """Plausible values (continuous draws) from a latent regression per domain.

    The regression conditions on principal components of the background questionnaire
    and district dummies, so district means are not shrunk to the city mean.
    """
    rng = np.random.default_rng(seed)
    if conditioning:
        # age band, sex, ... as categorical conditioning variables (as PIAAC does)
        n = next(iter(responses.values())).shape[0]
        base = np.empty((n, 0)) if background is None else np.asarray(background, dtype=float)
        extra = [np.unique(np.asarray(v).astype(str), return_inverse=True)[1].astype(float)
                 for v in conditioning.values()]
        categorical = (*categorical, *range(base.shape[1], base.shape[1] + len(extra)))
        background = np.column_stack([base, *extra])
    pv, eap, sd, report = {}, {}, {}, {}
    domains = list(responses)
    for k, d in enumerate(domains):
        progress(k / len(domains), f"plausible values: {d}")
        p = params[d]
        ids = [str(i) for i in item_ids[d]]
        pos = {iid: j for j, iid in enumerate(p.item_ids)}
        missing = [i for i in ids if i not in pos]
        if missing:
            raise ValueError(f"domain {d!r}: items {missing[:5]} have no parameters")
        sub = p.subset([pos[i] for i in ids])
        res = plausible_values(
            responses[d], sub, background, groups=groups, sample_weight=weights,
            n_draws=n_draws, rng=rng, categorical=categorical,
        )
        pv[d], eap[d], sd[d] = res.values, res.posterior_mean, res.posterior_sd
        m = res.model
        report[d] = {"sigma": float(m.sigma_), "n_features": int(m.coef_.size),
                     "n_iter": int(m.n_iter_), "converged": bool(m.converged_)}
    progress(1.0, "plausible values done")
    return ScoreResult(pv, eap, sd, report)


# ---------------------------------------------------------------- roll-up
def _cell(district, domain, indicator, category, est, n, *, breakdown="", value=""):
    return {
        "district_code": district, "domain_code": domain, "indicator": indicator,
        "category": category, "breakdown": breakdown, "breakdown_value": value,
        "estimate": float(est["estimate"]), "se": float(est["se"]),
        "ci_low": float(est["ci_low"]), "ci_high": float(est["ci_high"]), "n": int(n),
        "suppressed": False, "suppression_reason": "",
    }


def _records(e) -> list[dict]:
    return e.to_records()


def _group_cells(
    y: np.ndarray,
    weights: np.ndarray,
    rw: np.ndarray,
    groups: np.ndarray,
    domain: str,
    lv: ProficiencyLevels,
    *,
    include_total: bool = False,
    breakdown: str = "",
    linking_error: float | None = None,
) -> list[dict[str, Any]]:
    """Mean, SD, attainment rate and level shares of one domain for every group.

    With the domain's ``linking_error`` (theta units), each cell also carries its linking
    error in its own units: the mean the scale's, the SD none (a shift of the scale's
    location leaves it), the percentages the scale's propagated to the cut(s)
    (:func:`~psychometrics.survey.trend.share_linking_error`).

    Headline groups are districts (``include_total`` adds the city, ``""``); breakdown
    groups are ``"<district>#<category>"`` (a district's category) or ``"<category>"``
    (the city's category).
    """
    kw = {"groups": groups, "include_total": include_total}
    ests = {
        "mean_theta": estimate_mean(y, weights, rw, **kw),
        "sd_theta": estimate_sd(y, weights, rw, **kw),
        "attainment_rate": estimate_percentage(y, weights, rw, cut=lv.attained_cut, **kw),
        "level_share": estimate_level_percentages(
            y, weights, rw, cuts=lv.cuts, level_labels=[str(x) for x in lv.labels], **kw
        ),
    }
    le = _cell_linking_errors(y, weights, groups, lv, include_total, linking_error)
    out = []
    for name, e in ests.items():
        for rec in _records(e):
            label = str(rec["group"])
            if breakdown:
                dist, _, val = label.rpartition("#")
            else:
                dist = "" if label == "all" and len(e.groups) > 1 else label
                val = ""
            category = str(rec.get("level", ""))
            cell = _cell(dist, domain, name, category, rec, rec["n"],
                         breakdown=breakdown, value=val)
            cell["linking_error"] = le(name, str(rec["group"]), category)
            out.append(cell)
    return out


def _cell_linking_errors(y, weights, groups, lv: ProficiencyLevels, include_total: bool,
                         linking_error: float | None):
    """Return ``f(indicator, group label, category) -> linking error or None``."""
    if linking_error is None:
        return lambda name, group, category: None
    le = float(linking_error)
    kw = {"groups": groups, "include_total": include_total, "linking_error": le}
    labels, rate = share_linking_error(y, weights, cut=lv.attained_cut, **kw)
    table: dict[tuple[str, str], float] = {}
    for g, v in zip(labels, rate, strict=True):
        table[("attainment_rate:", str(g))] = float(v)
    bounds = [-np.inf, *lv.cuts, np.inf]
    for k, code in enumerate(lv.labels):
        labels, band = share_linking_error(y, weights, cuts=(bounds[k], bounds[k + 1]), **kw)
        for g, v in zip(labels, band, strict=True):
            table[(f"level_share:{str(code)}", str(g))] = float(v)

    def lookup(name: str, group: str, category: str) -> float | None:
        if name == "mean_theta":
            return le
        if name == "sd_theta":
            return 0.0
        return table.get((f"{name}:{category}", group))

    return lookup


NeedsArrays = Mapping[str, tuple[np.ndarray, Sequence[str]]]


def needs_cells(
    needs: NeedsArrays,
    *,
    weights: np.ndarray,
    replicates: np.ndarray,
    district: np.ndarray,
    satisfaction_area: str = "satisfaction",
) -> list[dict[str, Any]]:
    """Needs profile and satisfaction index cells for every district and the city.

    ``needs[area] = (answers, options)`` with answers (respondents × options) coded
    0..4 (``nan`` = not answered). Cells: ``needs_share`` (domain ``needs.<area>``,
    category = option: % choosing it, i.e. answering in the top two categories) and,
    for the satisfaction area, ``satisfaction_index`` (domain ``needs.<area>``: weighted
    mean of the items rescaled 0–100). A cell whose figure cannot be formed (nobody in
    the group answered the item) is left out.
    """
    district = np.asarray(district).astype(str)
    rw = np.asarray(replicates, dtype=np.float64)
    out: list[dict[str, Any]] = []
    kw = {"groups": district, "include_total": True}
    for area, (answers, options) in needs.items():
        ests = [("needs_share", estimate_needs_shares(answers, weights, rw,
                                                      options=list(options), **kw))]
        if area == satisfaction_area:
            ests.append(("satisfaction_index",
                         estimate_satisfaction_index(answers, weights, rw, **kw)))
        for name, e in ests:
            for rec in _records(e):
                if not (np.isfinite(rec["estimate"]) and np.isfinite(rec["se"])):
                    continue
                g = "" if rec["group"] == "all" and len(e.groups) > 1 else str(rec["group"])
                out.append(_cell(g, f"needs.{area}", name, str(rec.get("level", "")), rec,
                                 rec["n"]))
    return out


def rollup(
    pv: Mapping[str, np.ndarray],
    *,
    weights: np.ndarray,
    replicates: np.ndarray,
    district: np.ndarray,
    levels: Mapping[str, ProficiencyLevels],
    breakdowns: Mapping[str, np.ndarray] | None = None,
    needs: NeedsArrays | None = None,
    linking_errors: Mapping[str, float | None] | None = None,
    threshold: int = SUPPRESSION_THRESHOLD,
    progress: Progress = _quiet,
) -> list[dict[str, Any]]:
    """District and city cells per domain, with breakdowns, needs and suppression.

    Cells: ``mean_theta``, ``sd_theta``, ``attainment_rate`` (%) and ``level_share``
    (% per level) for every district and the city (``district_code=""``), and the same by
    each breakdown variable within districts and for the city; with ``needs``, the needs
    profile and satisfaction index of every district and the city (:func:`needs_cells`),
    after the ability cells and suppressed area by area on the counts of those who
    answered the area. With ``linking_errors`` (theta units per domain, from linking
    this wave to the reporting scale) every ability cell carries ``linking_error`` in its
    own units, for the SE of changes between waves (:func:`change_se`); withheld cells
    carry none. Suppression is decided on
    the unweighted counts: primary below ``threshold``; complementary so that a withheld
    district (or district × category) cannot be recovered from published totals.
    """
    district = np.asarray(district).astype(str)
    rw = np.asarray(replicates, dtype=np.float64)
    cells: list[dict[str, Any]] = []
    domains = list(pv)
    for k, d in enumerate(domains):
        if d not in levels:
            raise ValueError(f"no cut scores for domain {d!r}")
        lv = levels[d]
        y = pv[d]
        progress(k / len(domains), f"roll-up: {d}")
        le = (linking_errors or {}).get(d)
        cells.extend(_group_cells(y, weights, rw, district, d, lv, include_total=True,
                                  linking_error=le))
        for bname, bvals in (breakdowns or {}).items():
            b = np.asarray(bvals).astype(str)
            combo = np.char.add(np.char.add(district, "#"), b)
            for groups in (combo, b):
                cells.extend(_group_cells(y, weights, rw, groups, d, lv, breakdown=bname,
                                          linking_error=le))
    _apply_suppression(cells, threshold, atoms_of(district, breakdowns))
    if needs:
        progress(0.95, "roll-up: needs and satisfaction")
        # Each needs area is withheld on its own counts (those who answered it; rotated
        # modules reach only some respondents), so a small module never hides the
        # district's ability figures, and its own cells are protected among themselves.
        for area, (answers, options) in needs.items():
            part = needs_cells({area: (answers, options)}, weights=weights, replicates=rw,
                               district=district)
            answered = ~np.isnan(np.asarray(answers, dtype=np.float64)).all(axis=1)
            _apply_suppression(part, threshold, atoms_of(district[answered], None))
            cells.extend(part)
    for c in cells:
        if c["suppressed"] or "linking_error" not in c:
            c["linking_error"] = None
    progress(1.0, "roll-up done")
    return cells


@dataclass(frozen=True)
class Atoms:
    """The smallest non-empty groups of respondents the published cells are sums of.

    One atom per combination of district and every breakdown's category that holds at
    least one respondent; ``values[b][i]`` is atom ``i``'s category of breakdown ``b``.
    """

    district: np.ndarray
    values: dict[str, np.ndarray]


def atoms_of(district: np.ndarray, breakdowns: Mapping[str, np.ndarray] | None) -> Atoms:
    """Atoms of a roll-up's respondents (labels as the roll-up's cells spell them)."""
    cols = [np.asarray(district).astype(str)]
    names = list(breakdowns or {})
    cols += [np.asarray(breakdowns[b]).astype(str) for b in names]
    if cols[0].size == 0:
        return Atoms(np.array([], dtype=str), {b: np.array([], dtype=str) for b in names})
    uniq = np.unique(np.stack(cols, axis=1), axis=0)
    return Atoms(uniq[:, 0], {b: uniq[:, 1 + i] for i, b in enumerate(names)})


def _apply_suppression(cells: list[dict[str, Any]], threshold: int, atoms: Atoms) -> None:
    """Mark cells withheld; the same decision applies to every indicator of a group.

    Groups are districts, the city, and each breakdown's district × category and city
    × category cells, all published together. Tables get the classical primary and
    complementary suppression first (:func:`suppress_cells`: districts with the city
    total; each breakdown with district and city-by-category totals, empty cells known
    to be empty); then every group is checked against everything published at once
    (:func:`protect_aggregates`), over the atoms, and more cells are withheld until no
    withheld figure follows from published ones by subtraction, whichever tables it
    takes.
    """
    n_of: dict[tuple[str, str, str], int] = {}
    for c in cells:
        key = (c["district_code"], c["breakdown"], c["breakdown_value"])
        n_of[key] = min(n_of.get(key, c["n"]), c["n"])
    if not n_of:
        return
    districts = sorted({k[0] for k in n_of if k[0]})
    initial: set[tuple[str, str, str]] = set()
    if len(districts) > 1:
        col = np.array([[n_of.get((dc, "", ""), 0)] for dc in districts])
        if (col < threshold).any():
            try:
                s = suppress_cells(col, threshold=threshold, row_totals=False,
                                   column_totals=True)
                initial |= {(dc, "", "") for i, dc in enumerate(districts) if s.mask[i, 0]}
            except ValueError:
                pass  # left to the check over everything published below
    for bname in sorted({k[1] for k in n_of if k[1]}):
        cats = sorted({k[2] for k in n_of if k[1] == bname})
        table = np.array([[n_of.get((dc, bname, v), 0) for v in cats] for dc in districts])
        if table.size == 0 or not ((table > 0) & (table < threshold)).any():
            continue
        try:
            s = suppress_cells(table, threshold=threshold, row_totals=True,
                               column_totals=len(districts) > 1)
        except ValueError:
            continue  # an unprotectable table: the check below withholds its totals too
        initial |= {(dc, bname, v) for i, dc in enumerate(districts)
                    for j, v in enumerate(cats) if s.mask[i, j] and table[i, j] > 0}
    keys = sorted(n_of)
    coverage = np.ones((len(keys), atoms.district.size), dtype=bool)
    for g, (dc, bname, v) in enumerate(keys):
        if dc:
            coverage[g] &= atoms.district == dc
        if bname:
            coverage[g] &= atoms.values[bname] == v
    reason = protect_aggregates(
        coverage, np.array([n_of[k] for k in keys]), threshold=threshold,
        withheld=np.array([k in initial for k in keys]),
    )
    decision = {k: str(r) for k, r in zip(keys, reason, strict=True) if r}
    for c in cells:
        key = (c["district_code"], c["breakdown"], c["breakdown_value"])
        if key in decision:
            c["suppressed"] = True
            c["suppression_reason"] = decision[key]
            for f in ("estimate", "se", "ci_low", "ci_high"):
                c[f] = None


def change_se(se_now: float, se_before: float, linking_error: float) -> float:
    """SE of a change between waves: both sampling SEs plus the linking error.

    ``linking_error`` is in the statistic's units: theta for a mean, percentage points
    for a percentage (a cell's ``linking_error``, see :func:`rollup`).
    """
    return _change_se(se_now, se_before, linking_error)
