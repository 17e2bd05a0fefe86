"""The finite-population simulator and its oracle (issue 19)."""

import numpy as np
import pytest

from psychometrics import estimate_ability, simulate_responses
from psychometrics.plausible import LatentRegression, background_design
from psychometrics.survey.population import (
    EDUCATION,
    booklet_mask,
    draw_stratified_sample,
    oracle_plausible_values,
    oracle_plausible_values_unknown_means,
    random_2pl_bank,
    simulate_finite_population,
)

SHARES = [66, 111, 69, 98, 108, 199, 136, 223, 138, 200, 182, 128, 114, 80, 88, 115]


@pytest.fixture(scope="module")
def city():
    rng = np.random.default_rng(11)
    pop = simulate_finite_population(SHARES, size=150_000, rng=rng)
    survey = draw_stratified_sample(pop, n_sampled=4_000, rng=rng)
    return pop, survey, rng


def test_the_city_has_the_issues_shape(city):
    """District SDs 0.8–1.2, covariates explaining about 0.3 within districts, and
    response falling with education."""
    pop, survey, _ = city
    codes = np.searchsorted(np.array(pop.district_labels), pop.district)
    for d in range(len(SHARES)):
        th = pop.theta[codes == d, 0]
        assert 0.75 < th.std() < 1.25
        r2 = np.var(pop.prior_mean[codes == d, 0]) / np.var(th)
        assert 0.12 < r2 < 0.6
    edu = pop.education[survey.index]
    rates = [survey.responded[edu == e].mean() for e in EDUCATION]
    assert rates == sorted(rates) and rates[0] < 0.66 and rates[-1] > 0.77
    sampled_per_district = np.bincount(codes[survey.index])
    assert (
        sampled_per_district.max() - sampled_per_district.min() < 60
    )  # equal allocation


def test_oracle_draws_beat_eap_and_the_fitted_model_comes_close(city):
    """District means from the oracle's draws are closer to the respondents' truth than
    EAP averages; a latent regression with district variances and the covariates
    comes within 1.35 x the oracle on this small sample."""
    pop, survey, rng = city
    ridx = survey.index[survey.responded]
    theta = pop.theta[ridx, 0]
    bank = random_2pl_bank(120, rng=rng)
    x = simulate_responses(
        bank, theta, rng=rng, design=booklet_mask(ridx.size, rng=rng)
    )
    codes = np.searchsorted(np.array(pop.district_labels), pop.district[ridx])

    def by_district(v):
        return np.bincount(codes, weights=v) / np.bincount(codes)

    truth = by_district(theta)
    oracle = oracle_plausible_values(
        x, bank, pop.prior_mean[ridx, 0], pop.residual_sd[ridx, 0], rng=rng
    )
    eap = estimate_ability(x, bank, method="eap").theta
    from psychometrics import irt

    nodes = np.linspace(-7, 7, 121)
    ll = irt.log_likelihood(x, bank, nodes)
    background = np.column_stack(
        [
            np.unique(pop.education[ridx], return_inverse=True)[1],
            np.unique(pop.occupation[ridx], return_inverse=True)[1],
        ]
    ).astype(float)
    model = LatentRegression(categorical=(0, 1), n_components=0.9).fit(
        ll,
        nodes,
        background=background,
        groups=codes,
        covariates=np.column_stack([pop.age_band[ridx], pop.sex[ridx]]),
    )
    pv = model.sample(10, rng=rng)

    def rmse(draws):
        est = np.mean([by_district(draws[:, j]) for j in range(draws.shape[1])], axis=0)
        return float(np.sqrt(np.mean((est - truth) ** 2)))

    floor = rmse(oracle)
    assert floor < rmse(eap[:, None]) / 1.5
    assert rmse(pv) < 1.35 * floor


def test_the_data_floor_lies_between_the_oracle_and_a_fitted_model(city):
    """Each district's mean drawn from its posterior, not given: its draws centre on
    the district's true mean, spread as the data allow, and its district means are less
    accurate than the oracle's (which knows the means) yet no worse than a fitted
    model's."""
    pop, survey, rng = city
    ridx = survey.index[survey.responded]
    theta = pop.theta[ridx, 0]
    bank = random_2pl_bank(120, rng=rng)
    x = simulate_responses(
        bank, theta, rng=rng, design=booklet_mask(ridx.size, rng=rng)
    )
    labels = np.array(pop.district_labels)
    codes = np.searchsorted(labels, pop.district[ridx])
    pop_codes = np.searchsorted(labels, pop.district)
    district_prior = np.bincount(pop_codes, weights=pop.prior_mean[:, 0]) / np.bincount(
        pop_codes
    )
    offset = pop.prior_mean[ridx, 0] - district_prior[codes]
    sd = pop.residual_sd[ridx, 0]

    def by_district(v):
        return np.bincount(codes, weights=v) / np.bincount(codes)

    truth = by_district(theta)
    errors = {"oracle": [], "blind": []}
    for _ in range(4):
        oracle = oracle_plausible_values(x, bank, pop.prior_mean[ridx, 0], sd, rng=rng)
        blind = oracle_plausible_values_unknown_means(
            x, bank, offset, sd, codes, rng=rng
        )
        for name, draws in (("oracle", oracle), ("blind", blind)):
            est = np.mean([by_district(draws[:, j]) for j in range(10)], axis=0)
            errors[name].extend(est - truth)
    rmse = {k: float(np.sqrt(np.mean(np.square(v)))) for k, v in errors.items()}
    assert rmse["oracle"] < rmse["blind"] < 1.6 * rmse["oracle"]
    # unbiased: the mean error over 16 districts x 4 repetitions is near 0
    assert abs(np.mean(errors["blind"])) < 3 * rmse["blind"] / np.sqrt(64) + 0.005
    # moving every district by +1 moves the draws by +1: the means come from the data
    shifted = simulate_responses(
        bank, theta + 1.0, rng=rng, design=booklet_mask(ridx.size, rng=rng)
    )
    moved = oracle_plausible_values_unknown_means(
        shifted, bank, offset, sd, codes, rng=rng
    )
    est = np.mean([by_district(moved[:, j]) for j in range(10)], axis=0)
    assert np.sqrt(np.mean((est - truth - 1.0) ** 2)) < 3 * rmse["blind"]


def test_covariates_enter_as_dummies_beside_the_components():
    rng = np.random.default_rng(0)
    background = rng.normal(size=(50, 3))
    covariates = np.column_stack(
        [rng.choice(["a", "b", "c"], 50), rng.choice(["F", "M"], 50)]
    )
    x, _ = background_design(
        background,
        n_components=None,
        groups=np.repeat([0, 1], 25),
        covariates=covariates,
    )
    assert x.shape == (50, 1 + 3 + 1 + 2 + 1)
    np.testing.assert_array_equal(x[:, -1], covariates[:, 1] == "M")
    with pytest.raises(ValueError, match="covariates must have"):
        background_design(background, covariates=covariates[:10])


def test_shares_must_be_positive():
    with pytest.raises(ValueError, match="two or more positive"):
        simulate_finite_population([1.0, -2.0], size=100, rng=np.random.default_rng(0))
