"""Classical item statistics against a hand-computed example and girth."""

from __future__ import annotations

import numpy as np
import pytest
from girth.common import cronbach_alpha as girth_alpha
from girth.utilities.utils import INVALID_RESPONSE

from psychometrics.classical import classical_statistics, cronbach_alpha

HAND = np.array(
    [
        [1, 1, 1, 0],
        [1, 1, 0, 0],
        [1, 0, 0, 0],
        [0, 0, 0, 0],
        [1, 1, 1, 1],
    ],
    dtype=float,
)


def _simulate(n_persons: int, n_items: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    theta = rng.standard_normal(n_persons)
    a = rng.uniform(0.8, 2.0, n_items)
    b = rng.normal(0, 1, n_items)
    p = 1 / (1 + np.exp(-a * (theta[:, None] - b)))
    return (rng.random(p.shape) < p).astype(float)


def test_hand_computed_example() -> None:
    """p-values, alpha and an item-rest correlation equal the values worked by hand."""
    stats = classical_statistics(HAND)
    np.testing.assert_allclose(stats.p_value, [0.8, 0.6, 0.4, 0.2])
    # item variances 0.2 + 0.3 + 0.3 + 0.2 = 1.0; totals 3,2,1,0,4 have variance 2.5
    assert stats.alpha == pytest.approx(4 / 3 * (1 - 1.0 / 2.5))
    # item 0 with rest scores 2,1,0,0,3: cov sum 1.2, squares 0.8 and 6.8
    assert stats.item_rest[0] == pytest.approx(1.2 / np.sqrt(0.8 * 6.8))
    assert stats.n_persons == 5
    np.testing.assert_array_equal(stats.n_administered, [5, 5, 5, 5])
    np.testing.assert_allclose(stats.omit_rate, 0.0)


def test_point_biserial_is_correlation_with_total() -> None:
    """The point-biserial is the Pearson correlation of the item with the total."""
    stats = classical_statistics(HAND)
    total = HAND.sum(axis=1)
    for j in range(4):
        assert stats.point_biserial[j] == pytest.approx(
            np.corrcoef(HAND[:, j], total)[0, 1]
        )


def test_alpha_if_deleted_matches_alpha_of_remaining_items() -> None:
    """Alpha-if-deleted is alpha recomputed without the item."""
    x = _simulate(300, 8, seed=1)
    stats = classical_statistics(x)
    for j in range(8):
        assert stats.alpha_if_deleted[j] == pytest.approx(
            cronbach_alpha(np.delete(x, j, axis=1))
        )


def test_alpha_matches_girth_complete_and_incomplete() -> None:
    """Alpha agrees with girth.cronbach_alpha, with and without missing cells."""
    x = _simulate(500, 12, seed=2)
    assert cronbach_alpha(x) == pytest.approx(girth_alpha(x.T.astype(int)), rel=1e-10)
    rng = np.random.default_rng(3)
    missing = rng.random(x.shape) < 0.2
    x_nan = np.where(missing, np.nan, x)
    tagged = np.where(missing, INVALID_RESPONSE, x).astype(int)
    assert cronbach_alpha(x_nan) == pytest.approx(girth_alpha(tagged.T), rel=1e-10)


def test_not_administered_is_skipped_and_omits_are_counted() -> None:
    """nan cells are not administered; omit_code cells are scored 0 and counted."""
    x = HAND.copy()
    x[0, 3] = np.nan
    x[1, 2] = -9
    stats = classical_statistics(x, omit_code=-9)
    assert stats.n_administered[3] == 4
    assert stats.p_value[3] == pytest.approx(1 / 4)
    assert stats.omit_rate[2] == pytest.approx(1 / 5)
    assert stats.p_value[2] == pytest.approx(2 / 5)


def test_polytomous_p_value_uses_max_score() -> None:
    """For a 0..3 item the p-value is the mean score over 3."""
    x = np.array([[0, 1], [3, 1], [2, 0], [1, 0]], dtype=float)
    stats = classical_statistics(x, max_scores=[3, 1])
    np.testing.assert_allclose(stats.p_value, [1.5 / 3, 0.5])
    assert "alpha" in repr(stats)
    assert stats.to_dict()["items"][0]["id"] == "0"


def test_bad_inputs_raise_clear_errors() -> None:
    """Wrong shapes, bad codes and empty items name what is wrong."""
    with pytest.raises(ValueError, match="2-D"):
        classical_statistics(np.zeros(5))
    with pytest.raises(ValueError, match=r"responses\[1, 0\]"):
        classical_statistics([[0, 1], [0.5, 1], [1, 1]])
    with pytest.raises(ValueError, match="item 'b' was administered to nobody"):
        classical_statistics([[0, np.nan], [1, np.nan]], item_ids=["a", "b"])
    with pytest.raises(ValueError, match="max_scores"):
        classical_statistics(HAND, max_scores=[1, 1])
    with pytest.raises(ValueError, match="above its max_scores"):
        classical_statistics([[0, 2], [1, 1]], max_scores=[1, 1])
