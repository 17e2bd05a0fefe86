"""Weights for campaigns without a sample design: raking to population margins, jackknife."""

from __future__ import annotations

import numpy as np
import pytest

from psychometrics.survey import (
    EmptyCellError,
    estimate_mean,
    margin_totals,
    poststratify,
)

DISTRICTS = ("d1", "d2", "d3")
AGES = ("15-34", "35-59", "60+")
SEXES = ("female", "male")


def _population(scale: float = 1000.0) -> dict[tuple[str, str, str], float]:
    pop = {}
    for i, d in enumerate(DISTRICTS):
        for j, a in enumerate(AGES):
            for k, s in enumerate(SEXES):
                pop[(d, a, s)] = scale * (1 + i) * (3 - j) * (1 + 0.1 * k)
    return pop


def _volunteers(n: int, rng: np.random.Generator):
    """Who comes to open practice: mostly young, mostly from d1."""
    d = rng.choice(DISTRICTS, n, p=[0.6, 0.3, 0.1])
    a = rng.choice(AGES, n, p=[0.6, 0.3, 0.1])
    s = rng.choice(SEXES, n)
    return {"district": d, "age_band": a, "sex": s}


def _sums(w, values):
    return margin_totals(w, values)


def test_weights_add_up_to_every_margin_and_so_do_the_replicates():
    rng = np.random.default_rng(0)
    g = _volunteers(900, rng)
    pop = _population()
    res = poststratify(g, pop, n_replicates=20, rng=rng)
    assert res.weights.sum() == pytest.approx(sum(pop.values()))
    for v, idx in (("district", 0), ("age_band", 1), ("sex", 2)):
        want: dict[str, float] = {}
        for key, c in pop.items():
            want[key[idx]] = want.get(key[idx], 0.0) + c
        got = _sums(res.weights, g[v])
        assert got == pytest.approx(want, rel=1e-6)
        for r in range(res.replicates.n_replicates):
            assert _sums(res.replicates.weights[:, r], g[v]) == pytest.approx(
                want, rel=1e-4
            )
    assert res.report.converged
    assert res.margins == ("district", "age_band", "sex")


def test_two_way_margins():
    rng = np.random.default_rng(1)
    g = _volunteers(1500, rng)
    pop = _population()
    res = poststratify(
        g,
        pop,
        margins=[("district", "age_band"), ("district", "sex")],
        n_replicates=10,
        rng=rng,
    )
    assert res.margins == ("district×age_band", "district×sex")
    for (d, a, _s), _c in pop.items():
        sel = (g["district"] == d) & (g["age_band"] == a)
        want = sum(c for (dd, aa, _), c in pop.items() if dd == d and aa == a)
        assert res.weights[sel].sum() == pytest.approx(want, rel=1e-6)


def test_a_margin_cell_without_respondents_is_named():
    rng = np.random.default_rng(2)
    g = _volunteers(300, rng)
    keep = g["district"] != "d3"
    g = {k: v[keep] for k, v in g.items()}
    with pytest.raises(
        EmptyCellError,
        match=r"margin district: no respondents in "
        r"district='d3' \(population 37,800\)",
    ):
        poststratify(g, _population(), rng=rng)
    # a two-way cell: nobody aged 60+ in d2
    g = _volunteers(600, rng)
    keep = ~((g["district"] == "d2") & (g["age_band"] == "60+"))
    g = {k: v[keep] for k, v in g.items()}
    with pytest.raises(EmptyCellError, match=r"district='d2', age_band='60\+'"):
        poststratify(
            g, _population(), margins=[("district", "age_band"), "sex"], rng=rng
        )


def test_respondents_outside_the_population_are_refused():
    g = {
        "district": np.array(["d1", "d2", "d9"] * 10),
        "age_band": np.array(["15-34"] * 30),
        "sex": np.array(["female"] * 30),
    }
    with pytest.raises(EmptyCellError, match=r"respondent\(s\) in district='d9'"):
        poststratify(g, _population())
    with pytest.raises(ValueError, match="groups has no 'sex'"):
        poststratify(
            {"district": g["district"], "age_band": g["age_band"]}, _population()
        )


def test_raking_removes_the_volunteer_bias_and_replicate_ses_are_honest():
    """Over repeated volunteer samples the weighted mean is near the truth and the JK2 SE
    matches the spread of the estimates."""
    pop = _population()
    effect = {"15-34": 1.0, "35-59": 0.0, "60+": -1.0}
    d_eff = {"d1": 0.3, "d2": 0.0, "d3": -0.4}
    truth = sum(c * (effect[a] + d_eff[d]) for (d, a, _s), c in pop.items()) / sum(
        pop.values()
    )
    rng = np.random.default_rng(3)
    est, se, naive = [], [], []
    for _ in range(60):
        g = _volunteers(800, rng)
        y = (
            np.array([effect[a] for a in g["age_band"]])
            + np.array([d_eff[d] for d in g["district"]])
            + rng.normal(0, 1, 800)
        )
        res = poststratify(g, pop, n_replicates=40, rng=rng)
        e = estimate_mean(y, res.weights, res.replicates)
        est.append(e.estimate[0])
        se.append(e.se[0])
        naive.append(y.mean())
    est, se = np.array(est), np.array(se)
    assert abs(np.mean(naive) - truth) > 0.3  # unweighted volunteers are far off
    assert abs(est.mean() - truth) < 0.03
    ratio = np.sqrt(np.mean(se**2)) / est.std(ddof=1)
    assert 0.7 < ratio < 1.4
