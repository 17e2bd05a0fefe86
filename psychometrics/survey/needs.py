"""Learning-needs profiles and the satisfaction index from Likert questionnaires.

The needs questionnaire asks one five-point Likert item per option of each area
(topics, modes, times, barriers: "How interested are you in learning about …?") and
one per service for satisfaction. Answers are coded 0..4 (``nan`` = not answered).

- A respondent *chooses* an option when the answer is in the top two categories
  (``>= min_code``, default 3: "very" or "extremely interested", "agree", ...). The
  needs share of an option is the weighted percentage choosing it among those who
  answered the item.
- The satisfaction index of a respondent is the mean of their answered satisfaction
  items rescaled to 0–100 (0 = all "very dissatisfied", 100 = all "very satisfied");
  the group's index is its weighted mean.

Both are ratios of weighted totals, so their SEs come from the replicate weights
(one "imputation": no between-PV variance), with the same intervals as the ability
cells (:mod:`psychometrics.survey.estimates`).

References
----------
.. [1] OECD (2019). *Technical Report of the Survey of Adult Skills (PIAAC)*, 3rd ed.,
   ch. 20 (replicate variance of ratio estimates).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import expit

from psychometrics.survey._common import FloatArray, check_weights, encode
from psychometrics.survey.estimates import (
    Interval,
    SurveyEstimate,
    _finish,
    _Inputs,
    group_weighted_sums,
)
from psychometrics.survey.replicates import ReplicateWeights

N_POINTS = 5
TOP_TWO = 3

# Option codes of the needs questionnaire (the item bank's needs.* items, in order).
NEEDS_AREAS: dict[str, tuple[str, ...]] = {
    "topics": (
        "digital_life",
        "health",
        "calligraphy_painting",
        "music_dance",
        "foreign_languages",
        "job_skills",
        "parenting",
        "everyday_law",
        "money_fraud",
        "history_culture",
    ),
    "modes": (
        "online_video",
        "in_person",
        "live_online",
        "groups_clubs",
        "visits",
        "reading_groups",
        "phone_micro",
        "volunteering",
    ),
    "times": (
        "weekday_day",
        "weekday_evening",
        "weekend_morning",
        "weekend_afternoon",
        "holidays",
        "lunch_break",
    ),
    "barriers": (
        "busy_work",
        "care_duties",
        "venue_far",
        "cannot_find_courses",
        "too_expensive",
        "online_skills",
        "health",
        "no_companions",
    ),
    "satisfaction": (
        "community_school",
        "senior_college",
        "library",
        "learning_network",
        "venue_convenience",
        "course_information",
        "guidance",
        "overall",
    ),
}
SATISFACTION_AREA = "satisfaction"


# ---------------------------------------------------------------- estimation
def _answers(x: ArrayLike, name: str, n_points: int) -> FloatArray:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2:
        raise ValueError(f"{name} must be (n, n_items), got shape {a.shape}")
    ok = np.isnan(a) | np.isin(a, np.arange(n_points))
    if not ok.all():
        i, j = (int(k) for k in np.argwhere(~ok)[0])
        raise ValueError(
            f"{name}: answer {a[i, j]!r} of respondent {i}, item {j} is not a code "
            f"0..{n_points - 1} (or nan for no answer)"
        )
    return a


def satisfaction_scores(answers: ArrayLike, *, n_points: int = N_POINTS) -> FloatArray:
    """Return each respondent's satisfaction score on 0–100 (``nan`` without answers).

    Parameters
    ----------
    answers : array_like, shape (n, n_items)
        Codes 0..n_points-1, ``nan`` = not answered.
    n_points : int, default=5

    Returns
    -------
    ndarray, shape (n,)
        ``100 × mean(answered codes) / (n_points − 1)``.
    """
    a = _answers(answers, "satisfaction answers", n_points)
    answered = ~np.isnan(a)
    k = answered.sum(axis=1)
    total = np.where(answered, a, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(k > 0, 100.0 * total / (k * (n_points - 1)), np.nan)


def _prepare(
    n: int,
    weights: ArrayLike,
    replicate_weights: ReplicateWeights | ArrayLike,
    groups: ArrayLike | None,
    include_total: bool,
    answered_any: np.ndarray,
) -> _Inputs:
    w = check_weights(weights, "weights", n=n)
    if w.ndim != 1:
        raise ValueError(f"weights must be 1-D, got shape {w.shape}")
    if isinstance(replicate_weights, ReplicateWeights):
        factor, rw = replicate_weights.variance_factor, replicate_weights.weights
    else:
        factor, rw = 1.0, np.asarray(replicate_weights, dtype=np.float64)
    rw = check_weights(rw, "replicate_weights", n=n, allow_zero=True)
    if rw.ndim != 2:
        raise ValueError(
            f"replicate_weights must be (n, n_replicates), got shape {rw.shape}"
        )
    labels: list[Hashable]
    if groups is None:
        codes, labels = np.zeros(n, dtype=np.intp), ["all"]
    else:
        codes, labels = encode(groups, "groups", n=n)
    n_groups = len(labels)
    counts = np.bincount(codes[answered_any], minlength=n_groups)
    if include_total and groups is not None:
        labels = [*labels, "all"]
        counts = np.append(counts, int(answered_any.sum()))
    return _Inputs(
        np.zeros((n, 1)),
        np.column_stack([w, rw]),
        codes,
        labels,
        counts,
        factor,
        rw.shape[1],
        n_groups,
    )


def _ratios(inp: _Inputs, num: FloatArray, den: FloatArray) -> FloatArray:
    """Return Σw·num / Σw·den per group, column and weight: shape (G, 1, K, C)."""
    k = num.shape[1]
    s = group_weighted_sums(
        np.column_stack([den, num]), inp.codes, inp.n_groups, inp.weights
    )
    if len(inp.labels) > inp.n_groups:
        s = np.concatenate([s, s.sum(axis=0, keepdims=True)], axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = s[:, k:, :] / s[:, :k, :]
    return out[:, None, :, :]


def estimate_needs_shares(
    answers: ArrayLike,
    weights: ArrayLike,
    replicate_weights: ReplicateWeights | ArrayLike,
    *,
    options: Sequence[str] | None = None,
    groups: ArrayLike | None = None,
    include_total: bool = False,
    min_code: int = TOP_TWO,
    n_points: int = N_POINTS,
    interval: Interval = "t",
    confidence: float = 0.95,
) -> SurveyEstimate:
    """Weighted percentage choosing each option (answer ``>= min_code``), with replicate SEs.

    Parameters
    ----------
    answers : array_like, shape (n, n_options)
        Likert codes 0..n_points-1 per option, ``nan`` = not answered.
    weights : array_like, shape (n,)
    replicate_weights : ReplicateWeights or array_like, shape (n, R)
    options : sequence of str, optional
        Option codes (the estimate's ``columns``); default 0..n_options-1.
    groups : array_like, shape (n,), optional
    include_total : bool
        Append a row ``"all"``.
    min_code : int, default=3
        Lowest code that counts as choosing (3 and 4 of 0..4: the top two boxes).

    Returns
    -------
    SurveyEstimate
        ``estimate`` etc. of shape (n_groups, n_options), in percent; the share of an
        option is taken among those who answered it. ``n`` counts respondents of the
        group who answered at least one option.
    """
    a = _answers(answers, "needs answers", n_points)
    n, k = a.shape
    cols = tuple(range(k)) if options is None else tuple(options)
    if len(cols) != k:
        raise ValueError(f"{len(cols)} option codes for {k} answer columns")
    if not 0 < min_code < n_points:
        raise ValueError(f"min_code must be in 1..{n_points - 1}, got {min_code}")
    answered = ~np.isnan(a)
    inp = _prepare(
        n,
        weights,
        replicate_weights,
        groups,
        include_total,
        np.asarray(answered.any(axis=1)),
    )
    chosen = np.where(answered, a >= min_code, False).astype(np.float64)
    theta = 100.0 * _ratios(inp, chosen, answered.astype(np.float64))
    return _finish("needs shares", inp, theta, interval, confidence, cols)


def estimate_satisfaction_index(
    answers: ArrayLike,
    weights: ArrayLike,
    replicate_weights: ReplicateWeights | ArrayLike,
    *,
    groups: ArrayLike | None = None,
    include_total: bool = False,
    n_points: int = N_POINTS,
    interval: Interval = "t",
    confidence: float = 0.95,
) -> SurveyEstimate:
    """Weighted mean satisfaction score (0–100) by group, with replicate SEs.

    Respondents who answered no satisfaction item are left out; ``n`` counts those who
    answered at least one. See :func:`satisfaction_scores`.
    """
    score = satisfaction_scores(answers, n_points=n_points)
    has = ~np.isnan(score)
    inp = _prepare(score.size, weights, replicate_weights, groups, include_total, has)
    theta = _ratios(
        inp, np.where(has, score, 0.0)[:, None], has.astype(np.float64)[:, None]
    )
    return _finish("satisfaction index", inp, theta[:, :, 0, :], interval, confidence)


# ---------------------------------------------------------------- simulation
@dataclass(frozen=True, repr=False)
class SimulatedNeeds:
    """Answers to a simulated needs questionnaire, with the true response model.

    Attributes
    ----------
    answers : dict of str to ndarray, each (n, n_options)
        Codes 0..4 per area (``topics``, ``modes``, ``times``, ``barriers``,
        ``satisfaction``); ``nan`` = item not answered.
    options : dict of str to tuple of str
    expected_choice : dict of str to ndarray, each (n, n_options)
        True probability that the person chooses each option (answer >= 3).
    expected_satisfaction : ndarray, shape (n,)
        True expected satisfaction score (0–100) of each person.
    """

    answers: dict[str, FloatArray]
    options: dict[str, tuple[str, ...]]
    expected_choice: dict[str, FloatArray]
    expected_satisfaction: FloatArray

    def to_arrays(self, rows: ArrayLike | None = None) -> dict[str, np.ndarray]:
        """Return the arrays a survey stores: ``needs_<area>`` and ``needs_<area>_options``.

        ``rows`` (a boolean mask or indices, e.g. the respondents) selects persons.
        """
        out: dict[str, np.ndarray] = {}
        for area, x in self.answers.items():
            sel = x if rows is None else x[np.asarray(rows)]
            out[f"needs_{area}"] = sel.astype(np.float32)
            out[f"needs_{area}_options"] = np.asarray(self.options[area])
        return out

    def __repr__(self) -> str:
        n = next(iter(self.answers.values())).shape[0]
        return f"SimulatedNeeds(n={n}, areas={list(self.answers)})"


_CUTS = np.array([-1.6, -0.6, 0.4, 1.4])  # logistic thresholds between the 5 codes


def simulate_needs(
    district: ArrayLike,
    age_band: ArrayLike,
    *,
    item_nonresponse: float = 0.02,
    district_sd: float = 0.5,
    rng: np.random.Generator,
) -> SimulatedNeeds:
    """Simulate the needs and satisfaction questionnaire for a sample.

    Each option's latent propensity is an option effect plus a district effect and an
    age-band effect per option (so districts' and generations' profiles differ) plus a
    person effect shared within the area; the answer is the latent value plus logistic
    noise cut at four thresholds. Satisfaction has one district effect shared by all
    services, so districts' satisfaction indices differ.

    Parameters
    ----------
    district, age_band : array_like, shape (n,)
        Labels of each person (any hashable codes).
    item_nonresponse : float, default=0.02
        Probability that an item is left unanswered.
    district_sd : float, default=0.5
        SD of the district effects on the logit scale.
    rng : numpy.random.Generator

    Returns
    -------
    SimulatedNeeds
    """
    d_codes, d_labels = encode(district, "district")
    a_codes, a_labels = encode(age_band, "age_band", n=d_codes.size)
    n = d_codes.size
    if not 0 <= item_nonresponse < 1:
        raise ValueError(f"item_nonresponse must be in [0, 1), got {item_nonresponse}")
    answers: dict[str, FloatArray] = {}
    expected: dict[str, FloatArray] = {}
    exp_sat = np.zeros(n)
    for area, opts in NEEDS_AREAS.items():
        k = len(opts)
        if area == SATISFACTION_AREA:
            d_eff = np.repeat(
                rng.normal(0.0, district_sd, (len(d_labels), 1)), k, axis=1
            )
            a_eff = np.zeros((len(a_labels), k))
            base = rng.normal(0.8, 0.3, k)
        else:
            d_eff = rng.normal(0.0, district_sd, (len(d_labels), k))
            a_eff = rng.normal(0.0, 0.6, (len(a_labels), k))
            base = rng.normal(-0.2, 0.8, k)
        person = rng.normal(0.0, 0.7, (n, 1))
        mu = base[None, :] + d_eff[d_codes] + a_eff[a_codes] + person
        latent = mu + rng.logistic(0.0, 1.0, (n, k))
        x = np.searchsorted(_CUTS, latent).astype(np.float64)
        # P(code >= j) = expit(mu - cut_{j-1}); E[code] = Σ_j P(code >= j)
        p_ge = expit(mu[:, :, None] - _CUTS[None, None, :])
        expected[area] = p_ge[:, :, TOP_TWO - 1]
        if area == SATISFACTION_AREA:
            exp_sat = 100.0 * p_ge.sum(axis=2).mean(axis=1) / (N_POINTS - 1)
        x[rng.random(x.shape) < item_nonresponse] = np.nan
        answers[area] = x
    return SimulatedNeeds(answers, dict(NEEDS_AREAS), expected, exp_sat)


def needs_arrays_from(
    arrays: Mapping[str, np.ndarray],
) -> dict[str, tuple[FloatArray, tuple[str, ...]]]:
    """Return ``{area: (answers, options)}`` from stored ``needs_<area>`` arrays."""
    out: dict[str, tuple[FloatArray, tuple[str, ...]]] = {}
    for key, x in arrays.items():
        if not key.startswith("needs_") or key.endswith("_options"):
            continue
        area = key[len("needs_") :]
        a = np.asarray(x, dtype=np.float64)
        if a.ndim != 2:
            raise ValueError(
                f"{key} must be (respondents, options), got shape {a.shape}"
            )
        given: ArrayLike | None = arrays.get(f"{key}_options")
        if given is None:
            known = NEEDS_AREAS.get(area, ())
            given = known if len(known) == a.shape[1] else tuple(range(a.shape[1]))
        opts = tuple(str(o) for o in np.asarray(given).tolist())
        if len(opts) != a.shape[1]:
            raise ValueError(
                f"{key} has {a.shape[1]} columns but {len(opts)} option codes"
            )
        out[area] = (a, opts)
    return out
