"""Roll-up cells: district and city figures per domain, breakdowns, needs, linking errors.

Which cells are withheld is decided in :mod:`assessment.survey.pipeline.suppression`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from assessment.survey.pipeline.base import SUPPRESSION_THRESHOLD, Progress, _quiet
from assessment.survey.pipeline.suppression import apply_suppression, atoms_of
from psychometrics.survey import (
    ProficiencyLevels,
    estimate_level_percentages,
    estimate_mean,
    estimate_needs_shares,
    estimate_percentage,
    estimate_satisfaction_index,
    estimate_sd,
)
from psychometrics.survey.trend import change_se as _change_se
from psychometrics.survey.trend import share_linking_error


def _cell(district, domain, indicator, category, est, n, *, breakdown="", value=""):
    return {
        "district_code": district,
        "domain_code": domain,
        "indicator": indicator,
        "category": category,
        "breakdown": breakdown,
        "breakdown_value": value,
        "estimate": float(est["estimate"]),
        "se": float(est["se"]),
        "ci_low": float(est["ci_low"]),
        "ci_high": float(est["ci_high"]),
        "n": int(n),
        "suppressed": False,
        "suppression_reason": "",
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
    kw: dict[str, Any] = {"groups": groups, "include_total": include_total}
    ests = {
        "mean_theta": estimate_mean(y, weights, rw, **kw),
        "sd_theta": estimate_sd(y, weights, rw, **kw),
        "attainment_rate": estimate_percentage(
            y, weights, rw, cut=lv.attained_cut, **kw
        ),
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
            cell = _cell(
                dist,
                domain,
                name,
                category,
                rec,
                rec["n"],
                breakdown=breakdown,
                value=val,
            )
            cell["linking_error"] = le(name, str(rec["group"]), category)
            out.append(cell)
    return out


def _cell_linking_errors(
    y,
    weights,
    groups,
    lv: ProficiencyLevels,
    include_total: bool,
    linking_error: float | None,
):
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
        labels, band = share_linking_error(
            y, weights, cuts=(bounds[k], bounds[k + 1]), **kw
        )
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
    kw: dict[str, Any] = {"groups": district, "include_total": True}
    for area, (answers, options) in needs.items():
        ests = [
            (
                "needs_share",
                estimate_needs_shares(
                    answers, weights, rw, options=list(options), **kw
                ),
            )
        ]
        if area == satisfaction_area:
            ests.append(
                (
                    "satisfaction_index",
                    estimate_satisfaction_index(answers, weights, rw, **kw),
                )
            )
        for name, e in ests:
            for rec in _records(e):
                if not (np.isfinite(rec["estimate"]) and np.isfinite(rec["se"])):
                    continue
                g = (
                    ""
                    if rec["group"] == "all" and len(e.groups) > 1
                    else str(rec["group"])
                )
                out.append(
                    _cell(
                        g,
                        f"needs.{area}",
                        name,
                        str(rec.get("level", "")),
                        rec,
                        rec["n"],
                    )
                )
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
        cells.extend(
            _group_cells(
                y, weights, rw, district, d, lv, include_total=True, linking_error=le
            )
        )
        for bname, bvals in (breakdowns or {}).items():
            b = np.asarray(bvals).astype(str)
            combo = np.char.add(np.char.add(district, "#"), b)
            for groups in (combo, b):
                cells.extend(
                    _group_cells(
                        y, weights, rw, groups, d, lv, breakdown=bname, linking_error=le
                    )
                )
    apply_suppression(cells, threshold, atoms_of(district, breakdowns))
    if needs:
        progress(0.95, "roll-up: needs and satisfaction")
        # Each needs area is withheld on its own counts (those who answered it; rotated
        # modules reach only some respondents), so a small module never hides the
        # district's ability figures, and its own cells are protected among themselves.
        for area, (answers, options) in needs.items():
            part = needs_cells(
                {area: (answers, options)},
                weights=weights,
                replicates=rw,
                district=district,
            )
            answered = ~np.isnan(np.asarray(answers, dtype=np.float64)).all(axis=1)
            apply_suppression(part, threshold, atoms_of(district[answered], None))
            cells.extend(part)
    for c in cells:
        if c["suppressed"] or "linking_error" not in c:
            c["linking_error"] = None
    progress(1.0, "roll-up done")
    return cells


def change_se(se_now: float, se_before: float, linking_error: float) -> float:
    """SE of a change between waves: both sampling SEs plus the linking error.

    ``linking_error`` is in the statistic's units: theta for a mean, percentage points
    for a percentage (a cell's ``linking_error``, see :func:`rollup`).
    """
    return _change_se(se_now, se_before, linking_error)
