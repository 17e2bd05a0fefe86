"""Latent regression and plausible values."""

import numpy as np
import pytest
from scipy import stats
from sklearn.base import clone

from psychometrics import irt
from psychometrics._validation import NotFittedError
from psychometrics.plausible import (
    LatentRegression,
    background_design,
    draw_from_posterior,
    plausible_values,
)
from psychometrics.survey.simulate import simulate_survey

NODES = np.linspace(-5.0, 5.0, 41)


def _gaussian_loglik(x, se, nodes=NODES):
    """Log-likelihood of a normal measurement x = θ + e, e ~ N(0, se²)."""
    return -0.5 * ((nodes[None, :] - x[:, None]) / se) ** 2


def _regression_data(seed=0, n=4000):
    rng = np.random.default_rng(seed)
    g = rng.integers(0, 4, n)
    theta = 0.5 + np.array([0.0, 0.4, -0.3, 0.8])[g] + rng.normal(0, 0.7, n)
    x = theta + rng.normal(0, 0.5, n)
    return _gaussian_loglik(x, 0.5), g, theta


def test_draws_follow_a_known_normal_posterior():
    """Prior N(μ, σ²) × normal likelihood gives a normal posterior; the standardised
    draws pass a Kolmogorov–Smirnov test and are not quadrature nodes."""
    rng = np.random.default_rng(1)
    n = 3000
    x = rng.normal(0, 1.5, n)
    mu = rng.normal(0, 0.5, n)
    sigma, se = 0.8, 0.6
    draws = draw_from_posterior(
        _gaussian_loglik(x, se),
        NODES,
        np.repeat(mu[:, None], 4, axis=1),
        sigma,
        rng=rng,
    )
    prec = 1 / sigma**2 + 1 / se**2
    post_mean = (mu / sigma**2 + x / se**2) / prec
    z = (draws - post_mean[:, None]) * np.sqrt(prec)
    assert stats.kstest(z.ravel(), "norm").pvalue > 0.01
    assert np.isin(draws, NODES).mean() < 1e-3
    # a different prior mean for each draw (β drawn per plausible value)
    shift = 0.3 * np.arange(4)
    draws = draw_from_posterior(
        _gaussian_loglik(x, se), NODES, mu[:, None] + shift, sigma, rng=rng
    )
    post_mean = ((mu[:, None] + shift) / sigma**2 + x[:, None] / se**2) / prec
    z = (draws - post_mean) * np.sqrt(prec)
    assert stats.kstest(z.ravel(), "norm").pvalue > 0.01


def test_em_recovers_the_regression_coefficients_and_residual_sd():
    """β and σ match the regression of the (unobserved) true θ on the groups within
    0.04 (about one SE of β), although each θ is measured with error SD 0.5."""
    ll, g, theta = _regression_data()
    model = LatentRegression(n_components=None).fit(ll, NODES, groups=g)
    assert model.converged_
    means = np.array([theta[g == k].mean() for k in range(4)])
    sample_beta = np.r_[means[0], means[1:] - means[0]]
    np.testing.assert_allclose(model.coef_, sample_beta, atol=0.04)
    resid_sd = np.sqrt(np.mean((theta - means[g]) ** 2))
    assert model.sigma_ == pytest.approx(resid_sd, abs=0.03)
    se = np.sqrt(np.diag(model.coef_cov_))
    assert 0.01 < se[0] < 0.05


def test_plausible_values_keep_the_population_spread_unlike_eap():
    ll, g, theta = _regression_data(seed=2)
    model = LatentRegression().fit(ll, NODES, groups=g)
    pv = model.sample(5, rng=3)
    assert pv.shape == (theta.size, 5)
    assert pv.std(axis=0).mean() == pytest.approx(theta.std(), rel=0.03)
    assert model.posterior_mean_.std() < 0.95 * theta.std()


def test_estimator_contract_fit_returns_self_refit_and_clone():
    ll, g, _ = _regression_data(n=500)
    model = LatentRegression(max_iter=50)
    assert not [k for k in vars(model) if k.endswith("_")]
    with pytest.raises(NotFittedError):
        model.sample()
    assert model.fit(ll, NODES, groups=g) is model
    first = model.coef_.copy()
    model.fit(ll[:250], NODES)  # a refit forgets the groups of the last fit
    assert model.coef_.shape == (1,) and first.shape == (4,)
    twin = clone(model)
    assert twin.get_params() == model.get_params()
    assert not hasattr(twin, "coef_")


def test_same_rng_same_plausible_values():
    ll, g, _ = _regression_data(n=300)
    model = LatentRegression().fit(ll, NODES, groups=g)
    np.testing.assert_array_equal(model.sample(3, rng=7), model.sample(3, rng=7))


def test_background_design_one_hot_pca_and_group_dummies():
    rng = np.random.default_rng(0)
    bg = np.column_stack([rng.integers(0, 3, 200), rng.normal(size=200)])
    bg[5, 1] = np.nan
    x, pca = background_design(
        bg, categorical=[0], n_components=None, groups=[0, 1] * 100
    )
    # intercept + PCs of (3 one-hot + numeric + missing flag) + 1 group dummy
    assert x.shape == (200, 1 + 5 + 1)
    assert pca is not None
    np.testing.assert_allclose(x[:, 0], 1.0)


def test_pv_district_means_beat_eap_averages_on_a_booklet_survey():
    """16 districts with different true means, 2PL items in booklets, ~5,100
    respondents (160–500 a district). Against the respondents' true values, PV district
    means must have RMSE ≤ 0.04 and below 0.8 × the EAP averages' RMSE (EAP with a
    N(0, 1) prior shrinks district means to the city mean); the share at or above 0.3
    RMSE ≤ 0.025. The full-size (10,000) check against the issue's bar (0.020 / 0.013)
    is in benchmarks/bench_survey.py."""
    # given
    rng = np.random.default_rng(0)
    sim = simulate_survey(6400, n_domains=1, rng=rng)
    r = sim.responded
    dist, theta = sim.district[r], sim.theta[r, 0]
    nodes, _ = irt.normal_quadrature(41, bound=5.0)
    ll = irt.log_likelihood(sim.responses[0][r], sim.params[0], nodes)
    # when
    model = LatentRegression(categorical=(0, 1)).fit(
        ll, nodes, background=sim.background[r], groups=dist
    )
    pv = model.sample(10, rng=rng)
    prior = -0.5 * nodes**2
    post = np.exp(ll + prior - (ll + prior).max(axis=1, keepdims=True))
    eap = (post @ nodes) / post.sum(axis=1)
    # then
    count = np.bincount(dist)

    def by_district(v):
        return np.bincount(dist, weights=v) / count

    truth = by_district(theta)
    pv_mean = np.mean([by_district(pv[:, j]) for j in range(10)], axis=0)
    rmse_pv = np.sqrt(np.mean((pv_mean - truth) ** 2))
    rmse_eap = np.sqrt(np.mean((by_district(eap) - truth) ** 2))
    assert rmse_pv <= 0.04
    assert rmse_pv < 0.8 * rmse_eap
    share_true = by_district((theta >= 0.3).astype(float))
    share_pv = np.mean(
        [by_district((pv[:, j] >= 0.3).astype(float)) for j in range(10)], 0
    )
    assert np.sqrt(np.mean((share_pv - share_true) ** 2)) <= 0.025


def test_plausible_values_from_responses_and_item_parameters():
    rng = np.random.default_rng(4)
    params = irt.ItemParameters.dichotomous(
        rng.uniform(0.8, 2, 15), rng.normal(0, 1, 15)
    )
    theta = rng.normal(0, 1, 400)
    p = irt.prob_2pl(params.a, params.b, theta).T
    x = (rng.random(p.shape) < p).astype(float)
    x[:200, :5] = np.nan
    res = plausible_values(x, params, n_draws=4, rng=5)
    assert res.values.shape == (400, 4)
    assert np.corrcoef(res.values[:, 0], theta)[0, 1] > 0.7
    assert "n_draws=4" in repr(res)


def test_latent_regression_errors_name_what_is_wrong():
    ll, g, _ = _regression_data(n=100)
    model = LatentRegression()
    with pytest.raises(
        ValueError, match="nodes has shape \\(40,\\); loglik has 41 columns"
    ):
        model.fit(ll, NODES[:-1])
    with pytest.raises(
        ValueError, match="sample_weight of person 3 is 0.0; weights must be > 0"
    ):
        w = np.ones(100)
        w[3] = 0
        model.fit(ll, NODES, sample_weight=w)
    with pytest.raises(ValueError, match="groups must have shape \\(100,\\)"):
        model.fit(ll, NODES, background=np.ones((100, 2)), groups=g[:50])
    bad = ll.copy()
    bad[7, 3] = np.nan
    with pytest.raises(ValueError, match="loglik of person 7 is nan"):
        model.fit(bad, NODES)
    with pytest.raises(ValueError, match="must be \\(n_persons, n_quadrature\\)"):
        model.fit(ll[0], NODES)


def _unequal_spread_data(seed=1, sizes=(3000, 3000, 3000, 60)):
    """Four groups with residual SDs 0.6, 0.9, 1.2 and 1.2 (the last one small)."""
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(len(sizes)), sizes)
    sd = np.array([0.6, 0.9, 1.2, 1.2])[g]
    theta = np.array([0.0, 0.3, -0.2, 0.1])[g] + rng.normal(0, 1, g.size) * sd
    x = theta + rng.normal(0, 0.45, g.size)
    return _gaussian_loglik(x, 0.45), g, theta


def test_em_recovers_a_residual_sd_per_group_and_shrinks_a_small_group():
    """Each large group's σ_g is its true residual SD within 0.04; the 60-person group
    is pulled towards the pooled σ; with group_variance=False one σ is fitted."""
    ll, g, theta = _unequal_spread_data()
    model = LatentRegression(n_components=None).fit(ll, NODES, groups=g)
    assert model.converged_
    assert list(model.group_labels_) == ["0", "1", "2", "3"]
    true_sd = [np.std(theta[g == k]) for k in range(4)]
    np.testing.assert_allclose(model.group_sigma_[:3], true_sd[:3], atol=0.04)
    small = model.group_sigma_[3]
    assert min(true_sd[3], model.sigma_) - 0.05 < small < max(true_sd[3], model.sigma_)
    assert model.person_sigma_[g == 0] == pytest.approx(model.group_sigma_[0])
    pooled = LatentRegression(n_components=None, group_variance=False).fit(
        ll, NODES, groups=g
    )
    assert pooled.group_sigma_ is None
    assert pooled.sigma_ == pytest.approx(
        np.sqrt(np.mean(np.square(true_sd[:3]))), abs=0.05
    )


def test_group_variances_give_each_group_its_spread_in_the_plausible_values():
    """The spread of plausible values follows each group's true SD, which one shared σ
    cannot: the shared model widens the narrow group and narrows the wide one."""
    ll, g, theta = _unequal_spread_data(seed=2, sizes=(3000, 3000, 3000, 0))
    rng = np.random.default_rng(3)
    own = (
        LatentRegression(n_components=None).fit(ll, NODES, groups=g).sample(5, rng=rng)
    )
    shared = (
        LatentRegression(n_components=None, group_variance=False)
        .fit(ll, NODES, groups=g)
        .sample(5, rng=rng)
    )
    for k, true_sd in ((0, 0.6), (2, 1.2)):
        sd_own = own[g == k].std(axis=0).mean()
        sd_shared = shared[g == k].std(axis=0).mean()
        assert sd_own == pytest.approx(np.std(theta[g == k]), abs=0.04)
        assert abs(sd_shared - true_sd) > abs(sd_own - true_sd)


def test_shrinkage_counts_respondents_not_the_persons_they_stand_for():
    """An over-sampled small district (respondents with small weights) knows its spread
    as well as a large one with as many respondents: scaling one group's weights down
    a hundredfold leaves its σ_g where it was (it was pulled to the pooled σ when the
    shrinkage counted weights)."""
    ll, g, theta = _unequal_spread_data(seed=4, sizes=(600, 600, 600, 600))
    equal = LatentRegression(n_components=None).fit(ll, NODES, groups=g)
    w = np.where(g == 0, 0.01, 1.0)
    small = LatentRegression(n_components=None).fit(
        ll, NODES, groups=g, sample_weight=w
    )
    # (the pooled σ it is shrunk towards moves a little: group 0 weighs less in it)
    assert small.group_sigma_[0] == pytest.approx(equal.group_sigma_[0], abs=0.03)
    own = np.std(theta[g == 0])
    assert abs(small.group_sigma_[0] - own) < abs(small.sigma_ - own) / 4


def test_variance_shrinkage_must_not_be_negative():
    ll, g, _ = _regression_data(n=400)
    with pytest.raises(ValueError, match="variance_shrinkage must be >= 0"):
        LatentRegression(variance_shrinkage=-1).fit(ll, NODES, groups=g)


def test_a_design_built_once_gives_the_same_draws_as_building_it_per_domain():
    """Several domains share one conditioning design: passing it pre-built (the PCA run
    once) changes nothing in the fit or the draws; a broken design is refused."""
    ll, g, _ = _regression_data(seed=3, n=1500)
    rng = np.random.default_rng(0)
    background = np.column_stack([rng.integers(0, 3, 1500), rng.normal(0, 1, 1500)])
    options = dict(categorical=(0,), n_components=0.9)
    own = LatentRegression(**options).fit(ll, NODES, background=background, groups=g)
    x, _pca = background_design(background, groups=g, **options)
    shared = LatentRegression(**options).fit(ll, NODES, design=x, groups=g)
    np.testing.assert_allclose(shared.coef_, own.coef_)
    np.testing.assert_allclose(shared.group_sigma_, own.group_sigma_)
    np.testing.assert_array_equal(own.sample(3, rng=5), shared.sample(3, rng=5))
    with pytest.raises(ValueError, match="design must be a finite 2-D matrix"):
        LatentRegression().fit(ll, NODES, design=np.full((1500, 2), np.nan))
