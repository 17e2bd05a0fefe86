"""Tests of simulated items, designs and responses (``psychometrics.simulate``)."""

from __future__ import annotations

import numpy as np
import pytest

from psychometrics.irt import MODELS, category_probabilities
from psychometrics.simulate import (
    booklet_design,
    complete_design,
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


def test_mask_design_and_shape_errors():
    params = random_item_parameters(4, "grm", rng=5)
    mask = np.ones((5, 4), dtype=bool)
    mask[0, 1] = False
    x = simulate_responses(params, np.zeros(5), rng=6, design=mask)
    assert np.isnan(x[0, 1]) and np.isfinite(x[1:]).all()
    assert set(np.unique(x[np.isfinite(x)])) <= {0.0, 1.0, 2.0, 3.0}
    with pytest.raises(ValueError, match="shape"):
        simulate_responses(params, np.zeros(5), rng=6, design=np.ones((2, 2), bool))
