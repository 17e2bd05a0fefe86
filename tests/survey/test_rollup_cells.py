"""Roll-up cells on plain arrays: breakdown statistics, needs and satisfaction cells."""

from __future__ import annotations

import numpy as np
import pytest

from assessment.survey import pipeline
from psychometrics.survey import ProficiencyLevels, jk2_replicate_weights

LEVELS = {
    "info": ProficiencyLevels("info", (-0.5, 0.3, 1.1), ("L1", "L2", "L3", "L4"), "L2")
}


def _survey(n: int = 900, m: int = 5, seed: int = 3):
    rng = np.random.default_rng(seed)
    district = rng.choice(["310101", "310104", "310105"], n)
    sex = rng.choice(["female", "male"], n)
    age = rng.choice(["15-34", "35-59", "60+"], n)
    shift = {"310101": -0.3, "310104": 0.0, "310105": 0.4}
    truth = np.array([shift[d] for d in district]) + rng.normal(0, 1, n)
    pv = truth[:, None] + rng.normal(0, 0.4, (n, m))
    w = rng.uniform(50, 150, n)
    reps = jk2_replicate_weights(w, district, n_replicates=20, rng=rng).weights
    return {
        "pv": pv,
        "w": w,
        "reps": reps,
        "district": district,
        "sex": sex,
        "age": age,
    }


def _find(cells, **kw):
    return [c for c in cells if all(c[k] == v for k, v in kw.items())]


def _weighted_sd(y, w):
    mu = np.average(y, weights=w)
    return float(np.sqrt(np.average((y - mu) ** 2, weights=w)))


def test_breakdown_cells_carry_sd_and_level_shares_with_intervals():
    """Every breakdown cell has mean, SD, attainment rate and a share per level, with SE and CI."""
    s = _survey()
    cells = pipeline.rollup(
        {"info": s["pv"]},
        weights=s["w"],
        replicates=s["reps"],
        district=s["district"],
        levels=LEVELS,
        breakdowns={"sex": s["sex"], "age_band": s["age"]},
        threshold=5,
    )
    for dist in ("", "310101"):
        for value in ("female", "male"):
            got = {
                c["indicator"]
                for c in _find(
                    cells, district_code=dist, breakdown="sex", breakdown_value=value
                )
            }
            assert got == {"mean_theta", "sd_theta", "attainment_rate", "level_share"}
            levels = _find(
                cells,
                district_code=dist,
                breakdown="sex",
                breakdown_value=value,
                indicator="level_share",
            )
            assert [c["category"] for c in levels] == ["L1", "L2", "L3", "L4"]
            assert sum(c["estimate"] for c in levels) == pytest.approx(100.0)
            for c in _find(
                cells, district_code=dist, breakdown="sex", breakdown_value=value
            ):
                assert c["se"] > 0
                assert c["ci_low"] < c["estimate"] < c["ci_high"]


def test_breakdown_sd_and_level_share_match_a_direct_computation():
    """The district × category SD and level share equal the weighted figures averaged over PVs."""
    s = _survey()
    cells = pipeline.rollup(
        {"info": s["pv"]},
        weights=s["w"],
        replicates=s["reps"],
        district=s["district"],
        levels=LEVELS,
        breakdowns={"age_band": s["age"]},
        threshold=5,
    )
    sel = (s["district"] == "310104") & (s["age"] == "60+")
    y, w = s["pv"][sel], s["w"][sel]
    sd = np.mean([_weighted_sd(y[:, k], w) for k in range(y.shape[1])])
    l3 = np.mean(
        [
            100 * np.average((y[:, k] >= 0.3) & (y[:, k] < 1.1), weights=w)
            for k in range(y.shape[1])
        ]
    )
    (c_sd,) = _find(
        cells,
        district_code="310104",
        breakdown="age_band",
        breakdown_value="60+",
        indicator="sd_theta",
    )
    (c_l3,) = _find(
        cells,
        district_code="310104",
        breakdown="age_band",
        breakdown_value="60+",
        indicator="level_share",
        category="L3",
    )
    assert c_sd["estimate"] == pytest.approx(sd, rel=1e-9)
    assert c_l3["estimate"] == pytest.approx(l3, rel=1e-9)
    assert c_sd["n"] == c_l3["n"] == int(sel.sum())


def test_breakdown_level_share_se_follows_rubins_rules():
    """SE² of a breakdown level share = mean replicate variance + (1 + 1/M) × between-PV variance."""
    s = _survey()
    cells = pipeline.rollup(
        {"info": s["pv"]},
        weights=s["w"],
        replicates=s["reps"],
        district=s["district"],
        levels=LEVELS,
        breakdowns={"sex": s["sex"]},
        threshold=5,
    )
    sel = (s["district"] == "310105") & (s["sex"] == "male")
    y, cols = s["pv"][sel], np.column_stack([s["w"], s["reps"]])[sel]
    m = y.shape[1]
    theta = np.array(
        [
            [
                100
                * np.average((y[:, k] >= -0.5) & (y[:, k] < 0.3), weights=cols[:, c])
                for c in range(cols.shape[1])
            ]
            for k in range(m)
        ]
    )
    u = np.mean(((theta[:, 1:] - theta[:, :1]) ** 2).sum(axis=1))
    b = theta[:, 0].var(ddof=1)
    (cell,) = _find(
        cells,
        district_code="310105",
        breakdown="sex",
        breakdown_value="male",
        indicator="level_share",
        category="L2",
    )
    assert b > 0
    assert cell["se"] == pytest.approx(np.sqrt(u + (1 + 1 / m) * b), rel=1e-9)


def test_small_breakdown_cells_are_withheld_with_all_their_indicators():
    """A district × category below the threshold shows no SD or level share either."""
    s = _survey(n=400)
    cells = pipeline.rollup(
        {"info": s["pv"]},
        weights=s["w"],
        replicates=s["reps"],
        district=s["district"],
        levels=LEVELS,
        breakdowns={"age_band": s["age"]},
        threshold=50,
    )
    small = [c for c in cells if c["breakdown"] and c["district_code"] and c["n"] < 50]
    assert small
    for c in small:
        for other in _find(
            cells,
            district_code=c["district_code"],
            breakdown=c["breakdown"],
            breakdown_value=c["breakdown_value"],
        ):
            assert (
                other["suppressed"]
                and other["estimate"] is None
                and other["se"] is None
            )


def test_needs_profile_and_satisfaction_cells_for_every_district_and_the_city():
    from psychometrics.survey import NEEDS_AREAS, simulate_needs

    s = _survey()
    sim = simulate_needs(s["district"], s["age"], rng=np.random.default_rng(2))
    needs = {area: (x, NEEDS_AREAS[area]) for area, x in sim.answers.items()}
    cells = pipeline.rollup(
        {"info": s["pv"]},
        weights=s["w"],
        replicates=s["reps"],
        district=s["district"],
        levels=LEVELS,
        needs=needs,
        threshold=5,
    )
    for dist in ("", "310101", "310104", "310105"):
        topics = _find(
            cells,
            district_code=dist,
            domain_code="needs.topics",
            indicator="needs_share",
        )
        assert [c["category"] for c in topics] == list(NEEDS_AREAS["topics"])
        for c in topics:
            assert (
                0 <= c["estimate"] <= 100 and c["se"] > 0 and c["ci_low"] < c["ci_high"]
            )
            assert not c["breakdown"]
        (sat,) = _find(
            cells,
            district_code=dist,
            domain_code="needs.satisfaction",
            indicator="satisfaction_index",
        )
        assert 0 < sat["estimate"] < 100 and sat["se"] > 0
        sel = s["district"] == dist if dist else np.ones(s["w"].size, dtype=bool)
        from psychometrics.survey import satisfaction_scores

        score = satisfaction_scores(sim.answers["satisfaction"][sel])
        ok = ~np.isnan(score)
        assert sat["estimate"] == pytest.approx(
            np.average(score[ok], weights=s["w"][sel][ok])
        )
        assert sat["n"] == int(ok.sum())


def test_needs_cells_of_a_small_district_are_withheld():
    from psychometrics.survey import NEEDS_AREAS, simulate_needs

    s = _survey()
    keep = (s["district"] != "310105") | (np.arange(s["w"].size) % 20 == 0)
    s = {k: v[keep] for k, v in s.items()}
    sim = simulate_needs(s["district"], s["age"], rng=np.random.default_rng(2))
    needs = {"satisfaction": (sim.answers["satisfaction"], NEEDS_AREAS["satisfaction"])}
    cells = pipeline.rollup(
        {"info": s["pv"]},
        weights=s["w"],
        replicates=s["reps"],
        district=s["district"],
        levels=LEVELS,
        needs=needs,
        threshold=30,
    )
    small = _find(cells, district_code="310105", domain_code="needs.satisfaction")
    assert small and all(c["suppressed"] and c["estimate"] is None for c in small)
    # the other two districts are withheld too (complementary), the city is shown
    (city,) = _find(cells, district_code="", indicator="satisfaction_index")
    assert not city["suppressed"]
    assert (
        sum(c["suppressed"] for c in _find(cells, indicator="satisfaction_index")) >= 2
    )


def test_cells_carry_the_linking_error_in_their_own_units():
    from psychometrics.survey.trend import share_linking_error

    s = _survey()
    cells = pipeline.rollup(
        {"info": s["pv"]},
        weights=s["w"],
        replicates=s["reps"],
        district=s["district"],
        levels=LEVELS,
        breakdowns={"sex": s["sex"]},
        linking_errors={"info": 0.04},
        threshold=5,
    )
    (mean,) = _find(cells, district_code="310104", breakdown="", indicator="mean_theta")
    (sd,) = _find(cells, district_code="310104", breakdown="", indicator="sd_theta")
    (rate,) = _find(
        cells, district_code="310104", breakdown="", indicator="attainment_rate"
    )
    (l4,) = _find(
        cells, district_code="", breakdown="", indicator="level_share", category="L4"
    )
    sel = s["district"] == "310104"
    _, want = share_linking_error(
        s["pv"][sel], s["w"][sel], linking_error=0.04, cut=-0.5
    )
    _, want_l4 = share_linking_error(
        s["pv"], s["w"], linking_error=0.04, cuts=(1.1, np.inf)
    )
    assert mean["linking_error"] == 0.04 and sd["linking_error"] == 0.0
    assert rate["linking_error"] == pytest.approx(want[0]) and rate["linking_error"] > 0
    assert l4["linking_error"] == pytest.approx(want_l4[0])
    (male,) = _find(
        cells,
        district_code="310105",
        breakdown="sex",
        breakdown_value="male",
        indicator="attainment_rate",
    )
    assert male["linking_error"] > 0
    unlinked = pipeline.rollup(
        {"info": s["pv"]},
        weights=s["w"],
        replicates=s["reps"],
        district=s["district"],
        levels=LEVELS,
        threshold=5,
    )
    assert all(c["linking_error"] is None for c in unlinked)
    withheld = pipeline.rollup(
        {"info": s["pv"]},
        weights=s["w"],
        replicates=s["reps"],
        district=s["district"],
        levels=LEVELS,
        breakdowns={"age_band": s["age"]},
        linking_errors={"info": 0.04},
        threshold=150,
    )
    assert any(c["suppressed"] for c in withheld)
    assert all(c["linking_error"] is None for c in withheld if c["suppressed"])


def test_a_rotated_needs_module_never_hides_the_districts_ability_figures():
    """A module answered by 20 people in 310105 (under 30) is withheld there; its attainment
    rate, with every respondent behind it, is not."""
    from psychometrics.survey import NEEDS_AREAS, simulate_needs

    s = _survey()
    sim = simulate_needs(s["district"], s["age"], rng=np.random.default_rng(2))
    times = sim.answers["times"].copy()
    in_d = s["district"] == "310105"
    rotated_out = in_d & (np.cumsum(in_d) > 20)  # only 20 of them get the module
    times[rotated_out] = np.nan
    needs = {
        "times": (times, NEEDS_AREAS["times"]),
        "topics": (sim.answers["topics"], NEEDS_AREAS["topics"]),
    }
    cells = pipeline.rollup(
        {"info": s["pv"]},
        weights=s["w"],
        replicates=s["reps"],
        district=s["district"],
        levels=LEVELS,
        needs=needs,
        threshold=30,
    )
    (rate,) = _find(
        cells, district_code="310105", breakdown="", indicator="attainment_rate"
    )
    assert not rate["suppressed"] and rate["n"] > 200
    small = _find(cells, district_code="310105", domain_code="needs.times")
    assert small and all(c["suppressed"] and c["n"] < 30 for c in small)
    # the module's other districts are withheld too, or 310105 would follow from the city
    assert (
        sum(
            c["suppressed"]
            for c in _find(cells, domain_code="needs.times", category="weekday_day")
        )
        >= 2
    )
    assert not any(c["suppressed"] for c in _find(cells, domain_code="needs.topics"))
