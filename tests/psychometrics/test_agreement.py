"""Cohen's kappa, linear and quadratic weighted kappa for ordinal rubric scores."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from psychometrics.agreement import cohen_kappa, confusion_matrix, rater_agreement

# Hand-worked example: ten objects on the rubric 0..2 (k = 2).
#
#   rater 1: 0 0 0 1 1 1 1 1 2 2
#   rater 2: 0 0 1 0 1 1 1 2 2 2
#
# Confusion matrix (rows rater 1, columns rater 2) and the margins:
#
#              r2=0  r2=1  r2=2 | row
#       r1=0     2     1     0  |  3
#       r1=1     1     3     1  |  5
#       r1=2     0     0     2  |  2
#       ------------------------+----
#       col      3     4     3  | 10
#
# Expected counts under chance, E_ij = row_i * col_j / n²  (in hundredths):
#       [ 9 12  9 ]
#       [15 20 15 ]
#       [ 6  8  6 ]
#
# Unweighted:  p_o = (2+3+2)/10 = 0.70;  p_e = (9+20+6)/100 = 0.35
#              kappa = (0.70 - 0.35) / (1 - 0.35) = 0.35/0.65 = 7/13 ≈ 0.5385
# Linear (w = |i-j|/2): every observed disagreement is one step (w = 1/2), 3 of them:
#              D_o = 0.5 * 3/10 = 0.15
#              D_e = 0.5 * (12+15+15+8)/100 + 1 * (9+6)/100 = 0.25 + 0.15 = 0.40
#              kappa_lin = 1 - 0.15/0.40 = 0.625
# Quadratic (w = ((i-j)/2)²): one step weighs 1/4, two steps 1:
#              D_o = 0.25 * 0.30 = 0.075
#              D_e = 0.25 * 0.50 + 1 * 0.15 = 0.275
#              kappa_quad = 1 - 0.075/0.275 = 1 - 3/11 = 8/11 ≈ 0.7273
R1 = [0, 0, 0, 1, 1, 1, 1, 1, 2, 2]
R2 = [0, 0, 1, 0, 1, 1, 1, 2, 2, 2]


def test_confusion_matrix_of_the_hand_worked_example():
    """The count matrix has rater 1 in rows and rater 2 in columns."""
    assert confusion_matrix(R1, R2, max_score=2).tolist() == [
        [2, 1, 0],
        [1, 3, 1],
        [0, 0, 2],
    ]


def test_hand_worked_kappas():
    """Unweighted 7/13, linear 0.625 and quadratic 8/11, as computed by hand above."""
    assert cohen_kappa(R1, R2, max_score=2) == pytest.approx(7 / 13)
    assert cohen_kappa(R1, R2, max_score=2, weights="linear") == pytest.approx(0.625)
    assert cohen_kappa(R1, R2, max_score=2, weights="quadratic") == pytest.approx(
        8 / 11
    )
    result = rater_agreement(R1, R2, max_score=2)
    assert result.n == 10 and result.exact == pytest.approx(0.7)
    assert result.kappa_quadratic == pytest.approx(8 / 11)
    assert "n=10" in repr(result)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
@pytest.mark.parametrize("seed", range(8))
def test_matches_scikit_learn_on_random_scores(weights, seed):
    """Random correlated scores on 0..k agree with scikit-learn to 1e-12."""
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, 6))
    n = int(rng.integers(5, 200))
    a = rng.integers(0, k + 1, size=n)
    b = np.clip(a + rng.integers(-1, 2, size=n), 0, k)
    ours = cohen_kappa(a, b, max_score=k, weights=weights)
    theirs = cohen_kappa_score(a, b, weights=weights, labels=list(range(k + 1)))
    assert ours == pytest.approx(theirs, abs=1e-12)


def test_perfect_and_chance_agreement():
    """Identical scores give 1; a rater who always says the same gives 0."""
    assert (
        cohen_kappa([0, 1, 2, 3], [0, 1, 2, 3], max_score=3, weights="quadratic") == 1.0
    )
    assert cohen_kappa([0, 1, 2, 3], [2, 2, 2, 2], max_score=3) == pytest.approx(0.0)


def test_all_in_one_category_is_not_computable():
    """Both raters using one same category: kappa is 0/0, returned as nan with a reason."""
    assert math.isnan(
        cohen_kappa([2, 2, 2], [2, 2, 2], max_score=4, weights="quadratic")
    )
    result = rater_agreement([2, 2, 2], [2, 2, 2], max_score=4)
    assert result.exact == 1.0 and math.isnan(result.kappa_quadratic)
    assert result.undefined_reason


@pytest.mark.parametrize(
    ("a", "b", "message"),
    [
        ([], [], "no pairs"),
        ([0, 1], [0], "different numbers"),
        ([0, 5], [0, 1], "rater 1, score 1: 5 is outside 0..4"),
        ([0, 1], [0, 1.5], "rater 2, score 1: 1.5 is not a whole number"),
        ([0, -1], [0, 1], "outside 0..4"),
        ([0, float("nan")], [0, 1], "not a whole number"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(a, b, message):
    with pytest.raises(ValueError, match=message):
        cohen_kappa(a, b, max_score=4)


def test_bad_weights_and_rubric_are_refused():
    with pytest.raises(ValueError, match="weights"):
        cohen_kappa([0, 1], [0, 1], max_score=1, weights="cubic")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_score"):
        cohen_kappa([0, 0], [0, 0], max_score=0)
