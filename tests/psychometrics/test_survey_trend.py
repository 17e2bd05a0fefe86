"""Linking error of percentages and the SE of a change between waves (hand-worked cases)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from psychometrics.survey.trend import change_se, share_linking_error


def test_shift_method_on_a_hand_worked_case():
    """Five equal-weight scores −1, −0.5, 0, 0.5, 1; cut 0; σ_L = 0.25.

    Scale up by 0.25: scores ≥ −0.25 count → 0, 0.5, 1 = 60 %; down by 0.25: scores ≥ 0.25
    → 0.5, 1 = 40 %; linking error of the percentage = (60 − 40) / 2 = 10 points.
    """
    y = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    labels, err = share_linking_error(y, np.ones(5), linking_error=0.25, cut=0.0)
    assert labels == ("all",)
    assert err == pytest.approx([10.0])
    # the level [−0.75, 0.25): up → [−1, 0) holds −1, −0.5 (40 %); down → [−0.5, 0.5) holds
    # −0.5, 0 (40 %): no change, since one score enters as another leaves
    _, band = share_linking_error(y, np.ones(5), linking_error=0.25, cuts=(-0.75, 0.25))
    assert band == pytest.approx([0.0])
    # weights: score 0 weighs 3 → up 5/7, down 2/7 → (5 − 2) / 7 / 2 = 21.43 points
    _, wtd = share_linking_error(
        y, np.array([1, 1, 3, 1, 1.0]), linking_error=0.25, cut=0.0
    )
    assert wtd == pytest.approx([100 * 3 / 14])


def test_delta_method_matches_the_normal_density_at_the_cut():
    """For N(0, 1) scores, σ_L = 0.05 and cut 0.5: 100 · φ(0.5) · 0.05 ≈ 1.76 points."""
    rng = np.random.default_rng(0)
    y = rng.normal(0, 1, (40_000, 2))
    want = 100 * stats.norm.pdf(0.5) * 0.05
    _, delta = share_linking_error(
        y, np.ones(40_000), linking_error=0.05, cut=0.5, method="delta"
    )
    _, shift = share_linking_error(y, np.ones(40_000), linking_error=0.05, cut=0.5)
    assert delta == pytest.approx([want], rel=0.03)
    assert shift == pytest.approx([want], rel=0.08)
    # a level between two cuts: the density difference at its ends
    _, level = share_linking_error(
        y, np.ones(40_000), linking_error=0.05, cuts=(-1.0, 0.5), method="delta"
    )
    assert level == pytest.approx(
        [100 * abs(stats.norm.pdf(-1.0) - stats.norm.pdf(0.5)) * 0.05], rel=0.05
    )


def test_groups_and_total_and_zero_linking_error():
    y = np.array([-1.0, -0.5, 0.0, 0.5, 1.0, 0.1])
    g = np.array(["a", "a", "a", "b", "b", "b"])
    labels, err = share_linking_error(
        y, np.ones(6), linking_error=0.25, cut=0.0, groups=g, include_total=True
    )
    assert labels == ("a", "b", "all")
    # a: up counts 0 (1/3), down none (0) → 16.67; b: up and down both 3/3 and 2/3 → 16.67
    assert err == pytest.approx([100 / 6, 100 / 6, 100 * (4 / 6 - 2 / 6) / 2])
    _, none = share_linking_error(y, np.ones(6), linking_error=0.0, cut=0.0)
    assert none == pytest.approx([0.0])


def test_change_se_adds_the_linking_error_to_both_sampling_errors():
    # attainment 62.0 % (SE 1.5) after 58.0 % (SE 2.0), σ_L on the share 1.2 points:
    # SE(Δ) = √(2.25 + 4 + 1.44) = √7.69 = 2.773
    assert change_se(1.5, 2.0, 1.2) == pytest.approx(7.69**0.5)
    assert change_se(1.5, 2.0) == pytest.approx(2.5)
    with pytest.raises(ValueError, match="linking_error"):
        change_se(1.5, 2.0, float("nan"))


def test_bad_input_is_refused():
    y = np.zeros(3)
    with pytest.raises(ValueError, match="exactly one of cut"):
        share_linking_error(y, np.ones(3), linking_error=0.1)
    with pytest.raises(ValueError, match="linking_error"):
        share_linking_error(y, np.ones(3), linking_error=-0.1, cut=0.0)
    with pytest.raises(ValueError, match="empty"):
        share_linking_error(y, np.ones(3), linking_error=0.1, cuts=(1.0, 0.0))
