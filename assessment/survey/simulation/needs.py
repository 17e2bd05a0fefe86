"""The learning-needs questionnaire answered by simulated respondents, with its truth.

:func:`needs_answers` uses :func:`psychometrics.survey.simulate_needs` (district and
age-band profiles) where the bank's needs areas hold its options, and
:func:`simulate_needs_likert` (one latent need per area) otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assessment.survey.simulation.booklets import BookletPlan
from assessment.survey.simulation.truth import AGE_BANDS
from psychometrics import category_probabilities
from psychometrics.survey import NEEDS_AREAS, simulate_needs


def simulate_needs_likert(
    plan: BookletPlan,
    *,
    age: np.ndarray,
    education: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Likert answers (category codes) to the needs items, from a latent need per area.

    The need of area ``a`` is η_a ~ N(m_a(age, education), 1): younger and more educated
    residents want more learning and rate services a little higher. Categories come from
    the items' graded-response parameters in the active set. Returns the codes
    (persons × needs items), the latent needs (persons × areas) and the area codes.
    """

    ids = plan.needs_ids
    if not ids:
        return np.empty((age.size, 0)), np.empty((age.size, 0)), []
    areas = sorted({plan.items[i].domain_code for i in ids})
    area_of = np.array([areas.index(plan.items[i].domain_code) for i in ids])
    young = 0.25 - 0.12 * age  # bands 0..6
    edu = 0.15 * (education - 2.5)
    eta = np.column_stack(
        [
            young
            + edu
            + (0.2 if "satisfaction" in a else 0.0)
            + rng.normal(size=age.size)
            for a in areas
        ]
    )
    p = plan.params["needs"]
    codes = np.empty((age.size, len(ids)))
    for j in range(len(ids)):
        probs = category_probabilities(p.subset([j]), eta[:, area_of[j]])[0]  # (n, K)
        cum = probs.cumsum(axis=1)
        codes[:, j] = (
            (rng.random((age.size, 1)) > cum).sum(axis=1).clip(0, probs.shape[1] - 1)
        )
    return codes, eta, areas


def needs_answers(
    plan: BookletPlan,
    *,
    district: Sequence[str],
    age: np.ndarray,
    education: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, dict[str, np.ndarray], str]:
    """Codes 0..4 per respondent and needs item of the plan, the truth, and its source.

    :func:`psychometrics.survey.simulate_needs` (district and age-band profiles) answers
    where the bank's needs areas hold its options; otherwise :func:`simulate_needs_likert`. Every item is answered (booklet delivery presents
    each item in turn), so item non-response is 0.
    """
    ids = plan.needs_ids
    n = age.size
    by_area: dict[str, list[int]] = {}
    for j, i in enumerate(ids):
        area = plan.items[i].domain_code.split(".", 1)[-1]
        by_area.setdefault(area, []).append(j)
    if all(len(NEEDS_AREAS.get(a, ())) == len(cols) for a, cols in by_area.items()):
        sim = simulate_needs(
            np.asarray(district),
            np.asarray(AGE_BANDS)[age],
            item_nonresponse=0.0,
            rng=rng,
        )
        codes = np.empty((n, len(ids)))
        truth: dict[str, np.ndarray] = {
            "truth_satisfaction": np.asarray(sim.expected_satisfaction)
        }
        for area, cols in by_area.items():
            codes[:, cols] = sim.answers[area]
            truth[f"truth_needs_choice_{area}"] = np.asarray(sim.expected_choice[area])
        return codes, truth, "psychometrics.survey.simulate_needs"
    codes, eta, areas = simulate_needs_likert(
        plan, age=age, education=education, rng=rng
    )
    return (
        codes,
        {"truth_needs_eta": eta},
        "assessment.survey.simulation.needs.simulate_needs_likert",
    )
