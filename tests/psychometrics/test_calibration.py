"""Tests of MML calibration (``psychometrics.calibration``)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone

from psychometrics._validation import ConvergenceWarning, NotFittedError, ResponseError
from psychometrics.calibration import (
    CalibrationCancelled,
    GeneralizedPartialCredit,
    GradedResponse,
    MMLCalibrator,
    Rasch,
    ThreePL,
    TwoPL,
    _blocks,
)
from psychometrics.calibration._em import Design, State, posterior
from psychometrics.irt import ItemParameters
from psychometrics.simulate import (
    booklet_design,
    mst_bank,
    random_item_parameters,
    simulate_responses,
    two_stage_design,
)

REFERENCE = json.loads(
    (Path(__file__).parent / "reference" / "girth_reference.json").read_text()
)


def _rmse(a, b) -> float:
    return float(np.sqrt(np.nanmean((np.asarray(a) - np.asarray(b)) ** 2)))


def _data(model: str, n_items: int, n_persons: int, seed: int, design=None, **kw):
    rng = np.random.default_rng(seed)
    params = random_item_parameters(n_items, model, rng=rng, **kw)
    theta = rng.normal(size=n_persons)
    if design == "booklet":
        design, _ = booklet_design(n_persons, n_items, rng=rng)
    elif design == "two-stage":
        design = two_stage_design(params)
    return params, simulate_responses(params, theta, rng=rng, design=design)


# ---------------------------------------------------------------- recovery
def test_2pl_recovery_on_booklet_design():
    """Booklets (10 of 30 items each, 1,333 answers per item): a-RMSE ≤ 0.2, b ≤ 0.12.

    The a tolerance is about 1.5 times the mean standard error at this size.
    """
    true, x = _data("2pl", 30, 4000, seed=1, design="booklet")
    assert np.isnan(x).mean() == pytest.approx(2 / 3, abs=0.01)
    fit = TwoPL().fit(x)
    assert fit.converged_
    assert _rmse(fit.item_params_.a, true.a) <= 0.2
    assert _rmse(fit.item_params_.a, true.a) <= 1.6 * np.mean(fit.standard_errors_.a)
    assert _rmse(fit.item_params_.b, true.b) <= 0.12


def test_2pl_recovery_on_two_stage_adaptive_design():
    """Routing then easy/hard block: MML skipping nan stays unbiased (b-RMSE ≤ 0.10)."""
    true, x = _data("2pl", 30, 4000, seed=2, design="two-stage")
    fit = TwoPL().fit(x)
    err = fit.item_params_.b - true.b
    assert _rmse(fit.item_params_.b, true.b) <= 0.10
    assert abs(err.mean()) < 0.05  # no shift of the easy or hard block
    # stage-two items are seen by about half the sample, over a restricted range
    assert _rmse(fit.item_params_.a, true.a) <= 0.2


def test_2pl_recovery_on_targeted_multistage_design():
    """Modules targeted at their stage (mst_bank), 4000 persons: b-RMSE ≤ 0.10, unbiased."""
    rng = np.random.default_rng(12)
    true, design = mst_bank(10, 10, rng=rng)
    x = simulate_responses(true, rng.normal(size=4000), rng=rng, design=design)
    fit = TwoPL().fit(x)
    assert fit.converged_
    for block in (design.routing, design.easy, design.hard):
        assert abs(np.mean(fit.item_params_.b[block] - true.b[block])) < 0.06
    assert _rmse(fit.item_params_.b, true.b) <= 0.10
    assert _rmse(fit.item_params_.a, true.a) <= 0.2


def test_3pl_recovery_with_beta_prior():
    """3PL with the Beta(5, 17) prior: c-RMSE ≤ 0.06, b-RMSE ≤ 0.25."""
    true, x = _data("3pl", 20, 5000, seed=3)
    fit = ThreePL().fit(x)
    assert fit.converged_
    assert _rmse(fit.item_params_.c, true.c) <= 0.06
    assert _rmse(fit.item_params_.b, true.b) <= 0.25


@pytest.mark.parametrize(
    "model, estimator", [("grm", GradedResponse), ("gpcm", GeneralizedPartialCredit)]
)
def test_polytomous_recovery(model, estimator):
    """GRM and GPCM, 12 four-category items, 3000 persons: thresholds RMSE ≤ 0.15."""
    true, x = _data(model, 12, 3000, seed=4)
    fit = estimator().fit(x)
    assert _rmse(fit.item_params_.a, true.a) <= 0.10
    assert _rmse(fit.item_params_.thresholds, true.thresholds) <= 0.15


def test_rasch_recovers_difficulty_and_latent_sd():
    """Rasch: a = 1, latent SD of the reference group estimated (true 1.3)."""
    rng = np.random.default_rng(5)
    true = random_item_parameters(15, "rasch", rng=rng)
    x = simulate_responses(true, rng.normal(0, 1.3, 3000), rng=rng)
    fit = Rasch().fit(x)
    np.testing.assert_allclose(fit.item_params_.a, 1.0)
    assert _rmse(fit.item_params_.b, true.b) <= 0.08
    assert fit.group_sds_[0] == pytest.approx(1.3, abs=0.08)
    assert fit.group_means_[0] == 0.0


def test_mixed_dichotomous_and_polytomous_in_one_run():
    """2PL, 3PL and GRM items calibrated together on one scale."""
    rng = np.random.default_rng(6)
    bank = ItemParameters.concatenate(
        [
            random_item_parameters(12, "2pl", rng=rng),
            random_item_parameters(
                4, "grm", rng=rng, item_ids=["g1", "g2", "g3", "g4"]
            ),
        ]
    )
    x = simulate_responses(bank, rng.normal(size=3000), rng=rng)
    fit = MMLCalibrator(models=bank.models).fit(x)
    assert fit.item_params_.models == bank.models
    assert _rmse(fit.item_params_.a, bank.a) <= 0.12
    assert _rmse(fit.item_params_.thresholds, bank.thresholds) <= 0.12


# ---------------------------------------------------------------- agreement with girth
@pytest.mark.parametrize(
    "name, estimator, tol",
    [("rasch", Rasch, 0.03), ("2pl", TwoPL, 0.03), ("grm", GradedResponse, 0.04)],
)
def test_agrees_with_girth_on_complete_data(name, estimator, tol):
    """Complete data, where girth is right: same estimates within ``tol``.

    Reference: girth_reference.json, made by make_reference.py with the girth version
    it names. Rasch differs slightly because the engine estimates the latent SD.
    """
    ref = REFERENCE["sets"][name]
    x = np.array([[int(c) for c in row] for row in ref["responses"]], dtype=float)
    fit = estimator().fit(x)
    got = fit.item_params_
    if name == "grm":
        np.testing.assert_allclose(got.a, ref["girth"]["a"], atol=tol)
        np.testing.assert_allclose(got.thresholds, ref["girth"]["thresholds"], atol=tol)
    else:
        np.testing.assert_allclose(got.b, ref["girth"]["b"], atol=tol)
        if name == "2pl":
            np.testing.assert_allclose(got.a, ref["girth"]["a"], atol=tol)


# ---------------------------------------------------------------- weights, groups, anchors
def test_integer_weights_equal_duplicated_rows():
    """A case weight of 2 is the same as the row appearing twice."""
    _, x = _data("2pl", 8, 600, seed=7)
    w = np.where(np.arange(600) % 3 == 0, 2.0, 1.0)
    dup = np.vstack([x, x[w == 2]])
    kw = {"tol": 1e-7, "standard_errors": None}
    a = TwoPL(**kw).fit(x, sample_weight=w).item_params_
    b = TwoPL(**kw).fit(dup).item_params_
    np.testing.assert_allclose(a.a, b.a, atol=1e-4)
    np.testing.assert_allclose(a.b, b.b, atol=1e-4)


def test_multiple_groups_get_their_own_mean_and_sd():
    """Reference group N(0, 1); the second group's N(0.6, 1.3²) is recovered."""
    rng = np.random.default_rng(8)
    bank = random_item_parameters(20, "2pl", rng=rng)
    groups = np.repeat(["wave1", "wave2"], 2500)
    theta = np.where(
        groups == "wave1", rng.normal(0, 1, 5000), rng.normal(0.6, 1.3, 5000)
    )
    x = simulate_responses(bank, theta, rng=rng)
    fit = TwoPL(standard_errors=None).fit(x, groups=groups)
    assert list(fit.groups_) == ["wave1", "wave2"]
    assert (fit.group_means_[0], fit.group_sds_[0]) == (0.0, 1.0)
    assert fit.group_means_[1] == pytest.approx(0.6, abs=0.08)
    assert fit.group_sds_[1] == pytest.approx(1.3, abs=0.1)
    assert _rmse(fit.item_params_.b, bank.b) <= 0.1


def test_fixed_anchor_items_set_the_scale():
    """Anchors keep their parameters; the sample's mean and SD are estimated."""
    rng = np.random.default_rng(9)
    bank = random_item_parameters(16, "2pl", rng=rng)
    x = simulate_responses(bank, rng.normal(0.5, 1.2, 4000), rng=rng)
    anchors = bank.subset(range(6))
    fit = TwoPL(fixed=anchors, standard_errors=None).fit(x)
    np.testing.assert_allclose(fit.item_params_.a[:6], anchors.a)
    np.testing.assert_allclose(fit.item_params_.b[:6], anchors.b)
    assert fit.group_means_[0] == pytest.approx(0.5, abs=0.1)
    assert fit.group_sds_[0] == pytest.approx(1.2, abs=0.12)
    assert _rmse(fit.item_params_.b[6:], bank.b[6:]) <= 0.12


# ---------------------------------------------------------------- standard errors
def _marginal_loglik(x, bank_model, params_vec, template: State, theta):
    design = Design.build(
        x, np.ones(x.shape[0]), np.zeros(x.shape[0], dtype=np.int64), 1
    )
    _, ll = posterior(design, template.unpack(params_vec), theta)
    return ll.sum()


def test_louis_standard_errors_match_numerical_hessian():
    """SEs from Louis's identity equal those from a finite-difference Hessian."""
    _, x = _data("2pl", 5, 800, seed=10)
    fit = TwoPL(tol=1e-8, max_iter=2000).fit(x)
    theta = fit.quadrature_
    ip = fit.item_params_
    internal = _blocks.from_reported("2pl", ip.a, ip.c, ip.thresholds)
    block = _blocks.Block("2pl", 2, np.arange(5), internal)
    template = State(
        [block], np.zeros(1), np.ones(1), np.zeros(1, bool), np.zeros(1, bool)
    )
    v0 = template.pack()
    h = 1e-4
    k = v0.size
    hess = np.zeros((k, k))
    f = lambda v: _marginal_loglik(x, "2pl", v, template, theta)  # noqa: E731
    for i in range(k):
        for j in range(i, k):
            e_i, e_j = np.eye(k)[i] * h, np.eye(k)[j] * h
            hess[i, j] = hess[j, i] = (
                f(v0 + e_i + e_j)
                - f(v0 + e_i - e_j)
                - f(v0 - e_i + e_j)
                + f(v0 - e_i - e_j)
            ) / (4 * h * h)
    numeric = np.sqrt(np.diag(np.linalg.inv(-hess)))
    np.testing.assert_allclose(np.sqrt(np.diag(fit.covariance_)), numeric, rtol=0.02)
    xpd = TwoPL(tol=1e-8, max_iter=2000, standard_errors="xpd").fit(x)
    np.testing.assert_allclose(np.sqrt(np.diag(xpd.covariance_)), numeric, rtol=0.25)
    assert fit.standard_errors_.method == "louis"
    assert np.all(fit.standard_errors_.a > 0) and np.all(fit.standard_errors_.b > 0)


def test_standard_errors_cover_the_truth():
    """Across items, (estimate - truth)/SE has SD near 1 on a booklet design."""
    true, x = _data("2pl", 30, 4000, seed=11, design="booklet")
    fit = TwoPL().fit(x)
    z_b = (fit.item_params_.b - true.b) / fit.standard_errors_.b
    z_a = (fit.item_params_.a - true.a) / fit.standard_errors_.a
    assert 0.6 < np.std(z_b) < 1.5 and 0.6 < np.std(z_a) < 1.5
    item = fit.standard_errors_.item(0)
    assert set(item) == {"a", "b", "c", "thresholds"}


# ---------------------------------------------------------------- convergence, callback
def test_convergence_warning_and_history():
    _, x = _data("2pl", 6, 300, seed=12)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        fit = TwoPL(max_iter=2, standard_errors=None).fit(x)
    assert fit.converged_ is False and fit.n_iter_ == 2 and len(fit.history_) == 2
    fit = TwoPL(standard_errors=None).fit(x)
    assert fit.converged_ and len(fit.history_) == fit.n_iter_
    assert fit.history_[-1] >= fit.history_[0]


def test_callback_reports_progress_and_can_cancel():
    _, x = _data("2pl", 6, 300, seed=13)
    seen = []
    TwoPL(standard_errors=None, callback=lambda i, ll: seen.append((i, ll))).fit(x)
    assert [i for i, _ in seen] == list(range(1, len(seen) + 1))
    with pytest.raises(CalibrationCancelled):
        TwoPL(callback=lambda i, ll: i < 3).fit(x)

    def boom(i, ll):
        raise CalibrationCancelled("stop")

    with pytest.raises(CalibrationCancelled):
        TwoPL(callback=boom).fit(x)


# ---------------------------------------------------------------- estimator contract
@pytest.mark.parametrize(
    "estimator",
    [
        Rasch(),
        TwoPL(),
        ThreePL(),
        GradedResponse(),
        GeneralizedPartialCredit(),
        MMLCalibrator(models="2pl"),
    ],
)
def test_estimator_contract(estimator):
    """fit returns self; no fitted attributes before; clone round-trips."""
    assert not [k for k in vars(estimator) if k.endswith("_")]
    cloned = clone(estimator)
    assert type(cloned) is type(estimator)
    assert cloned.get_params() == estimator.get_params()
    with pytest.raises(NotFittedError):
        estimator.transform(np.zeros((1, 3)))


def test_refit_ignores_last_fit():
    _, x1 = _data("2pl", 6, 400, seed=14)
    _, x2 = _data("2pl", 6, 400, seed=15)
    est = TwoPL(standard_errors=None)
    assert est.fit(x1) is est
    fresh = TwoPL(standard_errors=None).fit(x2)
    est.fit(x2)
    np.testing.assert_allclose(est.item_params_.a, fresh.item_params_.a)
    assert est.n_iter_ == fresh.n_iter_


def test_transform_and_score_samples():
    _, x = _data("2pl", 10, 500, seed=16)
    fit = TwoPL(standard_errors=None).fit(x)
    theta = fit.transform(x)
    assert theta.shape == (500,)
    assert np.corrcoef(theta, np.nansum(x, axis=1))[0, 1] > 0.9
    ll = fit.score_samples(x)
    assert ll.shape == (500,) and np.all(ll < 0)
    assert fit.score(x) == pytest.approx(ll.mean())
    assert fit.log_likelihood_ == pytest.approx(ll.sum(), rel=1e-6)


# ---------------------------------------------------------------- bad input
def test_rejects_code_outside_the_model():
    x = np.zeros((5, 3))
    x[:, 0] = [0, 1, 0, 1, 1]
    x[3, 1] = 2
    with pytest.raises(ResponseError, match=r"row 3, item '1' \(column 1\): code 2"):
        TwoPL().fit(x)


def test_rejects_item_nobody_answered_and_person_without_answers():
    x = np.array([[0, 1, np.nan], [1, 0, np.nan], [1, 1, np.nan]])
    with pytest.raises(ResponseError, match=r"item 'c' \(column 2\): nobody answered"):
        TwoPL(item_ids=["a", "b", "c"]).fit(x)
    x = np.array([[0, 1], [np.nan, np.nan], [1, 0]])
    with pytest.raises(
        ResponseError, match="row 1: this person has no responses"
    ) as err:
        TwoPL().fit(x)
    assert err.value.row == 1


def test_rejects_unused_category_and_bad_shapes():
    x = np.array([[0, 0], [2, 1], [0, 1], [2, 0]], dtype=float)
    with pytest.raises(ResponseError, match="nobody chose category 1"):
        GradedResponse().fit(x)
    with pytest.raises(ResponseError, match="2-D"):
        TwoPL().fit(np.zeros(5))
    with pytest.raises(ValueError, match="models has 3 entries"):
        MMLCalibrator(models=["2pl"] * 3).fit(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="unknown model"):
        MMLCalibrator(models="4pl").fit(np.zeros((4, 2)))


def test_rejects_bad_weights_and_groups():
    _, x = _data("2pl", 4, 50, seed=17)
    w = np.ones(50)
    w[7] = np.nan
    with pytest.raises(ResponseError, match="row 7: sample weight"):
        TwoPL().fit(x, sample_weight=w)
    with pytest.raises(ValueError, match="sample_weight has shape"):
        TwoPL().fit(x, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="groups has shape"):
        TwoPL().fit(x, groups=np.zeros(3))
    with pytest.raises(ValueError, match="reference_group"):
        TwoPL(reference_group="z").fit(x, groups=np.zeros(50))


def test_warnings_are_silent_on_a_normal_fit():
    _, x = _data("2pl", 6, 400, seed=18)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        TwoPL().fit(x)


def test_lognormal_prior_on_slopes_shrinks_them():
    """A tight lognormal prior around a = 1 pulls slopes toward 1."""
    true, x = _data("2pl", 8, 300, seed=19)
    free = TwoPL(standard_errors=None).fit(x).item_params_.a
    tight = TwoPL(prior_a=(0.0, 0.05), standard_errors=None).fit(x).item_params_.a
    assert np.mean(np.abs(np.log(tight))) < 0.5 * np.mean(np.abs(np.log(free)))


def test_pattern_parts_and_dense_mask_give_the_same_e_step():
    """Booklet persons grouped by pattern give the E-step of the full masked matrices."""
    from psychometrics.calibration._em import expected_counts

    true, x = _data("2pl", 12, 600, seed=20, design="booklet")
    internal = _blocks.from_reported("2pl", true.a, true.c, true.thresholds)
    block = _blocks.Block("2pl", 2, np.arange(12), internal)
    state = State(
        [block], np.zeros(1), np.ones(1), np.zeros(1, bool), np.zeros(1, bool)
    )
    theta = np.linspace(-6, 6, 21)
    w, g = np.ones(600), np.zeros(600, dtype=np.int64)
    parts = Design.build(x, w, g, 1)
    dense = Design.build(x, w, g, 1, max_patterns=0)
    assert len(parts.parts) == 6 and len(dense.parts) == 1
    post_p, ll_p = posterior(parts, state, theta)
    post_d, ll_d = posterior(dense, state, theta)
    np.testing.assert_allclose(ll_p.sum(), ll_d.sum(), rtol=1e-12)
    for a, b in zip(
        expected_counts(parts, post_p), expected_counts(dense, post_d), strict=True
    ):
        np.testing.assert_allclose(a, b, atol=1e-9)


def test_random_missingness_uses_the_dense_path_and_recovers():
    """Cells missing completely at random (many patterns): b-RMSE ≤ 0.12."""
    true, x = _data("2pl", 15, 3000, seed=21)
    x[np.random.default_rng(0).random(x.shape) < 0.3] = np.nan
    x[np.isnan(x).all(axis=1), 0] = 1.0
    fit = TwoPL(standard_errors="xpd").fit(x)
    assert _rmse(fit.item_params_.b, true.b) <= 0.12
    assert np.all(np.isfinite(fit.standard_errors_.b))
