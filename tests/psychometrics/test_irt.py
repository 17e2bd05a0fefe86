"""Tests of the item response model kernels in ``psychometrics.irt``."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from psychometrics._validation import ResponseError
from psychometrics.irt import (
    ItemParameters,
    category_probabilities,
    item_information,
    log_likelihood,
    normal_quadrature,
    prob_2pl,
    prob_3pl,
    prob_gpcm,
    prob_grm,
    test_information,
)


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def compute_kernel_slow(params: ItemParameters, theta: np.ndarray) -> np.ndarray:
    """Category probabilities by plain loops, straight from the model definitions."""
    kmax = params.max_categories
    out = np.zeros((params.n_items, theta.size, kmax))
    for j in range(params.n_items):
        m = params.models[j]
        a, c = params.a[j], params.c[j]
        thr = [t for t in params.thresholds[j] if not math.isnan(t)]
        for t, th in enumerate(theta):
            if m in ("rasch", "2pl", "3pl"):
                p = c + (1 - c) * _sigmoid(a * (th - thr[0]))
                out[j, t, 0], out[j, t, 1] = 1 - p, p
            elif m == "grm":
                cum = [1.0] + [_sigmoid(a * (th - bk)) for bk in thr] + [0.0]
                for k in range(len(thr) + 1):
                    out[j, t, k] = cum[k] - cum[k + 1]
            else:
                z = [0.0]
                for d in thr:
                    z.append(z[-1] + a * (th - d))
                den = sum(math.exp(v) for v in z)
                for k, v in enumerate(z):
                    out[j, t, k] = math.exp(v) / den
    return out


def information_slow(params: ItemParameters, theta: np.ndarray, h: float = 1e-5):
    """Fisher information Σ_k P_k'^2 / P_k with numerical derivatives."""
    p = compute_kernel_slow(params, theta)
    dp = (
        compute_kernel_slow(params, theta + h) - compute_kernel_slow(params, theta - h)
    ) / (2 * h)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, dp**2 / p, 0.0)
    return terms.sum(axis=2)


def loglik_slow(x: np.ndarray, params: ItemParameters, theta: np.ndarray) -> np.ndarray:
    p = compute_kernel_slow(params, theta)
    out = np.zeros((x.shape[0], theta.size))
    for i in range(x.shape[0]):
        for t in range(theta.size):
            s = 0.0
            for j in range(x.shape[1]):
                if not math.isnan(x[i, j]):
                    s += math.log(p[j, t, int(x[i, j])])
            out[i, t] = s
    return out


def _mixed_bank() -> ItemParameters:
    dich = ItemParameters.dichotomous(
        [1.0, 1.3, 0.7, 1.8],
        [-1.0, 0.2, 0.5, 1.5],
        [0.0, 0.0, 0.0, 0.2],
        model=["rasch", "2pl", "2pl", "3pl"],
        item_ids=["r1", "d1", "d2", "g1"],
    )
    poly = ItemParameters.polytomous(
        [1.2, 0.9, 1.5],
        [[-1.0, 0.0, 1.2], [-0.5, 0.7], [0.3, -0.4, 1.0]],
        model=["grm", "grm", "gpcm"],
        item_ids=["p1", "p2", "p3"],
    )
    return ItemParameters.concatenate([dich, poly])


THETA = np.linspace(-4, 4, 17)


def test_vectorised_probabilities_match_slow_loop():
    """Every model's vectorised kernel equals the loop over the definitions."""
    bank = _mixed_bank()
    np.testing.assert_allclose(
        category_probabilities(bank, THETA),
        compute_kernel_slow(bank, THETA),
        atol=1e-13,
    )


def test_vectorised_information_matches_numerical_derivative():
    """Analytic information equals Σ P_k'^2/P_k from finite differences."""
    bank = _mixed_bank()
    np.testing.assert_allclose(
        item_information(bank, THETA),
        information_slow(bank, THETA),
        rtol=1e-6,
        atol=1e-9,
    )
    np.testing.assert_allclose(
        test_information(bank, THETA), item_information(bank, THETA).sum(axis=0)
    )


def test_log_likelihood_matches_slow_loop_and_skips_nan():
    """The indicator-matmul log-likelihood equals the per-person loop; nan is skipped."""
    rng = np.random.default_rng(1)
    bank = _mixed_bank()
    k = bank.n_categories
    x = rng.integers(0, k, size=(25, bank.n_items)).astype(float)
    x[rng.random(x.shape) < 0.3] = np.nan
    np.testing.assert_allclose(
        log_likelihood(x, bank, THETA), loglik_slow(x, bank, THETA), rtol=1e-12
    )


def test_single_model_kernels_agree_with_bank_function():
    theta = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_allclose(prob_2pl([1.0], [0.0], theta)[0, 1], 0.5)
    np.testing.assert_allclose(
        prob_3pl([1.0], [0.0], [0.2], theta), 0.2 + 0.8 * prob_2pl([1.0], [0.0], theta)
    )
    thr = np.array([[-1.0, 1.0, np.nan]])
    p = prob_grm([1.0], thr, theta)
    assert p.shape == (1, 3, 4)
    np.testing.assert_allclose(p[..., 3], 0.0)
    q = prob_gpcm([1.0], thr, theta)
    np.testing.assert_allclose(q[..., 3], 0.0)
    np.testing.assert_allclose(q.sum(axis=2), 1.0)


def test_grm_tail_categories_keep_relative_accuracy():
    """Far above all thresholds the middle category is tiny but not rounded to zero."""
    p = prob_grm([3.0], [[-10.0, -9.0]], [8.0])
    assert 0 < p[0, 0, 1] < 1e-20
    assert np.isfinite(np.log(p)).all()


def test_item_parameters_roundtrip_and_views():
    bank = _mixed_bank()
    again = ItemParameters.from_dict(bank.to_dict())
    np.testing.assert_allclose(again.a, bank.a)
    np.testing.assert_allclose(again.thresholds, bank.thresholds)
    assert again.models == bank.models and again.item_ids == bank.item_ids
    assert list(bank.n_categories) == [2, 2, 2, 2, 4, 3, 4]
    np.testing.assert_allclose(bank.b[4], 0.0666666666, rtol=1e-6)
    sub = bank.subset([4, 0])
    assert sub.item_ids == ("p1", "r1")
    assert sub.thresholds.shape == (2, 3)
    assert "grm" in repr(bank)
    with pytest.raises(ValueError):
        bank.a[0] = 5.0  # frozen arrays


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"a": [-1.0], "b": [0.0]}, "discrimination"),
        ({"a": [1.0], "b": [0.0], "c": [1.2], "model": "3pl"}, "asymptote"),
        ({"a": [1.0], "b": [0.0], "model": "4pl"}, "unknown model"),
    ],
)
def test_item_parameters_reject_bad_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ItemParameters.dichotomous(**kwargs)


def test_grm_thresholds_must_increase():
    with pytest.raises(ValueError, match="increase"):
        ItemParameters.polytomous([1.0], [[1.0, 0.0]], model="grm")


def test_log_likelihood_names_bad_cell():
    bank = _mixed_bank()
    x = np.zeros((3, bank.n_items))
    x[2, 5] = 3  # item p2 has categories 0..2
    with pytest.raises(ResponseError, match=r"row 2, item 'p2' \(column 5\)") as err:
        log_likelihood(x, bank, THETA)
    assert (err.value.row, err.value.column) == (2, 5)
    with pytest.raises(ResponseError, match="columns"):
        log_likelihood(np.zeros((2, 3)), bank, THETA)


def test_normal_quadrature_weights_sum_to_one():
    nodes, weights = normal_quadrature(41, mean=1.0, sd=2.0)
    assert nodes.shape == weights.shape == (41,)
    np.testing.assert_allclose(weights.sum(), 1.0)
    np.testing.assert_allclose(nodes @ weights, 1.0, atol=1e-12)
    np.testing.assert_allclose(((nodes - 1.0) ** 2) @ weights, 4.0, rtol=1e-6)


finite = st.floats(-4, 4, allow_nan=False)
bank_strategy = st.builds(
    lambda model, a, c, thr, theta: (
        ItemParameters.polytomous([a], [sorted(set(thr))], model=model)
        if model in ("grm", "gpcm")
        else ItemParameters.dichotomous([a], [thr[0]], [c], model=model),
        np.array(theta),
    ),
    st.sampled_from(["rasch", "2pl", "3pl", "grm", "gpcm"]),
    st.floats(0.1, 4.0),
    st.floats(0.0, 0.5),
    st.lists(finite, min_size=1, max_size=5).filter(lambda v: len(set(v)) == len(v)),
    st.lists(st.floats(-8, 8, allow_nan=False), min_size=1, max_size=10),
)


@settings(max_examples=150, deadline=None)
@given(bank_strategy)
def test_probabilities_in_unit_interval_and_sum_to_one(case):
    """Category probabilities stay in [0, 1] and sum to 1 over categories."""
    bank, theta = case
    p = category_probabilities(bank, theta)
    assert np.all((p >= 0) & (p <= 1))
    np.testing.assert_allclose(p.sum(axis=2), 1.0, atol=1e-12)


@settings(max_examples=150, deadline=None)
@given(bank_strategy)
def test_information_is_non_negative(case):
    """Item information is finite and never negative."""
    bank, theta = case
    info = item_information(bank, theta)
    assert np.all(np.isfinite(info)) and np.all(info >= 0)
