"""Tests of ability estimation with known item parameters (``psychometrics.scoring``)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

from psychometrics._validation import ResponseError
from psychometrics.irt import ItemParameters, item_information, log_likelihood
from psychometrics.scoring import estimate_ability, summed_score_table
from psychometrics.simulate import random_item_parameters, simulate_responses


def _bank() -> ItemParameters:
    dich = ItemParameters.dichotomous(
        [1.0, 1.4, 0.8, 1.6, 1.1],
        [-1.2, -0.3, 0.2, 0.9, 1.5],
        [0, 0, 0, 0.2, 0],
        model=["2pl", "2pl", "2pl", "3pl", "2pl"],
    )
    poly = ItemParameters.polytomous(
        [1.2, 0.9],
        [[-1.0, 0.2, 1.1], [-0.4, 0.6, np.nan]],
        model=["grm", "gpcm"],
        item_ids=["p1", "p2"],
    )
    return ItemParameters.concatenate([dich, poly])


def _responses(n: int = 40, seed: int = 0) -> tuple[ItemParameters, np.ndarray]:
    bank = _bank()
    rng = np.random.default_rng(seed)
    x = simulate_responses(bank, rng.normal(size=n), rng=rng)
    x[rng.random(x.shape) < 0.2] = np.nan
    x[np.isnan(x).all(axis=1), 0] = 1.0
    return bank, x


def eap_slow(x: np.ndarray, bank: ItemParameters, n: int = 2001):
    """EAP by a fine trapezoidal grid, one person at a time."""
    grid = np.linspace(-8, 8, n)
    out_t, out_s = [], []
    for row in x:
        ll = log_likelihood(row[None, :], bank, grid)[0] - 0.5 * grid**2
        w = np.exp(ll - ll.max())
        w /= w.sum()
        m = w @ grid
        out_t.append(m)
        out_s.append(np.sqrt(w @ (grid - m) ** 2))
    return np.array(out_t), np.array(out_s)


def _maximise(f, lo=-6.0, hi=6.0) -> float:
    return float(
        minimize_scalar(
            lambda t: -f(t), bounds=(lo, hi), method="bounded", options={"xatol": 1e-10}
        ).x
    )


def test_eap_matches_fine_grid_loop():
    """Vectorised EAP and posterior SD equal a per-person fine-grid computation."""
    bank, x = _responses()
    est = estimate_ability(x, bank, method="eap", n_quadrature=121)
    theta, se = eap_slow(x, bank)
    np.testing.assert_allclose(est.theta, theta, atol=1e-4)
    np.testing.assert_allclose(est.se, se, atol=1e-4)


def test_map_and_mle_match_scalar_optimisation():
    """MAP and MLE maximise their criteria, person by person (mixed bank)."""
    bank, x = _responses(n=15, seed=3)
    mle = estimate_ability(x, bank, method="mle")
    mp = estimate_ability(x, bank, method="map")
    for i, row in enumerate(x):

        def ll(t, row=row):
            return float(log_likelihood(row[None, :], bank, [t])[0, 0])

        def info(t, row=row):
            return float(item_information(bank, [t])[~np.isnan(row), 0].sum())

        assert mp.theta[i] == pytest.approx(
            _maximise(lambda t, ll=ll: ll(t) - 0.5 * t * t), abs=1e-5
        )
        if abs(mle.theta[i]) < 5.9:
            assert mle.theta[i] == pytest.approx(_maximise(ll), abs=1e-4)
            assert mle.se[i] == pytest.approx(1 / np.sqrt(info(mle.theta[i])), rel=1e-6)


def test_wle_maximises_likelihood_times_root_information():
    """For 2PL and GPCM items Warm's WLE maximises L(θ)·I(θ)^½."""
    bank = ItemParameters.concatenate(
        [
            random_item_parameters(6, "2pl", rng=7),
            random_item_parameters(2, "gpcm", rng=8, item_ids=["g1", "g2"]),
        ]
    )
    rng = np.random.default_rng(9)
    x = simulate_responses(bank, rng.normal(size=12), rng=rng)
    wle = estimate_ability(x, bank, method="wle")
    for i, row in enumerate(x):

        def crit(t, row=row):
            ll = log_likelihood(row[None, :], bank, [t])[0, 0]
            return float(ll + 0.5 * np.log(item_information(bank, [t])[:, 0].sum()))

        assert wle.theta[i] == pytest.approx(_maximise(crit), abs=1e-4)


def test_extreme_patterns():
    """All-correct/all-wrong: MLE at ±bound with infinite SE, WLE finite, EAP finite."""
    bank = random_item_parameters(10, "2pl", rng=1)
    x = np.array([np.ones(10), np.zeros(10)])
    mle = estimate_ability(x, bank, method="mle", bound=6.0)
    np.testing.assert_array_equal(mle.theta, [6.0, -6.0])
    assert np.all(np.isinf(mle.se))
    wle = estimate_ability(x, bank, method="wle")
    assert np.all(np.abs(wle.theta) < 6.0) and wle.theta[0] > 1.5 > -1.5 > wle.theta[1]
    eap = estimate_ability(x, bank)
    assert np.all(np.isfinite(eap.theta)) and np.all(eap.se < 1)


def test_persons_without_responses_get_prior_or_nan():
    bank = random_item_parameters(5, "2pl", rng=2)
    x = np.full((2, 5), np.nan)
    x[1] = [1, 0, 1, np.nan, 0]
    eap = estimate_ability(x, bank, prior_mean=0.5, prior_sd=2.0)
    assert eap.theta[0] == pytest.approx(0.5, abs=1e-6)
    assert eap.se[0] == pytest.approx(2.0, rel=1e-3)
    mle = estimate_ability(x, bank, method="mle")
    assert np.isnan(mle.theta[0]) and np.isfinite(mle.theta[1])


def test_single_person_vector_and_repr():
    bank = random_item_parameters(8, "2pl", rng=3)
    est = estimate_ability(
        np.array([1, 0, 1, 1, 0, 1, np.nan, 0.0]), bank, method="wle"
    )
    assert est.theta.shape == (1,) and "wle" in repr(est)
    many = estimate_ability(np.zeros((3, 8)), bank)
    assert "n=3" in repr(many) and len(many) == 3


def test_person_specific_priors():
    bank = random_item_parameters(8, "2pl", rng=4)
    x = np.zeros((2, 8))
    est = estimate_ability(x, bank, prior_mean=[-1.0, 1.0], prior_sd=[1.0, 1.0])
    alone = estimate_ability(x[1:], bank, prior_mean=1.0)
    assert est.theta[0] < est.theta[1]
    assert est.theta[1] == pytest.approx(alone.theta[0], abs=1e-3)


def test_bad_inputs():
    bank = random_item_parameters(4, "2pl", rng=5)
    with pytest.raises(ValueError, match="method"):
        estimate_ability(np.zeros((1, 4)), bank, method="bayes")
    bad = np.zeros((3, 4))
    bad[1, 2] = 2
    with pytest.raises(ResponseError, match=r"row 1, item '2' \(column 2\)"):
        estimate_ability(bad, bank)
    with pytest.raises(ResponseError, match="columns"):
        estimate_ability(np.zeros((3, 5)), bank)


def test_summed_score_table_matches_pattern_eap_for_rasch():
    """Under Rasch the summed score is sufficient: table EAP = pattern EAP."""
    bank = random_item_parameters(6, "rasch", rng=6)
    table = summed_score_table(bank, n_quadrature=81)
    assert table.probability.sum() == pytest.approx(1.0)
    rng = np.random.default_rng(0)
    x = (rng.random((50, 6)) < 0.5).astype(float)
    est = estimate_ability(x, bank, n_quadrature=81)
    theta, se = table.lookup(x.sum(axis=1).astype(int))
    np.testing.assert_allclose(est.theta, theta, atol=1e-10)
    np.testing.assert_allclose(est.se, se, atol=1e-10)
    assert "max_score=6" in repr(table)


def test_summed_score_table_polytomous_scores():
    table = summed_score_table(_bank())
    assert table.scores[-1] == 5 + 3 + 2
    assert np.all(np.diff(table.theta) > 0)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(-2.5, 2.5), min_size=2, max_size=12),
    st.integers(0, 2**31 - 1),
)
def test_eap_is_monotone_in_summed_score_on_rasch_test(b, seed):
    """On a Rasch test a higher summed score never gives a lower EAP."""
    bank = ItemParameters.dichotomous(None, b, model="rasch")
    rng = np.random.default_rng(seed)
    x = (rng.random((60, len(b))) < 0.5).astype(float)
    est = estimate_ability(x, bank)
    score = x.sum(axis=1)
    order = np.argsort(score, kind="stable")
    ds, dt = np.diff(score[order]), np.diff(est.theta[order])
    assert np.all(dt[ds > 0] > 0)
    assert np.all(np.abs(dt[ds == 0]) < 1e-9)
