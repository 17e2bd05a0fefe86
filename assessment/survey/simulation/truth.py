"""The simulated survey's population and its truth: who lives where, how able they are.

:class:`TruthModel` draws every invited person's true ability per literacy domain from
district, education and age effects and a correlated residual; the tables here give the
population's education and occupation by age band and the response propensity. With
the truth kept beside a simulated campaign's survey data (``truth_theta`` and the model
in ``meta``), :func:`true_district_figures` computes the exact population figures and
:func:`survey_recovery` measures a roll-up against them: the figure the issue's
precision bar is stated in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
from scipy.special import ndtr

from assessment.models import Campaign
from assessment.survey.models import Respondent, RollUp, SurveyData, unpack_arrays
from assessment.survey.services import AGE_SHARES, survey_data_latest
from psychometrics.survey import ProficiencyLevels

ABILITY_DOMAINS = ("info", "science", "health")
AGE_BANDS = tuple(AGE_SHARES)  # the background questionnaire's seven bands
SEXES = ("female", "male")
OCCUPATIONS = (
    "public_sector",
    "professional",
    "office",
    "commerce_service",
    "production",
    "agriculture",
    "student",
    "retired",
    "not_working",
    "other",
)
# Response propensity by age band (the young and the oldest answer least).
RESPONSE_RATE = (0.68, 0.74, 0.80, 0.83, 0.85, 0.84, 0.76)

# Education (EDUCATION_ORDER) by age band, roughly the 2020 census of Shanghai.
EDUCATION_BY_AGE = (
    (0.02, 0.15, 0.35, 0.20, 0.25, 0.03),
    (0.02, 0.10, 0.20, 0.25, 0.35, 0.08),
    (0.04, 0.18, 0.25, 0.22, 0.26, 0.05),
    (0.08, 0.30, 0.30, 0.15, 0.15, 0.02),
    (0.15, 0.38, 0.28, 0.10, 0.08, 0.01),
    (0.28, 0.38, 0.22, 0.07, 0.05, 0.00),
    (0.45, 0.30, 0.15, 0.05, 0.05, 0.00),
)
# Occupation (OCCUPATIONS) by age band.
OCCUPATION_BY_AGE = (
    (0.02, 0.06, 0.08, 0.12, 0.06, 0.01, 0.55, 0.00, 0.07, 0.03),
    (0.08, 0.25, 0.22, 0.20, 0.12, 0.01, 0.03, 0.00, 0.06, 0.03),
    (0.09, 0.22, 0.20, 0.22, 0.15, 0.02, 0.00, 0.00, 0.07, 0.03),
    (0.08, 0.16, 0.16, 0.22, 0.20, 0.03, 0.00, 0.03, 0.09, 0.03),
    (0.04, 0.07, 0.06, 0.10, 0.10, 0.03, 0.00, 0.50, 0.07, 0.03),
    (0.00, 0.01, 0.01, 0.02, 0.02, 0.02, 0.00, 0.88, 0.02, 0.02),
    (0.00, 0.00, 0.00, 0.01, 0.00, 0.01, 0.00, 0.96, 0.01, 0.01),
)


# ---------------------------------------------------------------- the population model
@dataclass(frozen=True)
class TruthModel:
    """The true population model: θ_k = μ_dk + β_education + γ_age + σ·e_k.

    ``e`` is standard normal with correlation ``correlation`` between domains. Sex has
    no effect. Everything is stored in ``SurveyData.meta["simulation"]["truth_model"]``,
    so a test can recompute the true district figures with :meth:`district_figures`.
    """

    district_codes: tuple[str, ...]
    domains: tuple[str, ...]
    district_means: tuple[tuple[float, ...], ...]  # (n_districts, n_domains)
    education_effect: tuple[float, ...] = (-0.7, -0.4, -0.1, 0.15, 0.4, 0.6)
    age_effect: tuple[float, ...] = (0.2, 0.25, 0.15, 0.0, -0.2, -0.45, -0.7)
    residual_sd: float = 0.8
    correlation: float = 0.7

    @classmethod
    def draw(
        cls,
        district_codes: Sequence[str],
        *,
        rng: np.random.Generator,
        domains: Sequence[str] = ABILITY_DOMAINS,
        district_sd: float = 0.3,
    ) -> TruthModel:
        n_d, n_k = len(district_codes), len(domains)
        common = rng.normal(0.0, district_sd, n_d)
        common -= common.mean()
        means = common[:, None] + rng.normal(0.0, 0.1, (n_d, n_k))
        return cls(
            tuple(district_codes),
            tuple(domains),
            tuple(tuple(round(float(v), 4) for v in row) for row in means),
        )

    def shifted(self, by: float | Sequence[float] | Mapping[str, float]) -> TruthModel:
        """The same population with every district's true means moved by ``by`` (θ units).

        ``by`` is one shift for all districts, one per district (in ``district_codes``
        order) or a mapping from district code to shift (districts it leaves out keep
        their means); every domain of a district moves alike. An earlier or later wave of
        a survey is the same population model shifted by the change between the waves.
        """
        n_d = len(self.district_codes)
        if isinstance(by, Mapping):
            unknown = sorted(set(by) - set(self.district_codes))
            if unknown:
                raise ValueError(f"shift: unknown district code(s) {unknown}")
            shift = np.array([float(by.get(c, 0.0)) for c in self.district_codes])
        else:
            shift = (
                np.broadcast_to(np.asarray(by, dtype=float), (n_d,))
                if np.ndim(by) == 0
                else np.asarray(by, dtype=float)
            )
            if shift.shape != (n_d,):
                raise ValueError(
                    f"shift: expected one value or {n_d} (one per district), "
                    f"got {shift.size}"
                )
        if not np.all(np.isfinite(shift)):
            raise ValueError("shift: every district's shift must be a finite number")
        means = np.asarray(self.district_means, dtype=float) + shift[:, None]
        return replace(
            self,
            district_means=tuple(
                tuple(round(float(v), 4) for v in row) for row in means
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TruthModel:
        d = dict(data)
        d["district_codes"] = tuple(d["district_codes"])
        d["domains"] = tuple(d["domains"])
        d["district_means"] = tuple(tuple(r) for r in d["district_means"])
        d["education_effect"] = tuple(d["education_effect"])
        d["age_effect"] = tuple(d["age_effect"])
        return cls(**d)

    def conditional_mean(
        self, district: np.ndarray, age: np.ndarray, education: np.ndarray
    ) -> np.ndarray:
        """Mean of θ given district, age band and education codes, shape (n, n_domains)."""
        mu = np.asarray(self.district_means)[district]
        return (
            mu
            + np.asarray(self.education_effect)[education][:, None]
            + np.asarray(self.age_effect)[age][:, None]
        )

    def draw_theta(
        self,
        district: np.ndarray,
        age: np.ndarray,
        education: np.ndarray,
        *,
        rng: np.random.Generator,
    ) -> np.ndarray:
        n, k = district.size, len(self.domains)
        shared = rng.normal(size=(n, 1))
        own = rng.normal(size=(n, k))
        e = np.sqrt(self.correlation) * shared + np.sqrt(1 - self.correlation) * own
        return self.conditional_mean(district, age, education) + self.residual_sd * e

    def district_figures(
        self,
        population: Mapping[tuple[str, str, str], float],
        *,
        domain: str,
        cut: float,
    ) -> tuple[dict[str, float], dict[str, float]]:
        """Exact population mean and share at or above ``cut`` per district (and "" = city).

        ``population`` maps (district code, age band, sex) to the number of residents
        (the design's strata). Within a stratum θ is a mixture over education of normals,
        so both figures are sums of closed forms; no Monte Carlo error.
        """
        k = self.domains.index(domain)
        pos = {c: i for i, c in enumerate(self.district_codes)}
        edu_p = np.asarray(EDUCATION_BY_AGE, dtype=float)
        edu_p /= edu_p.sum(axis=1, keepdims=True)
        beta = np.asarray(self.education_effect)
        tot: dict[str, float] = {}
        mean: dict[str, float] = {}
        share: dict[str, float] = {}
        for (dc, band, _sex), pop in population.items():
            a = AGE_BANDS.index(band)
            mu = self.district_means[pos[dc]][k] + self.age_effect[a] + beta
            m = float(edu_p[a] @ mu)
            s = float(edu_p[a] @ ndtr((mu - cut) / self.residual_sd))
            for key in (dc, ""):
                tot[key] = tot.get(key, 0.0) + pop
                mean[key] = mean.get(key, 0.0) + pop * m
                share[key] = share.get(key, 0.0) + pop * s
        return (
            {k_: mean[k_] / tot[k_] for k_ in tot},
            {k_: share[k_] / tot[k_] for k_ in tot},
        )


def true_district_figures(
    campaign: Campaign, *, domain: str, cut: float
) -> tuple[dict[str, float], dict[str, float]]:
    """True mean and share at or above ``cut`` per district of a simulated campaign."""

    data = survey_data_latest(campaign)
    truth = TruthModel.from_dict(data.meta["simulation"]["truth_model"])
    population = {
        (s.district_code, s.age_band, s.sex): float(s.population)
        for s in campaign.sample_design.strata.all()
    }
    return truth.district_figures(population, domain=domain, cut=cut)


# ---------------------------------------------------------------- recovery of the truth
# The precision bar for the simulated 10,000-person survey (issue 6).
BAR_RMSE_MEAN = 0.020
BAR_RMSE_SHARE = 0.013
BAR_COVERED = (
    14 / 16
)  # share of districts whose true attainment rate is inside the 95% CI


@dataclass(frozen=True)
class DomainRecovery:
    """How well a roll-up of a simulated survey recovers one domain's district figures.

    ``rmse_mean`` and ``rmse_share`` compare every district's published mean and share
    at or above the attained cut with the same figures of its respondents' true
    abilities, weighted with the roll-up's final weights: the error that measurement,
    calibration and imputation add. ``covered_share`` and ``covered_mean`` count the
    districts whose true population figure (:func:`true_district_figures`, so sampling
    error counts too) falls inside the published 95% interval.
    """

    domain: str
    cut: float
    n_districts: int
    rmse_mean: float
    rmse_share: float
    bias_mean: float
    bias_share: float
    covered_mean: int
    covered_share: int

    @property
    def covered_needed(self) -> int:
        return int(np.ceil(BAR_COVERED * self.n_districts - 1e-9))

    @property
    def meets_bar(self) -> bool:
        return (
            self.rmse_mean <= BAR_RMSE_MEAN
            and self.rmse_share <= BAR_RMSE_SHARE
            and self.covered_share >= self.covered_needed
        )

    def __str__(self) -> str:
        return (
            f"{self.domain}: district-mean RMSE {self.rmse_mean:.4f} (bar {BAR_RMSE_MEAN:.3f}), "
            f"share ≥ {self.cut:+.2f} RMSE {self.rmse_share:.4f} (bar {BAR_RMSE_SHARE:.3f}), "
            f"true attainment rate inside the 95% CI in {self.covered_share}/"
            f"{self.n_districts} districts (bar {self.covered_needed}), true mean inside in "
            f"{self.covered_mean}/{self.n_districts}; mean bias {self.bias_mean:+.4f}, "
            f"share bias {self.bias_share:+.4f} -> {'bar met' if self.meets_bar else 'BAR NOT MET'}"
        )


def survey_recovery(*, campaign: Campaign, rollup=None) -> dict[str, DomainRecovery]:
    """The roll-up's district figures against the simulation's truth, per ability domain.

    ``rollup`` defaults to the campaign's latest. Only a campaign frozen by the
    simulation (true abilities and the population model stored) can be measured.
    """
    from django.core.exceptions import ValidationError

    data = SurveyData.objects.filter(campaign=campaign).first()
    sim = (data.meta.get("simulation") or {}) if data is not None else {}
    if "truth_model" not in sim:
        raise ValidationError(
            {
                "campaign": f"campaign {campaign.pk} is not a simulated survey "
                "with known truth"
            }
        )
    if rollup is None:
        rollup = (
            RollUp.objects.filter(campaign=campaign)
            .order_by("-created_at", "-pk")
            .first()
        )
    if rollup is None or rollup.campaign_id != campaign.pk:
        raise ValidationError(
            {
                "rollup": f"campaign {campaign.pk} has no roll-up to measure; "
                "run the jobs first"
            }
        )
    arrays = unpack_arrays(data.arrays)
    rows = list(
        Respondent.objects.filter(campaign=campaign, responded=True)
        .order_by("row")
        .values_list("pseudo_id", "district_code")
    )
    weights = unpack_arrays(rollup.weight_set.arrays)
    if [str(p) for p in weights["pseudo_id"]] != [p for p, _d in rows]:
        raise ValidationError(
            {"rollup": "the roll-up's weights belong to another set of respondents"}
        )
    w = np.asarray(weights["final"], dtype=float)
    district = np.array([d for _p, d in rows])
    codes = list(sim["district_codes"])
    truth = np.asarray(arrays["truth_theta"], dtype=float)
    truth_domains = list(sim["truth_theta_domains"])
    cells = {
        (c.domain_code, c.district_code, c.indicator): c
        for c in rollup.cells.filter(
            breakdown="", category="", indicator__in=("mean_theta", "attainment_rate")
        )
    }
    out: dict[str, DomainRecovery] = {}
    for d, spec in rollup.provenance.get("cut_scores", {}).items():
        if d not in truth_domains:
            continue
        cut = ProficiencyLevels(
            d, tuple(spec["cuts"]), tuple(spec["labels"]), spec["attained"]
        ).attained_cut
        pop_mean, pop_share = true_district_figures(campaign, domain=d, cut=cut)
        theta = truth[:, truth_domains.index(d)]
        err_m, err_s, cov_m, cov_s = [], [], 0, 0
        for code in codes:
            m_cell = cells.get((d, code, "mean_theta"))
            s_cell = cells.get((d, code, "attainment_rate"))
            here = district == code
            if (
                m_cell is None
                or s_cell is None
                or m_cell.estimate is None
                or not here.any()
            ):
                continue  # suppressed or empty: nothing published to measure
            wt = w[here]
            err_m.append(m_cell.estimate - float(wt @ theta[here] / wt.sum()))
            err_s.append(
                s_cell.estimate / 100 - float(wt @ (theta[here] >= cut) / wt.sum())
            )
            cov_m += m_cell.ci_low <= pop_mean[code] <= m_cell.ci_high
            cov_s += s_cell.ci_low <= 100 * pop_share[code] <= s_cell.ci_high
        if not err_m:
            continue
        out[d] = DomainRecovery(
            domain=d,
            cut=float(cut),
            n_districts=len(err_m),
            rmse_mean=float(np.sqrt(np.mean(np.square(err_m)))),
            rmse_share=float(np.sqrt(np.mean(np.square(err_s)))),
            bias_mean=float(np.mean(err_m)),
            bias_share=float(np.mean(err_s)),
            covered_mean=int(cov_m),
            covered_share=int(cov_s),
        )
    return out
