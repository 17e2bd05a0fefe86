"""Weights on any background variable: margins by name or crossed, bad margins refused.

Plain arrays, no database: ``compute_weights`` is the array stage of the survey jobs.
"""

from __future__ import annotations

import numpy as np
import pytest

from assessment.survey.pipeline.weighting import compute_weights

EDUCATION = ("primary", "secondary", "tertiary")


def population(seed: int = 3, n_pop: int = 60_000):
    """A finite population whose outcome and response both depend on education."""
    rng = np.random.default_rng(seed)
    district = rng.choice(["d1", "d2", "d3"], size=n_pop, p=[0.5, 0.3, 0.2])
    # education differs by district, so a city-wide margin alone is not enough
    p_edu = {"d1": [0.2, 0.4, 0.4], "d2": [0.4, 0.4, 0.2], "d3": [0.5, 0.35, 0.15]}
    education = np.array([rng.choice(EDUCATION, p=p_edu[d]) for d in district])
    age_band = rng.choice(["a1", "a2"], size=n_pop)
    sex = rng.choice(["F", "M"], size=n_pop)
    level = {"primary": -0.6, "secondary": 0.0, "tertiary": 0.7}
    y = np.array([level[e] for e in education]) + rng.normal(0, 0.7, n_pop)
    return {
        "district": district,
        "education": education,
        "age_band": age_band,
        "sex": sex,
        "y": y,
    }


def totals(pop, *names):
    keys = zip(*(pop[n] for n in names), strict=True)
    out: dict = {}
    for k in keys:
        k = k[0] if len(k) == 1 else k
        out[k] = out.get(k, 0.0) + 1.0
    return out


def draw(pop, seed: int = 4, n: int = 6_000):
    """A simple random sample with response falling from 0.85 to 0.55 with education."""
    rng = np.random.default_rng(seed)
    idx = rng.choice(pop["y"].size, size=n, replace=False)
    rate = {"tertiary": 0.85, "secondary": 0.7, "primary": 0.55}
    responded = rng.random(n) < np.array([rate[e] for e in pop["education"][idx]])
    edu = pop["education"][idx].astype(object)
    edu[~responded & (rng.random(n) < 0.7)] = None  # mostly unknown for non-respondents
    return idx, responded, edu


def weights(pop, idx, responded, edu, margins, **kw):
    return compute_weights(
        district=pop["district"][idx],
        age_band=pop["age_band"][idx],
        sex=pop["sex"][idx],
        inclusion_probability=np.full(idx.size, idx.size / pop["y"].size),
        responded=responded,
        margins=margins,
        variables={"education": list(edu)},
        n_replicates=8,
        **kw,
    )


def test_raking_to_education_removes_the_bias_of_education_driven_nonresponse():
    """Without education the mean is biased upwards; with it the bias is gone."""
    pop = population()
    idx, responded, edu = draw(pop)
    truth = pop["y"].mean()
    y = pop["y"][idx][responded]
    design_only = {n: totals(pop, n) for n in ("district", "age_band", "sex")}
    with_edu = {
        **design_only,
        ("district", "education"): totals(pop, "district", "education"),
    }
    w0 = weights(pop, idx, responded, edu, design_only).final
    w1 = weights(pop, idx, responded, edu, with_edu).final
    bias0 = np.average(y, weights=w0) - truth
    bias1 = np.average(y, weights=w1) - truth
    assert bias0 > 0.04  # the most educated answer most, and score highest
    assert abs(bias1) < 0.02 and abs(bias1) < abs(bias0) / 3


def test_every_margin_holds_in_the_full_sample_and_in_every_replicate():
    pop = population()
    idx, responded, edu = draw(pop)
    margins = {
        "district": totals(pop, "district"),
        "sex": totals(pop, "sex"),
        "education": totals(pop, "education"),
        ("district", "education"): {
            f"{d}|{e}": t for (d, e), t in totals(pop, "district", "education").items()
        },
    }
    res = weights(
        pop, idx, responded, edu, margins, nonresponse_cells=("district", "sex")
    )
    resp_edu = np.array([e for e in edu[responded]])
    resp_d = pop["district"][idx][responded]
    for (d, e), total in totals(pop, "district", "education").items():
        cell = (resp_d == d) & (resp_edu == e)
        assert res.final[cell].sum() == pytest.approx(total, rel=1e-6)
        np.testing.assert_allclose(res.replicates[cell].sum(axis=0), total, rtol=1e-4)
    assert res.report["margins"] == [
        "district",
        "sex",
        "education",
        "district×education",
    ]
    assert res.report["nonresponse_cells"] == ["district", "sex"]
    assert res.report["raking"]["converged"] and res.report["replicates"]["converged"]


def test_the_design_only_call_is_unchanged():
    """The call without variables gives the weights it always gave."""
    pop = population(n_pop=20_000)
    idx, responded, _ = draw(pop, n=3_000)
    margins = {n: totals(pop, n) for n in ("district", "age_band", "sex")}
    res = compute_weights(
        district=pop["district"][idx],
        age_band=pop["age_band"][idx],
        sex=pop["sex"][idx],
        inclusion_probability=np.full(idx.size, 0.15),
        responded=responded,
        margins=margins,
        n_replicates=8,
    )
    for name in ("district", "age_band", "sex"):
        for cat, total in margins[name].items():
            cell = pop[name][idx][responded] == cat
            assert res.final[cell].sum() == pytest.approx(total, rel=1e-6)
    assert res.report["nonresponse_cells"] == ["district", "age_band", "sex"]


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda m, v: m.update(occupation={"x": 1.0}),
            "no variable 'occupation' was given",
        ),
        (
            lambda m, v: m["education"].update(doctorate=500.0),
            "'doctorate' has no respondents",
        ),
        (
            lambda m, v: m["education"].update(
                tertiary=m["education"]["tertiary"] + 9e3
            ),
            "margin totals do not match",
        ),
        (
            lambda m, v: m["education"].pop("primary"),
            "'primary' has no population total",
        ),
        (lambda m, v: m["education"].update(primary=-3), "must be a positive number"),
        (
            lambda m, v: v.__setitem__(np.flatnonzero(v != None)[0], None),  # noqa: E711
            "'education' is missing for 1 respondent",
        ),
    ],
    ids=[
        "unknown-variable",
        "empty-cell",
        "totals-disagree",
        "uncovered-category",
        "negative-total",
        "respondent-missing",
    ],
)
def test_bad_margins_are_refused_by_name(change, message):
    pop = population(n_pop=20_000)
    idx, responded, edu = draw(pop, n=3_000)
    edu[np.flatnonzero(responded)[0]] = edu[np.flatnonzero(responded)[0]]  # stays known
    margins = {
        "district": totals(pop, "district"),
        "education": totals(pop, "education"),
    }
    variables = np.where(responded, edu, None)
    change(margins, variables)
    with pytest.raises(ValueError, match=message):
        weights(pop, idx, responded, variables, margins)


def test_nonresponse_cells_need_variables_known_for_everyone_sampled():
    pop = population(n_pop=20_000)
    idx, responded, edu = draw(pop, n=3_000)
    with pytest.raises(
        ValueError, match="'education' is missing for .* sampled person"
    ):
        weights(
            pop,
            idx,
            responded,
            edu,
            {"district": totals(pop, "district")},
            nonresponse_cells=("district", "education"),
        )
    with pytest.raises(ValueError, match="no variable 'income'"):
        weights(
            pop,
            idx,
            responded,
            edu,
            {"district": totals(pop, "district")},
            nonresponse_cells=("income",),
        )
