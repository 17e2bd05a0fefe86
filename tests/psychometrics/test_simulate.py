"""Tests of simulated items, designs and responses (``psychometrics.simulate``)."""

from __future__ import annotations

import numpy as np
import pytest

from psychometrics.irt import MODELS, category_probabilities
from psychometrics.simulate import (
    booklet_design,
    complete_design,
    mst_bank,
    random_item_parameters,
    simulate_responses,
    two_stage_design,
)


@pytest.mark.parametrize("model", MODELS)
def test_random_parameters_are_valid_and_reproducible(model):
    a = random_item_parameters(25, model, rng=5)
    b = random_item_parameters(25, model, rng=5)
    assert a.models == (model,) * 25
    np.testing.assert_array_equal(a.thresholds, b.thresholds)
    if model == "rasch":
        np.testing.assert_array_equal(a.a, 1.0)
    if model == "3pl":
        assert np.all((a.c >= 0.1) & (a.c <= 0.3))


@pytest.mark.parametrize("model", MODELS)
def test_response_frequencies_follow_the_model(model):
    """At fixed θ, category frequencies match the model probabilities (4 SE)."""
    params = random_item_parameters(3, model, rng=1)
    theta = np.full(20000, 0.4)
    x = simulate_responses(params, theta, rng=2)
    probs = category_probabilities(params, [0.4])[:, 0, :]
    for j in range(3):
        for k in range(params.n_categories[j]):
            p = probs[j, k]
            assert (
                abs(np.mean(x[:, j] == k) - p) < 4 * np.sqrt(p * (1 - p) / 20000) + 1e-9
            )


def test_booklet_design_is_balanced_and_connected():
    mask, booklet = booklet_design(600, 30, n_clusters=6, clusters_per_booklet=2, rng=0)
    assert mask.shape == (600, 30)
    assert np.all(mask.sum(axis=1) == 10)
    assert np.bincount(booklet).tolist() == [100] * 6
    np.testing.assert_array_equal(mask.sum(axis=0), 200)
    # every pair of consecutive booklets shares a cluster, so the design is linked
    shared = mask[booklet == 0][0] & mask[booklet == 1][0]
    assert shared.sum() == 5
    assert complete_design(3, 4).all()
    with pytest.raises(ValueError):
        booklet_design(10, 4, n_clusters=6)


def test_two_stage_design_routes_by_routing_score():
    params = random_item_parameters(30, "2pl", rng=3)
    design = two_stage_design(params)
    assert (
        len(design.routing) == 10 and len(design.easy) == 10 and len(design.hard) == 10
    )
    assert params.b[design.easy].max() <= params.b[design.routing].min()
    assert params.b[design.hard].min() >= params.b[design.routing].max()
    rng = np.random.default_rng(4)
    theta = rng.normal(size=2000)
    x = simulate_responses(params, theta, rng=rng, design=design)
    routing_score = x[:, design.routing].sum(axis=1)
    took_hard = ~np.isnan(x[:, design.hard[0]])
    np.testing.assert_array_equal(took_hard, routing_score >= design.cut)
    assert np.all(np.isnan(x[took_hard][:, design.easy]))
    assert np.all(~np.isnan(x[:, design.routing]))
    assert theta[took_hard].mean() > theta[~took_hard].mean() + 0.8


def test_mst_bank_targets_modules_and_routes_at_the_median():
    params, design = mst_bank(20, 25, "2pl", rng=6)
    assert params.n_items == 70
    np.testing.assert_array_equal(design.routing, np.arange(20))
    np.testing.assert_array_equal(design.easy, np.arange(20, 45))
    np.testing.assert_array_equal(design.hard, np.arange(45, 70))
    # module centres at -1, 0, +1 (mean of 20-25 draws with SD 0.5: SE about 0.1)
    assert abs(params.b[design.routing].mean()) < 0.35
    assert abs(params.b[design.easy].mean() + 1) < 0.35
    assert abs(params.b[design.hard].mean() - 1) < 0.35
    assert 0 < design.cut < 20
    rng = np.random.default_rng(7)
    theta = rng.normal(size=20000)
    x = simulate_responses(params, theta, rng=rng, design=design)
    took_hard = ~np.isnan(x[:, design.hard[0]])
    np.testing.assert_array_equal(
        took_hard, x[:, design.routing].sum(axis=1) >= design.cut
    )
    # the cut is the population median: about half go each way
    assert 0.4 < took_hard.mean() < 0.6
    assert np.all(np.isnan(x[took_hard][:, design.easy]))
    assert np.all(np.isnan(x[~took_hard][:, design.hard]))


def test_mst_bank_models_and_errors():
    p3, _ = mst_bank(5, 5, "3pl", rng=1)
    assert np.all((p3.c >= 0.1) & (p3.c <= 0.3))
    pr, _ = mst_bank(5, 5, "rasch", rng=1)
    np.testing.assert_array_equal(pr.a, 1.0)
    a, _ = mst_bank(5, 5, rng=2)
    b, _ = mst_bank(5, 5, rng=2)
    np.testing.assert_array_equal(a.b, b.b)
    with pytest.raises(ValueError, match="dichotomous"):
        mst_bank(5, 5, "grm")
    with pytest.raises(ValueError, match="at least 1"):
        mst_bank(0, 5)


def test_mask_design_and_shape_errors():
    params = random_item_parameters(4, "grm", rng=5)
    mask = np.ones((5, 4), dtype=bool)
    mask[0, 1] = False
    x = simulate_responses(params, np.zeros(5), rng=6, design=mask)
    assert np.isnan(x[0, 1]) and np.isfinite(x[1:]).all()
    assert set(np.unique(x[np.isfinite(x)])) <= {0.0, 1.0, 2.0, 3.0}
    with pytest.raises(ValueError, match="shape"):
        simulate_responses(params, np.zeros(5), rng=6, design=np.ones((2, 2), bool))
