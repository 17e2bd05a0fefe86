"""Estimates over plausible values with replicate SEs and Rubin's rules."""

import numpy as np
import pytest
from scipy import stats

from psychometrics import irt
from psychometrics.plausible import LatentRegression
from psychometrics.survey import (
    Margin,
    ProficiencyLevels,
    base_weights,
    estimate_level_percentages,
    estimate_mean,
    estimate_percentage,
    estimate_sd,
    jk2_replicate_weights,
    nonresponse_adjust,
    rake,
    rubin_combine,
)
from psychometrics.survey.simulate import (
    population_margins,
    population_truth,
    simulate_survey,
)


def test_rubin_rules_on_a_hand_worked_case():
    """M = 5: estimates 1.0, 1.2, 0.9, 1.1, 0.8; sampling variances .04 .05 .03 .04 .04.

    mean = 1.0; U = 0.04; B = (0 + .04 + .01 + .01 + .04)/4 = 0.025;
    T = U + (1 + 1/5) B = 0.04 + 0.03 = 0.07, SE = 0.264575;
    ν_old = (M − 1)(1 + U / ((1 + 1/M) B))² = 4 (1 + 4/3)² = 196/9 = 21.78;
    with ν_com = 80: λ = 0.03/0.07, ν_obs = 81/83 · 80 · 4/7 = 44.6127,
    ν_BR = 1/(1/21.78 + 1/44.61) = 14.6341.
    """
    q = [1.0, 1.2, 0.9, 1.1, 0.8]
    u = [0.04, 0.05, 0.03, 0.04, 0.04]
    res = rubin_combine(q, u)
    assert res.estimate == pytest.approx(1.0)
    assert res.sampling_var == pytest.approx(0.04)
    assert res.imputation_var == pytest.approx(0.025)
    assert res.se == pytest.approx(np.sqrt(0.07))
    assert res.df == pytest.approx(196 / 9)
    lam = 0.03 / 0.07
    nu_obs = 81 / 83 * 80 * (1 - lam)
    res80 = rubin_combine(q, u, df_complete=80)
    assert nu_obs == pytest.approx(44.6127, abs=1e-4)
    assert res80.df == pytest.approx(1 / (9 / 196 + 1 / nu_obs))
    assert res80.df == pytest.approx(14.6341, abs=1e-4)


def _data(seed=0, n=600, m=3, r=8, n_groups=4):
    rng = np.random.default_rng(seed)
    y = rng.normal(0, 1, (n, m)) + rng.normal(0, 1, n)[:, None]
    w = rng.uniform(1, 5, n)
    rw = w[:, None] * rng.choice([0.0, 1.0, 2.0], (n, r), p=[0.1, 0.8, 0.1])
    g = rng.integers(0, n_groups, n)
    return y, w, rw, g


def _slow(stat, y, w, rw, g, factor=1.0):
    """Loop over groups × PVs × replicates: the reference for the vectorised code."""
    out = []
    for grp in np.unique(g):
        k = g == grp
        full, samp = [], []
        for j in range(y.shape[1]):
            t = stat(y[k, j], w[k])
            reps = [stat(y[k, j], rw[k, r]) for r in range(rw.shape[1])]
            full.append(t)
            samp.append(factor * sum((x - t) ** 2 for x in reps))
        mm = len(full)
        b = np.var(full, ddof=1)
        out.append((np.mean(full), np.sqrt(np.mean(samp) + (1 + 1 / mm) * b)))
    return np.array(out)


def test_vectorised_mean_sd_and_percentage_match_a_slow_loop():
    y, w, rw, g = _data()
    cases = [
        (estimate_mean, {}, lambda v, ww: np.average(v, weights=ww)),
        (
            estimate_sd,
            {},
            lambda v, ww: np.sqrt(
                np.average((v - np.average(v, weights=ww)) ** 2, weights=ww)
            ),
        ),
        (
            estimate_percentage,
            {"cut": 0.5},
            lambda v, ww: 100 * np.average(v >= 0.5, weights=ww),
        ),
    ]
    for func, kw, stat in cases:
        fast = func(y, w, rw, groups=g, **kw)
        slow = _slow(stat, y, w, rw, g)
        np.testing.assert_allclose(fast.estimate, slow[:, 0], rtol=1e-10)
        np.testing.assert_allclose(fast.se, slow[:, 1], rtol=1e-8)


def test_group_rows_carry_counts_and_the_total_row_matches_the_whole_sample():
    y, w, rw, g = _data(seed=1)
    by = estimate_mean(y, w, rw, groups=g, include_total=True)
    whole = estimate_mean(y, w, rw)
    assert by.groups[-1] == "all"
    assert by.n.tolist() == [*np.bincount(g).tolist(), y.shape[0]]
    assert by.estimate[-1] == pytest.approx(whole.estimate[0])
    assert by.se[-1] == pytest.approx(whole.se[0])


def test_level_percentages_add_to_100_and_agree_with_the_share_above_a_cut():
    y, w, rw, g = _data(seed=2)
    cuts = [-1.0, 0.0, 1.0]
    lv = estimate_level_percentages(y, w, rw, cuts=cuts, groups=g, level_labels="ABCD")
    np.testing.assert_allclose(lv.estimate.sum(axis=1), 100.0)
    above = estimate_percentage(y, w, rw, cut=0.0, groups=g)
    np.testing.assert_allclose(lv.estimate[:, 2:].sum(axis=1), above.estimate)
    assert lv.columns == tuple("ABCD")
    assert len(lv.to_records()) == 4 * 4


def test_t_interval_uses_barnard_rubin_df_and_is_wider_than_normal():
    y, w, rw, g = _data(seed=3)
    t = estimate_mean(y, w, rw, groups=g)
    z = estimate_mean(y, w, rw, groups=g, interval="normal")
    crit = stats.t.ppf(0.975, t.df)
    np.testing.assert_allclose(t.ci_high - t.estimate, crit * t.se)
    assert ((t.ci_high - t.ci_low) > (z.ci_high - z.ci_low)).all()
    assert "95% t" in repr(t)


def test_variance_factor_scales_the_sampling_variance():
    y, w, rw, _ = _data(seed=4, m=1)
    a = estimate_mean(y, w, rw)
    b = estimate_mean(y, w, rw, variance_factor=0.25)
    assert b.sampling_var[0] == pytest.approx(0.25 * a.sampling_var[0])


def test_estimate_errors_name_what_is_wrong():
    y, w, rw, g = _data()
    with pytest.raises(ValueError, match="weights has 599 rows, expected 600"):
        estimate_mean(y, w[:-1], rw)
    bad = w.copy()
    bad[3] = -1
    with pytest.raises(
        ValueError, match="non-positive weight -1.0 at position \\(3,\\)"
    ):
        estimate_mean(y, bad, rw)
    with pytest.raises(ValueError, match="replicate_weights has 599 rows"):
        estimate_mean(y, w, rw[:-1])
    y2 = y.copy()
    y2[5, 1] = np.nan
    with pytest.raises(ValueError, match="not finite at \\(5, 1\\)"):
        estimate_mean(y2, w, rw)
    with pytest.raises(ValueError, match="groups has 10 entries"):
        estimate_mean(y, w, rw, groups=g[:10])
    with pytest.raises(ValueError, match="cuts must be increasing"):
        estimate_level_percentages(y, w, rw, cuts=[1.0, 0.0])


def test_proficiency_levels_classify_at_or_above_a_cut():
    levels = ProficiencyLevels("info", (-1.0, 0.0, 1.0), ("<1", "1", "2", "3"), "2")
    assert levels.classify([-2, -1, -0.5, 0, 1.5]).tolist() == [0, 1, 1, 2, 3]
    assert levels.attained_cut == 0.0
    assert levels.attains([-0.01, 0.0]).tolist() == [False, True]
    with pytest.raises(ValueError, match="3 labels for 3 cuts"):
        ProficiencyLevels("info", (-1.0, 0.0, 1.0), ("a", "b", "c"), "b")
    with pytest.raises(ValueError, match="not a label"):
        ProficiencyLevels("info", (0.0,), ("a", "b"), "z")


def test_attainment_intervals_cover_the_districts_population_rates():
    """The whole statistics pipeline on a simulated survey (~5,100 respondents, one
    domain): base weights, non-response adjustment, raking, 80 re-raked JK2 replicates,
    10 PVs, then 95% intervals of each district's attainment rate. The population
    rates (Monte Carlo over the simulated city) fall inside at least 14 of 16."""
    # given
    rng = np.random.default_rng(21)
    sim = simulate_survey(6400, n_domains=1, rng=rng)
    r = sim.responded
    district = sim.district[r]
    wb = base_weights(sim.design.inclusion_probability[sim.stratum])
    pop = population_margins(sim.design)
    margins = [
        Margin("district", district, pop["district"]),
        Margin("age_band", sim.age_band[r], pop["age_band"]),
        Margin("sex", sim.sex[r], pop["sex"]),
    ]
    w = rake(nonresponse_adjust(wb, r, sim.district)[r], margins, max_ratio=5.0).weights
    reps = jk2_replicate_weights(
        wb,
        sim.stratum,
        responded=r,
        nonresponse_classes=sim.district,
        margins=margins,
        rake_options={"max_ratio": 5.0},
        rng=rng,
    )
    nodes, _ = irt.normal_quadrature(41, bound=5.0)
    ll = irt.log_likelihood(sim.responses[0][r], sim.params[0], nodes)
    model = LatentRegression(categorical=(0, 1)).fit(
        ll, nodes, background=sim.background[r], groups=district, sample_weight=w
    )
    # when
    est = estimate_percentage(
        model.sample(10, rng=rng), w, reps, cut=0.3, groups=district, scale=1.0
    )
    # then
    _, share = population_truth(sim, 0.3, rng=np.random.default_rng(0))
    covered = (est.ci_low <= share[:, 0]) & (share[:, 0] <= est.ci_high)
    assert covered.sum() >= 14
    assert (est.n >= 100).all()


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("statistic", ["mean", "sd", "percentage", "levels"])
def test_a_replicate_without_a_group_gives_no_se_and_no_warning(statistic):
    """A replicate that drops every member of a group leaves that group's estimate
    standing and its SE undefined (nan), without a division warning."""
    rng = np.random.default_rng(5)
    values = rng.normal(size=(40, 3))
    groups = np.repeat(["a", "b"], [36, 4])
    weights = np.ones(40)
    reps = np.ones((40, 4))
    reps[36:, 2] = 0.0  # replicate 2 drops group "b" entirely
    call = {
        "mean": lambda: estimate_mean(values, weights, reps, groups=groups),
        "sd": lambda: estimate_sd(values, weights, reps, groups=groups),
        "percentage": lambda: estimate_percentage(
            values, weights, reps, cut=0.0, groups=groups
        ),
        "levels": lambda: estimate_level_percentages(
            values, weights, reps, cuts=[-0.5, 0.5], groups=groups
        ),
    }[statistic]
    est = call()
    b = list(est.groups).index("b")
    assert np.all(np.isfinite(est.estimate[b]))
    assert np.all(np.isnan(est.se[b]))
    assert np.all(np.isfinite(est.se[1 - b]))
