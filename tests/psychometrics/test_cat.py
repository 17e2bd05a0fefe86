"""Adaptive testing: state, incremental EAP, selection, exposure, balancing."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from psychometrics.cat import (
    RULES,
    CATBank,
    CATState,
    Randomesque,
    SympsonHetter,
    cat_replay,
    cat_start,
    cat_update,
    select_next_item,
    should_stop,
    simulate_cat,
    sympson_hetter_calibrate,
)
from psychometrics.irt import ItemParameters, log_likelihood
from psychometrics.scoring import estimate_ability


def _dich(n: int = 300, seed: int = 0) -> ItemParameters:
    rng = np.random.default_rng(seed)
    return ItemParameters.dichotomous(
        rng.lognormal(0.2, 0.25, n), rng.normal(0, 1.2, n)
    )


def _mixed(seed: int = 1) -> ItemParameters:
    rng = np.random.default_rng(seed)
    grm = ItemParameters.polytomous(
        rng.uniform(0.8, 2.0, 40),
        np.sort(rng.normal(0, 1, (40, 3)), axis=1),
        model="grm",
        item_ids=[f"g{j}" for j in range(40)],
    )
    gpcm = ItemParameters.polytomous(
        rng.uniform(0.8, 2.0, 40),
        rng.normal(0, 1, (40, 2)),
        model="gpcm",
        item_ids=[f"p{j}" for j in range(40)],
    )
    d3 = ItemParameters.dichotomous(
        rng.uniform(0.8, 2.0, 40),
        rng.normal(0, 1, 40),
        rng.uniform(0.05, 0.25, 40),
        model="3pl",
        item_ids=[f"d{j}" for j in range(40)],
    )
    return ItemParameters.concatenate([grm, gpcm, d3])


BANK = CATBank(_dich())


def test_cat_recovers_theta() -> None:
    """Fixed-length tests of 30 items recover known abilities."""
    rng = np.random.default_rng(2)
    theta = rng.standard_normal(400)
    report = simulate_cat(BANK, theta, se_target=None, max_length=30, rng=3)
    assert report.rmse < 0.35
    assert abs(report.bias) < 0.06
    assert (report.length == 30).all()
    assert np.corrcoef(report.theta, theta)[0, 1] > 0.93


def test_polytomous_and_mixed_bank_recovers_theta() -> None:
    """GRM, GPCM and 3PL items in one bank give accurate adaptive estimates."""
    bank = CATBank(_mixed())
    theta = np.random.default_rng(4).standard_normal(300)
    report = simulate_cat(bank, theta, se_target=0.3, max_length=25, rng=5)
    assert report.rmse < 0.4
    assert report.mean_length < 25


def test_stops_at_se_target_or_max_length() -> None:
    """Every simulee ends at the SE target, or at the maximum length."""
    theta = np.random.default_rng(6).normal(0, 1.5, 300)
    report = simulate_cat(BANK, theta, se_target=0.35, max_length=20, min_length=3)
    short = report.length < 20
    assert (report.se[short] <= 0.35).all()
    assert (report.length >= 3).all()
    assert short.mean() > 0.5


def test_should_stop_reasons() -> None:
    """should_stop names why it stops, and respects min_length."""
    state = cat_start(BANK)
    assert not should_stop(state)
    for item in range(3):
        state = cat_update(state, item, 1, BANK)
    assert should_stop(state, max_length=3).reason == "max_length"
    tight = dataclasses.replace(state, se=0.2)
    assert should_stop(tight, se_target=0.3).reason == "se_target"
    assert not should_stop(tight, se_target=0.3, min_length=5)
    tiny = CATBank(ItemParameters.dichotomous([1.0, 1.0], [0.0, 1.0]))
    s2 = cat_replay(tiny, [0, 1], [1, 0])
    assert should_stop(s2, se_target=None, max_length=9, bank=tiny).reason == (
        "bank_exhausted"
    )
    with pytest.raises(ValueError, match="min_length"):
        should_stop(state, min_length=5, max_length=2)


def test_incremental_update_matches_slow_reference() -> None:
    """The O(Q) update equals EAP recomputed from scratch on the same grid."""
    params = _mixed()
    bank = CATBank(params)
    rng = np.random.default_rng(7)
    items = rng.choice(params.n_items, 25, replace=False)
    responses = [int(rng.integers(0, k)) for k in params.n_categories[items]]
    state = cat_start(bank)
    row = np.full((1, params.n_items), np.nan)
    for item, response in zip(items, responses, strict=True):
        state = cat_update(state, int(item), response, bank)
        # slow reference: the whole pattern's likelihood, times the prior
        row[0, item] = response
        log_post = log_likelihood(row, params, bank.theta)[0] + bank.log_prior
        w = np.exp(log_post - log_post.max())
        w /= w.sum()
        mean = w @ bank.theta
        assert state.theta == pytest.approx(mean, abs=1e-10)
        assert state.se == pytest.approx(
            np.sqrt(w @ (bank.theta - mean) ** 2), abs=1e-9
        )
    # and the engine's EAP scorer (its own grid) agrees closely
    est = estimate_ability(row, params, method="eap")
    assert state.theta == pytest.approx(float(est.theta[0]), abs=5e-3)
    assert state.se == pytest.approx(float(est.se[0]), abs=5e-3)


@pytest.mark.parametrize(
    ("rule", "start_rule", "with_blueprint"),
    [("mfi", None, False), ("mfi", "kl", True), ("weighted_info", None, False)],
)
def test_step_by_step_sessions_match_the_batch_simulation(
    rule: str, start_rule: str | None, with_blueprint: bool
) -> None:
    """Driving sessions with select/update/should_stop reproduces simulate_cat."""
    params = _dich(200, seed=8)
    areas = np.array(["A", "B", "C", "D"])[np.arange(200) % 4]
    bank = CATBank(params, content_areas=areas)
    blueprint = {"A": 0.4, "B": 0.3, "C": 0.3} if with_blueprint else None
    theta = np.random.default_rng(9).standard_normal(25)
    opts = dict(rule=rule, start_rule=start_rule, n_start=3, blueprint=blueprint)
    report = simulate_cat(bank, theta, se_target=0.4, max_length=15, rng=10, **opts)
    for i in range(theta.size):
        state = cat_start(bank)
        t = 0
        while not should_stop(state, se_target=0.4, max_length=15):
            item = select_next_item(state, bank, **opts)
            assert item == report.items[i, t]
            state = cat_update(state, item, int(report.responses[i, t]), bank)
            t += 1
        assert t == report.length[i]
        assert state.theta == pytest.approx(report.theta[i], abs=1e-12)
        assert state.se == pytest.approx(report.se[i], abs=1e-12)


def test_kl_and_weighted_rules_pick_sensible_first_items() -> None:
    """At the prior, KL and posterior-weighted rules choose informative items."""
    state = cat_start(BANK)
    info = BANK.info_t.sum(axis=0)
    for rule in ("kl", "weighted_info"):
        item = select_next_item(state, BANK, rule=rule)
        assert info[item] >= np.quantile(info, 0.9)


def test_randomesque_and_sympson_hetter_cap_exposure() -> None:
    """Exposure control brings the largest exposure rate under the target."""
    rng = np.random.default_rng(11)
    theta = rng.standard_normal(1000)
    opts = dict(se_target=None, max_length=10)
    free = simulate_cat(BANK, theta, rng=12, **opts)
    assert free.max_exposure > 0.9
    # Randomesque spreads the first items over k (rate about 1/k) and halves the
    # peak, but alone it guarantees no ceiling; Sympson-Hetter does.
    rand = simulate_cat(BANK, theta, rng=13, exposure=Randomesque(10), **opts)
    first = np.bincount(rand.items[:, 0], minlength=BANK.n_items) / theta.size
    assert first.max() <= 0.1 + 0.04
    assert rand.max_exposure < 0.5 * free.max_exposure
    assert rand.rmse < free.rmse + 0.08
    sh = sympson_hetter_calibrate(BANK, theta, 0.25, rng=14, **opts)
    assert sh.max_exposure <= 0.25
    fresh = simulate_cat(
        BANK, rng.standard_normal(1000), rng=15, exposure=sh.exposure, **opts
    )
    assert fresh.max_exposure <= 0.25 + 0.03
    assert fresh.rmse < free.rmse + 0.08
    assert SympsonHetter.from_dict(sh.exposure.to_dict()).k_params.tolist() == (
        sh.exposure.k_params.tolist()
    )


def test_content_balancing_meets_blueprint() -> None:
    """Kingsbury-Zara balancing gives every simulee the blueprint proportions."""
    params = _dich(300, seed=16)
    areas = np.array(["info", "science", "health"])[np.arange(300) % 3]
    bank = CATBank(params, content_areas=areas)
    blueprint = {"info": 0.5, "science": 0.3, "health": 0.2}
    theta = np.random.default_rng(17).standard_normal(300)
    report = simulate_cat(
        bank, theta, se_target=None, max_length=20, blueprint=blueprint, rng=18
    )
    codes = bank.item_area[report.items]
    for area, share in blueprint.items():
        k = bank.areas.index(area)
        counts = (codes == k).sum(axis=1)
        assert np.all(np.abs(counts - share * 20) <= 1)
    state = cat_replay(bank, list(report.items[0]), list(report.responses[0]))
    assert sum(state.content_counts) == 20


def test_state_is_immutable_and_round_trips() -> None:
    """The state cannot change in place and survives JSON."""
    state = cat_start(BANK)
    nxt = cat_update(state, 4, 1, BANK)
    assert state.items == () and nxt.items == (4,)
    with pytest.raises(dataclasses.FrozenInstanceError):
        nxt.theta = 0.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        nxt.log_posterior[0] = 1.0
    back = CATState.from_dict(json.loads(json.dumps(nxt.to_dict())))
    assert back == nxt
    assert back.log_posterior.flags.writeable is False
    assert cat_update(back, 7, 0, BANK) == cat_update(nxt, 7, 0, BANK)
    assert "n_administered=1" in repr(nxt)


def test_itemparameters_work_in_place_of_a_bank() -> None:
    """Passing ItemParameters builds (and caches) the bank tables."""
    params = _dich(50, seed=19)
    state = cat_update(cat_start(params), 3, 1, params)
    item = select_next_item(state, params)
    assert item != 3
    assert 0 <= item < 50


def test_report_summary_and_bands() -> None:
    """The report gives bias and RMSE per ability band and an exposure table."""
    theta = np.random.default_rng(20).normal(0, 1.2, 200)
    report = simulate_cat(BANK, theta, max_length=15, rng=21)
    assert report.band_n.sum() == 200
    d = report.to_dict()
    assert d["n_simulees"] == 200 and len(d["bands"]) == 6
    assert abs(sum(d["exposure_distribution"].values()) - 1) < 1e-9
    assert "mean length" in report.summary()
    assert "rmse=" in repr(report)


def test_cat_bad_inputs() -> None:
    """Wrong items, responses, banks and blueprints raise clear errors."""
    state = cat_update(cat_start(BANK), 0, 1, BANK)
    with pytest.raises(ValueError, match="already administered"):
        cat_update(state, 0, 1, BANK)
    with pytest.raises(ValueError, match="not a category 0..1"):
        cat_update(state, 1, 2, BANK)
    with pytest.raises(ValueError, match="not a position in a bank of 300"):
        cat_update(state, 300, 0, BANK)
    other = CATBank(_dich(10), n_quadrature=41)
    with pytest.raises(ValueError, match="41 points"):
        cat_update(state, 1, 0, other)
    with pytest.raises(ValueError, match="CATBank needs ItemParameters"):
        CATBank(np.ones((3, 2)))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one item"):
        ItemParameters.dichotomous([], [])
    with pytest.raises(ValueError, match="item 'zz' is not in the bank"):
        BANK.index_of("zz")
    with pytest.raises(ValueError, match="content_areas has 2 entries"):
        CATBank(_dich(10), content_areas=["a", "b"])
    with pytest.raises(ValueError, match="has no content area"):
        CATBank(_dich(3), content_areas=["a", None, "b"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="needs a bank built with content_areas"):
        select_next_item(state, BANK, blueprint={"a": 1.0})
    banked = CATBank(_dich(6), content_areas=["a", "b"] * 3)
    with pytest.raises(ValueError, match="blueprint area 'geometry' has no items"):
        select_next_item(cat_start(banked), banked, blueprint={"geometry": 1.0})
    with pytest.raises(ValueError, match="rule must be one of"):
        select_next_item(state, BANK, rule="random")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="3 parameters for a bank of 300"):
        select_next_item(state, BANK, exposure=SympsonHetter(np.ones(3)))
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        SympsonHetter(np.zeros(3))
    tiny = CATBank(ItemParameters.dichotomous([1.0], [0.0]))
    with pytest.raises(ValueError, match="no item is left"):
        select_next_item(cat_update(cat_start(tiny), 0, 1, tiny), tiny)
    with pytest.raises(ValueError, match="true_thetas"):
        simulate_cat(BANK, [])
    with pytest.raises(ValueError, match="lacks"):
        CATState.from_dict({"items": []})


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 1), min_size=1, max_size=25), st.sampled_from(RULES))
def test_properties_of_any_session(responses: list[int], rule: str) -> None:
    """Any answers: items never repeat, theta stays on the grid, SE <= prior SD.

    2PL likelihoods are log-concave, so a normal prior times them has variance at
    most the prior's (Brascamp-Lieb).
    """
    state = cat_start(BANK)
    for r in responses:
        item = select_next_item(state, BANK, rule=rule)  # type: ignore[arg-type]
        assert item not in state.items
        state = cat_update(state, item, r, BANK)
        assert -5.0 <= state.theta <= 5.0
        assert 0.0 < state.se <= 1.0 + 1e-9
    assert CATState.from_dict(json.loads(json.dumps(state.to_dict()))) == state
