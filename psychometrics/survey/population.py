"""A finite city population, a survey drawn from it, and the oracle's plausible values.

Harder than :func:`psychometrics.survey.simulate.simulate_survey` in the ways that
matter for district estimates (issue 19):

- a finite population (default about 2 million) spread over districts by their census
  shares, with education (4 levels) and occupation (5) that differ by district and age;
- ability that depends on education, occupation, age band and sex (the same effects in
  every district, explaining about 0.3 of the within-district variance) and a district
  SD of its own between 0.8 and 1.2;
- response rates falling from about 0.82 for the most educated to 0.61 for the least,
  so a design that weights only by district × age band × sex is biased;
- true item parameters drawn on their own (2PL, 8 clusters of 15 items, booklets of two
  clusters: 30 items a respondent), so a calibration's error counts.

:func:`oracle_plausible_values` draws each respondent's plausible values from the
posterior under the true items and the true population model: the floor no estimator
can beat on the same sample.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from psychometrics import irt
from psychometrics.irt import ItemParameters
from psychometrics.plausible import draw_from_posterior
from psychometrics.survey._common import FloatArray

EDUCATION = ("primary", "lower_secondary", "upper_secondary", "tertiary")
OCCUPATIONS = ("manager", "professional", "clerical", "service", "manual")
AGE_BANDS = ("15-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")
SEXES = ("F", "M")
RESPONSE_RATE = {
    "primary": 0.61,
    "lower_secondary": 0.68,
    "upper_secondary": 0.75,
    "tertiary": 0.82,
}
R2_WITHIN = 0.3


@dataclass(frozen=True, repr=False)
class FinitePopulation:
    """Every person's frame variables, background and true abilities.

    Attributes
    ----------
    district, age_band, sex, education, occupation : ndarray of str, shape (N,)
    theta : ndarray, shape (N, n_domains)
    prior_mean : ndarray, shape (N, n_domains)
        The true population model's mean of each person's ability.
    district_sd : ndarray, shape (n_districts, n_domains)
        Within-district SD of ability (0.8 to 1.2).
    district_residual_sd : ndarray, shape (n_districts, n_domains)
        Residual SD of the true population model in each district.
    district_labels : tuple of str
    """

    district: np.ndarray
    age_band: np.ndarray
    sex: np.ndarray
    education: np.ndarray
    occupation: np.ndarray
    theta: FloatArray
    prior_mean: FloatArray
    district_sd: FloatArray
    district_residual_sd: FloatArray
    district_labels: tuple[str, ...]

    @property
    def residual_sd(self) -> FloatArray:
        """Each person's residual SD under the true model, shape (N, n_domains)."""
        codes = np.searchsorted(np.array(self.district_labels), self.district)
        return np.asarray(self.district_residual_sd[codes])

    def __repr__(self) -> str:
        return (
            f"FinitePopulation(N={self.district.size:,}, "
            f"districts={len(self.district_labels)}, domains={self.theta.shape[1]})"
        )


def simulate_finite_population(
    shares: Sequence[float],
    *,
    size: int = 2_000_000,
    n_domains: int = 1,
    rng: np.random.Generator,
) -> FinitePopulation:
    """Build a city of ``size`` persons over districts with the given census shares."""
    shares_arr = np.asarray(shares, dtype=np.float64)
    if shares_arr.ndim != 1 or shares_arr.size < 2 or (shares_arr <= 0).any():
        raise ValueError("shares must be two or more positive numbers")
    n_d = shares_arr.size
    labels = tuple(f"{k:02d}" for k in range(n_d))
    d_code = rng.choice(n_d, size=size, p=shares_arr / shares_arr.sum())
    age = rng.choice(
        len(AGE_BANDS), size=size, p=[0.12, 0.18, 0.18, 0.17, 0.15, 0.12, 0.08]
    )
    sex = rng.integers(0, 2, size)
    # education: better in central districts and younger bands
    centrality = rng.uniform(-0.6, 0.6, n_d)
    z = centrality[d_code] - 0.25 * (age - 3) + rng.normal(0, 1, size)
    education = np.digitize(z, [-1.0, -0.1, 0.7])  # 0..3
    occ_z = 0.8 * education + rng.normal(0, 1, size)
    occupation = 4 - np.digitize(occ_z, [0.2, 1.0, 1.8, 2.6])  # 0 manager .. 4 manual
    theta = np.empty((size, n_domains))
    prior_mean = np.empty((size, n_domains))
    district_sd = np.empty((n_d, n_domains))
    residual_sd = np.empty((n_d, n_domains))
    for k in range(n_domains):
        mu_d = rng.normal(0.0, 0.3, n_d)
        sd_d = rng.uniform(0.8, 1.2, n_d)
        district_sd[:, k] = sd_d
        edu_eff = np.array([-0.9, -0.3, 0.2, 0.7]) + rng.normal(0, 0.05, 4)
        occ_eff = np.array([0.4, 0.5, 0.1, -0.2, -0.5]) + rng.normal(0, 0.05, 5)
        age_eff = np.array([0.3, 0.35, 0.2, 0.0, -0.2, -0.45, -0.7])
        sex_eff = np.array([0.05, -0.05]) * (1 if k % 2 else -1)
        x = edu_eff[education] + occ_eff[occupation] + age_eff[age] + sex_eff[sex]
        # the same effects in every district, scaled so that they explain R² = 0.3 of a
        # unit within-district variance; each district's residual variance makes up its
        # own SD (so R² runs from about 0.2 in the widest district to 0.45 in the
        # narrowest)
        cnt = np.bincount(d_code, minlength=n_d)
        mean_x = np.bincount(d_code, weights=x, minlength=n_d) / cnt
        var_x = np.bincount(d_code, weights=x * x, minlength=n_d) / cnt - mean_x**2
        scale = np.sqrt(R2_WITHIN / np.average(var_x, weights=cnt))
        centred = scale * (x - mean_x[d_code])
        prior_mean[:, k] = mu_d[d_code] + centred
        resid_var = sd_d**2 - scale**2 * var_x
        residual_sd[:, k] = np.sqrt(resid_var)
        theta[:, k] = prior_mean[:, k] + residual_sd[d_code, k] * rng.standard_normal(
            size
        )
    as_text = np.asarray
    return FinitePopulation(
        district=as_text(labels)[d_code],
        age_band=as_text(AGE_BANDS)[age],
        sex=as_text(SEXES)[sex],
        education=as_text(EDUCATION)[education],
        occupation=as_text(OCCUPATIONS)[occupation],
        theta=theta,
        prior_mean=prior_mean,
        district_sd=district_sd,
        district_residual_sd=residual_sd,
        district_labels=labels,
    )


@dataclass(frozen=True, repr=False)
class DrawnSurvey:
    """A stratified sample of a :class:`FinitePopulation` and who answered.

    Attributes
    ----------
    index : ndarray of int, shape (n_sampled,)
        Rows of the population sampled.
    inclusion_probability : ndarray, shape (n_sampled,)
    responded : ndarray of bool, shape (n_sampled,)
    """

    index: np.ndarray
    inclusion_probability: FloatArray
    responded: np.ndarray

    def __repr__(self) -> str:
        return (
            f"DrawnSurvey(n_sampled={self.index.size:,}, "
            f"n_respondents={int(self.responded.sum()):,})"
        )


def draw_stratified_sample(
    population: FinitePopulation,
    *,
    n_sampled: int,
    rng: np.random.Generator,
) -> DrawnSurvey:
    """Equal allocation over districts, proportional to age band × sex within each;
    response depends on education (:data:`RESPONSE_RATE`)."""
    keys = np.char.add(
        np.char.add(population.district, "|"),
        np.char.add(population.age_band, population.sex),
    )
    strata, codes, counts = np.unique(keys, return_inverse=True, return_counts=True)
    codes = codes.reshape(-1)
    n_d = len(population.district_labels)
    per_district = n_sampled / n_d
    district_of = np.array([s.split("|")[0] for s in strata])
    d_total = {d: counts[district_of == d].sum() for d in population.district_labels}
    alloc = np.array(
        [
            per_district * c / d_total[d]
            for d, c in zip(district_of, counts, strict=True)
        ]
    )
    alloc = np.maximum(np.round(alloc).astype(int), 2)
    alloc = np.minimum(alloc, counts)
    order = np.argsort(codes, kind="stable")
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    picked = []
    for s in range(strata.size):
        members = order[starts[s] : starts[s] + counts[s]]
        picked.append(rng.choice(members, size=alloc[s], replace=False))
    index = np.concatenate(picked)
    pi = (alloc / counts)[codes[index]]
    rate = np.vectorize(RESPONSE_RATE.get)(population.education[index])
    responded = rng.random(index.size) < rate
    return DrawnSurvey(index, pi.astype(np.float64), responded)


def random_2pl_bank(n_items: int, *, rng: np.random.Generator) -> ItemParameters:
    """True item parameters drawn on their own: a ~ lognormal(0, 0.3), b ~ N(0, 1)."""
    a = np.clip(rng.lognormal(0.0, 0.3, n_items), 0.4, 2.8)
    b = rng.normal(0.0, 1.0, n_items)
    return ItemParameters.dichotomous(
        a, b, model="2pl", item_ids=tuple(f"i{j:03d}" for j in range(n_items))
    )


def booklet_mask(
    n_persons: int,
    *,
    n_clusters: int = 8,
    cluster_size: int = 15,
    rng: np.random.Generator,
) -> np.ndarray:
    """Booklet ``k`` holds clusters ``k`` and ``k + 1`` (mod ``n_clusters``)."""
    booklet = rng.integers(0, n_clusters, n_persons)
    mask = np.zeros((n_persons, n_clusters * cluster_size), dtype=bool)
    cluster_of_item = np.repeat(np.arange(n_clusters), cluster_size)
    for k in range(n_clusters):
        rows = booklet == k
        cols = (cluster_of_item == k) | (cluster_of_item == (k + 1) % n_clusters)
        mask[np.ix_(rows, cols)] = True
    return mask


def oracle_plausible_values(
    responses: FloatArray,
    true_params: ItemParameters,
    prior_mean: FloatArray,
    prior_sd: FloatArray,
    *,
    n_draws: int = 10,
    n_quadrature: int = 121,
    rng: np.random.Generator,
) -> FloatArray:
    """Draws from each person's posterior under the true items and population model.

    Parameters
    ----------
    responses : ndarray, shape (n, n_items)
        ``nan`` where not administered.
    true_params : ItemParameters
    prior_mean, prior_sd : ndarray, shape (n,)
        The true population model of each person: θ ~ N(prior_mean, prior_sd²).

    Returns
    -------
    ndarray, shape (n, n_draws)
    """

    nodes = np.linspace(-7.0, 7.0, n_quadrature)
    ll = irt.log_likelihood(responses, true_params, nodes)
    mean = np.repeat(np.asarray(prior_mean, dtype=np.float64)[:, None], n_draws, axis=1)
    return draw_from_posterior(
        ll, nodes, mean, np.asarray(prior_sd, dtype=np.float64), rng=rng
    )


def oracle_plausible_values_unknown_means(
    responses: FloatArray,
    true_params: ItemParameters,
    offset: FloatArray,
    prior_sd: FloatArray,
    groups: np.ndarray,
    *,
    n_draws: int = 10,
    n_quadrature: int = 121,
    rng: np.random.Generator,
) -> FloatArray:
    """The oracle without the group means: what the data allow at best.

    The true items and the true within-group model (each person's offset from their
    group's mean and the group's residual SD) are known; each group's mean ``α_g`` is not
    and has a flat prior. Each draw takes ``α_g`` from its posterior given the group's
    responses (on a grid, exact for the model), then each person's ability given it.
    :func:`oracle_plausible_values` knows ``α_g`` as well: the difference between the two
    is the part of the oracle's lead that no estimator from the data can close.

    Parameters
    ----------
    responses : ndarray, shape (n, n_items)
        ``nan`` where not administered.
    true_params : ItemParameters
    offset : ndarray, shape (n,)
        Each person's true prior mean minus their group's mean.
    prior_sd : ndarray, shape (n,)
        The true residual SD of each person (one per group).
    groups : ndarray, shape (n,)
        Group labels.

    Returns
    -------
    ndarray, shape (n, n_draws)
    """

    nodes = np.linspace(-7.0, 7.0, n_quadrature)
    step = nodes[1] - nodes[0]
    ll = irt.log_likelihood(responses, true_params, nodes)
    ll_max = ll.max(axis=1, keepdims=True)
    lik = np.exp(ll - ll_max)
    offset = np.asarray(offset, dtype=np.float64)
    sd = np.asarray(prior_sd, dtype=np.float64)
    mean = np.empty((offset.size, n_draws))

    def log_posterior(rows: np.ndarray, alpha: FloatArray) -> FloatArray:
        out = np.zeros(alpha.size)
        for start in range(0, rows.size, 128):
            r = rows[start : start + 128]
            # prior of person i at node q for each α: N(θ_q; α + offset_i, sd_i²)
            z = (
                nodes[None, :, None] - offset[r, None, None] - alpha[None, None, :]
            ) / sd[r, None, None]
            dens = np.exp(-0.5 * z * z) / sd[r, None, None]
            out += np.log(np.einsum("iq,iqa->ia", lik[r], dens) * step).sum(0)
        return out

    for g in np.unique(groups):
        rows = np.flatnonzero(groups == g)
        coarse = np.linspace(-3.0, 3.0, 121)
        centre = coarse[int(np.argmax(log_posterior(rows, coarse)))]
        alpha = centre + np.linspace(-0.3, 0.3, 301)
        log_post = log_posterior(rows, alpha)
        post = np.exp(log_post - log_post.max())
        cdf = np.cumsum(post)
        cdf /= cdf[-1]
        draws = np.interp(rng.random(n_draws), cdf, alpha)
        mean[rows] = offset[rows, None] + draws[None, :]
    return draw_from_posterior(ll, nodes, mean, sd, rng=rng)


__all__ = [
    "EDUCATION",
    "DrawnSurvey",
    "FinitePopulation",
    "booklet_mask",
    "draw_stratified_sample",
    "oracle_plausible_values",
    "oracle_plausible_values_unknown_means",
    "random_2pl_bank",
    "simulate_finite_population",
]
