"""Simulate a booklet survey with known truth, for tests, benchmarks and the demo.

Sixteen districts (by default) with different true means, strata district × age band ×
sex, a background questionnaire that predicts ability, non-response that depends on age,
and a balanced booklet design: each domain's items sit in three blocks, each booklet
holds two blocks of every domain, so a third of each domain's items are missing by design.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from psychometrics.irt import ItemParameters
from psychometrics.survey._common import FloatArray, IntArray
from psychometrics.survey.design import SampleDesign, Strata, allocate

AGE_BANDS = ("15-34", "35-59", "60+")
RESIDUAL_SD = 0.8
SEXES = ("F", "M")


@dataclass(frozen=True, repr=False)
class SimulatedSurvey:
    """A simulated survey: the sample, the respondents' answers and the truth.

    Attributes
    ----------
    design : SampleDesign
    district, age_band, sex, stratum : ndarray, shape (n_sampled,)
        Labels (district and stratum as integer codes) of everyone sampled.
    responded : ndarray of bool, shape (n_sampled,)
    theta : ndarray, shape (n_sampled, n_domains)
        True abilities.
    background : ndarray, shape (n_sampled, 6)
        Columns: education (0–4, categorical), employed (0/1, categorical), internet
        hours, reading frequency, a noise item, self-rated skill; ``nan`` = missing.
    responses : list of ndarray, each (n_sampled, n_items)
        Per domain; ``nan`` = not in the booklet.
    params : list of ItemParameters
    district_means : ndarray, shape (n_districts,)
        District effects (the same in every domain).
    conditional_mean : ndarray, shape (n_sampled, n_domains)
        True mean of θ given district and background (the true population model);
        the residual SD is :data:`RESIDUAL_SD`.
    """

    design: SampleDesign
    district: IntArray
    age_band: IntArray
    sex: IntArray
    stratum: IntArray
    responded: np.ndarray
    theta: FloatArray
    background: FloatArray
    responses: list[FloatArray]
    params: list[ItemParameters]
    district_means: FloatArray
    conditional_mean: FloatArray

    def __repr__(self) -> str:
        return (
            f"SimulatedSurvey(n_sampled={self.district.size}, "
            f"n_respondents={int(self.responded.sum())}, n_domains={self.theta.shape[1]})"
        )


def simulate_survey(
    n_sample: int,
    *,
    n_districts: int = 16,
    n_domains: int = 3,
    items_per_block: int = 10,
    response_rate: float = 0.8,
    district_sd: float = 0.3,
    rng: np.random.Generator,
) -> SimulatedSurvey:
    """Draw a stratified sample from a synthetic city and simulate its answers.

    Parameters
    ----------
    n_sample : int
        Persons sampled (respondents ≈ ``response_rate`` of them).
    n_districts, n_domains : int
    items_per_block : int
        Items per block; a domain has 3 blocks, a booklet 2 of them.
    response_rate : float
        Average response rate (lower for the youngest band).
    district_sd : float
        SD of the true district means.
    rng : numpy.random.Generator

    Returns
    -------
    SimulatedSurvey
    """
    counts: dict[tuple[Hashable, Hashable, Hashable], int] = {}
    size = rng.uniform(0.4, 2.0, n_districts)
    for d in range(n_districts):
        for a, share_a in enumerate((0.3, 0.45, 0.25)):
            for s in range(2):
                counts[(d, a, s)] = int(200_000 * size[d] * share_a * 0.5) + 50
    strata = Strata.from_counts(counts)
    n_per_district = max(1, n_sample // (2 * n_districts))
    design = allocate(strata, n_sample, method="minimum", minimum=n_per_district)
    # persons are generated i.i.d. within strata, so the sample is the allocation itself
    h = np.repeat(np.arange(strata.n_strata), design.allocation)
    n = h.size
    district = np.asarray(strata.district, dtype=np.intp)[h]
    age = np.asarray(strata.age_band, dtype=np.intp)[h]
    sex = np.asarray(strata.sex, dtype=np.intp)[h]
    d_means = np.sort(rng.normal(0.0, district_sd, n_districts))
    d_means = d_means - d_means.mean()
    rng.shuffle(d_means)
    bg, theta, cond = _draw_persons(district, age, d_means, n_domains, rng)
    responded = rng.random(n) < np.clip(response_rate + 0.1 * (age - 1), 0.05, 1.0)
    booklet = rng.integers(0, 3, n)
    responses, params = [], []
    n_items = 3 * items_per_block
    for k in range(n_domains):
        disc = rng.uniform(0.8, 2.0, n_items)
        diff = rng.normal(0.0, 1.0, n_items)
        p = ItemParameters.dichotomous(disc, diff, model="2pl")
        prob = expit(disc[None, :] * (theta[:, k, None] - diff[None, :]))
        x = (rng.random(prob.shape) < prob).astype(float)
        block = np.arange(n_items) // items_per_block  # 0, 1, 2
        # booklet j holds blocks j and j+1 (mod 3)
        in_booklet = (block[None, :] == booklet[:, None]) | (
            block[None, :] == (booklet[:, None] + 1) % 3
        )
        x[~in_booklet] = np.nan
        responses.append(x)
        params.append(p)
    return SimulatedSurvey(
        design=design,
        district=district,
        age_band=age,
        sex=sex,
        stratum=h,
        responded=responded,
        theta=theta,
        background=bg,
        responses=responses,
        params=params,
        district_means=d_means,
        conditional_mean=cond,
    )


def _draw_persons(
    district: IntArray,
    age: IntArray,
    d_means: FloatArray,
    n_domains: int,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Background answers, true abilities and their conditional means."""
    n = district.size
    # education and internet use drive ability
    educ = np.clip(np.round(rng.normal(2 - 0.5 * (age - 1), 1.0, n)), 0, 4)
    employed = (rng.random(n) < np.where(age == 2, 0.2, 0.75)).astype(float)
    internet = rng.normal(0.0, 1.0, n) - 0.4 * (age - 1)
    reading = rng.normal(0.0, 1.0, n)
    noise = rng.normal(0.0, 1.0, n)
    common = 0.25 * (educ - 2) + 0.2 * internet + 0.1 * reading - 0.15 * (age - 1)
    self_rated = common + rng.normal(0.0, 0.8, n)
    bg = np.column_stack([educ, employed, internet, reading, noise, self_rated])
    bg[rng.random(bg.shape) < 0.03] = np.nan
    corr, resid_sd = 0.7, RESIDUAL_SD
    shared = rng.normal(0.0, 1.0, n)
    theta = np.empty((n, n_domains))
    for k in range(n_domains):
        own = rng.normal(0.0, 1.0, n)
        e = resid_sd * (np.sqrt(corr) * shared + np.sqrt(1 - corr) * own)
        theta[:, k] = d_means[district] + common + e
    cond = np.repeat((d_means[district] + common)[:, None], n_domains, axis=1)
    return bg, theta, cond


def population_truth(
    sim: SimulatedSurvey,
    cut: float,
    *,
    n_per_stratum: int = 4000,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray]:
    """Monte Carlo population mean and share at or above ``cut`` per district.

    Draws ``n_per_stratum`` persons in every stratum from the simulation's model and
    weights strata by their population.

    Returns
    -------
    mean, share : ndarray, shape (n_districts, n_domains)
    """
    st = sim.design.strata
    h = np.repeat(np.arange(st.n_strata), n_per_stratum)
    district = np.asarray(st.district, dtype=np.intp)[h]
    age = np.asarray(st.age_band, dtype=np.intp)[h]
    _, theta, _ = _draw_persons(
        district, age, sim.district_means, sim.theta.shape[1], rng
    )
    w = (st.population / n_per_stratum)[h]
    n_d = sim.district_means.size
    tot = np.bincount(district, weights=w, minlength=n_d)
    mean = np.column_stack(
        [np.bincount(district, weights=w * t, minlength=n_d) / tot for t in theta.T]
    )
    share = np.column_stack(
        [
            np.bincount(district, weights=w * (t >= cut), minlength=n_d) / tot
            for t in theta.T
        ]
    )
    return mean, share


def population_margins(design: SampleDesign) -> dict[str, dict[Hashable, float]]:
    """Population totals by district, age band and sex, from the design's strata."""
    st = design.strata
    out: dict[str, dict[Hashable, float]] = {"district": {}, "age_band": {}, "sex": {}}
    for d, a, s, n in zip(st.district, st.age_band, st.sex, st.population, strict=True):
        for name, key in (("district", d), ("age_band", a), ("sex", s)):
            out[name][key] = out[name].get(key, 0.0) + float(n)
    return out
