"""Strand questionnaire estimates against a hand computation on a small weighted example."""

import math

import numpy as np
import pytest
from scipy import stats

from psychometrics.survey.strands import (
    any_at_or_above,
    estimate_strand_mean,
    estimate_strand_proportion,
    mapped_mean,
    share_at_or_above,
)

# Six respondents in two districts. Full weights w; two JK2 replicates: replicate 1 pairs
# respondents 0 and 1 (zone of district A: 0 doubled, 1 zeroed), replicate 2 pairs 3 and 5
# (zone of district B: 3 doubled, 5 zeroed); 2 and 4 keep their weight in both.
DISTRICT = np.array(["A", "A", "A", "B", "B", "B"])
W = np.array([1.0, 2.0, 1.0, 2.0, 1.0, 1.0])
RW = np.array([[2.0, 1.0], [0.0, 2.0], [1.0, 1.0], [2.0, 4.0], [1.0, 1.0], [1.0, 0.0]])
# Took part in learning in the past 12 months; respondent 4 did not answer.
TOOK_PART = np.array([1.0, 0.0, 1.0, 1.0, np.nan, 0.0])
# Hours a week (middle of the chosen band); respondent 3 did not answer.
HOURS = np.array([2.0, 4.0, 0.5, np.nan, 7.5, 2.0])


def test_proportion_matches_the_hand_computation():
    """District percentages and JK2 SEs equal the arithmetic written out below."""
    est = estimate_strand_proportion(
        TOOK_PART, W, RW, groups=DISTRICT, include_total=True, interval="normal"
    )
    # A (0, 1, 2): full (1·1 + 2·0 + 1·1) / (1 + 2 + 1) = 2/4; replicate 1 (2·1 + 0 + 1·1) / 3;
    # replicate 2 is the full sample.
    a_full, a_r1, a_r2 = 100 * 2 / 4, 100 * 3 / 3, 100 * 2 / 4
    a_se = math.sqrt((a_r1 - a_full) ** 2 + (a_r2 - a_full) ** 2)
    # B (3, 5 answered): full (2·1 + 1·0) / 3; replicate 2 (4·1 + 0·0) / 4.
    b_full, b_r1, b_r2 = 100 * 2 / 3, 100 * 2 / 3, 100 * 4 / 4
    b_se = math.sqrt((b_r1 - b_full) ** 2 + (b_r2 - b_full) ** 2)
    # all: full 4/7; replicate 1 (2 + 1 + 2) / (2 + 0 + 1 + 2 + 1); replicate 2 (1 + 1 + 4) / 8.
    t_full, t_r1, t_r2 = 100 * 4 / 7, 100 * 5 / 6, 100 * 6 / 8
    t_se = math.sqrt((t_r1 - t_full) ** 2 + (t_r2 - t_full) ** 2)

    assert est.groups == ("A", "B", "all")
    np.testing.assert_allclose(est.estimate, [50.0, 200 / 3, 400 / 7])
    np.testing.assert_allclose(est.se, [a_se, b_se, t_se])
    np.testing.assert_allclose([a_se, b_se], [50.0, 100 / 3])
    assert est.n.tolist() == [3, 2, 5]
    z = stats.norm.ppf(0.975)
    np.testing.assert_allclose(est.ci_low, est.estimate - z * est.se)
    np.testing.assert_allclose(est.ci_high, est.estimate + z * est.se)


def test_mean_matches_the_hand_computation_with_t_interval():
    est = estimate_strand_mean(HOURS, W, RW, groups=DISTRICT)
    # A: full (1·2 + 2·4 + 1·0.5) / 4 = 2.625; replicate 1 (2·2 + 0 + 1·0.5) / 3 = 1.5.
    # B (4, 5): full (7.5 + 2) / 2 = 4.75; replicate 2 (1·7.5 + 0·2) / 1 = 7.5.
    np.testing.assert_allclose(est.estimate, [2.625, 4.75])
    np.testing.assert_allclose(est.se, [1.125, 2.75])
    # One "imputation" and R = 2 replicates: Barnard–Rubin df = (R + 1) / (R + 3) · R = 1.2,
    # as the survey roll-up's cells.
    crit = stats.t.ppf(0.975, 1.2)
    np.testing.assert_allclose(est.ci_high, [2.625 + crit * 1.125, 4.75 + crit * 2.75])


def test_person_values():
    answers = np.array([[0, 2, np.nan], [3, 3, 1], [np.nan, np.nan, np.nan]])
    np.testing.assert_allclose(share_at_or_above(answers, 2), [0.5, 2 / 3, np.nan])
    np.testing.assert_allclose(any_at_or_above(answers, 3), [0.0, 1.0, np.nan])
    np.testing.assert_allclose(
        mapped_mean(answers, [0, 1, 10, 100]), [5.0, 67.0, np.nan]
    )


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="respondent 1, item 0"):
        mapped_mean(np.array([[0.0], [4.0]]), [0, 1, 2, 3])
    with pytest.raises(ValueError, match="respondent 0 is not in"):
        estimate_strand_proportion(np.array([2.0, 0.0]), np.ones(2), np.ones((2, 1)))
