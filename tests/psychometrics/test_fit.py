"""Infit/outfit, S-X², Lord-Wingersky and the dimensionality check."""

from __future__ import annotations

import numpy as np
import pytest

from psychometrics.fit import (
    dimensionality_check,
    item_fit,
    lord_wingersky,
    person_fit,
    s_x2,
)
from psychometrics.irt import ItemParameters, category_probabilities, normal_quadrature
from psychometrics.scoring import estimate_ability


def _data(
    n_persons: int = 2000, n_items: int = 20, seed: int = 0, misfit: bool = False
) -> tuple[np.ndarray, ItemParameters, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.8, 2.0, n_items)
    b = np.linspace(-1.8, 1.8, n_items)
    theta = rng.standard_normal(n_persons)
    a_true = a.copy()
    if misfit:
        a_true[0] = 0.15  # item 0 is nearly noise, whatever its stated a
    p = 1 / (1 + np.exp(-a_true * (theta[:, None] - b)))
    x = (rng.random(p.shape) < p).astype(float)
    return x, ItemParameters.dichotomous(a, b), theta


def test_infit_outfit_near_one_for_fitting_data() -> None:
    """Data generated from the model give mean squares near 1 and small ZSTD."""
    x, params, theta = _data()
    fit = item_fit(x, params, theta)
    assert np.all(np.abs(fit.infit - 1) < 0.1)
    assert np.all(np.abs(fit.outfit - 1) < 0.2)
    assert np.mean(np.abs(fit.infit_zstd) < 2.5) >= 0.9
    assert fit.misfitting() == ()
    assert (fit.n == 2000).all()


def test_misfitting_item_is_off() -> None:
    """An item that barely discriminates shows infit/outfit far above 1."""
    x, params, theta = _data(misfit=True)
    fit = item_fit(x, params, theta)
    assert fit.infit[0] > 1.3 and fit.outfit[0] > 1.3
    assert fit.infit_zstd[0] > 4
    assert fit.misfitting() == ("0",)
    assert np.all(np.abs(fit.infit[1:] - 1) < 0.1)


def test_mean_squares_slow_reference_and_person_fit() -> None:
    """The vectorised mean squares equal a loop over cells; persons work too."""
    x, params, theta = _data(n_persons=40, n_items=6, seed=3)
    x[0, 2] = np.nan
    fit = item_fit(x, params, theta)
    p = category_probabilities(params, theta)[:, :, 1]  # (items, persons)
    for i in range(6):
        num = den = z2 = 0.0
        n = 0
        for v in range(40):
            if np.isnan(x[v, i]):
                continue
            w = p[i, v] * (1 - p[i, v])
            num += (x[v, i] - p[i, v]) ** 2
            den += w
            z2 += (x[v, i] - p[i, v]) ** 2 / w
            n += 1
        assert fit.infit[i] == pytest.approx(num / den)
        assert fit.outfit[i] == pytest.approx(z2 / n)
    pf = person_fit(x, params, theta)
    assert pf.infit.shape == (40,) and pf.n[0] == 5


def test_lord_wingersky_matches_brute_force() -> None:
    """Summed-score probabilities equal enumeration over all patterns."""
    params = ItemParameters.concatenate(
        [
            ItemParameters.dichotomous([1.0, 1.5], [-0.5, 0.5], item_ids=["a", "b"]),
            ItemParameters.polytomous([1.2], [[-1.0, 0.0, 1.0]], item_ids=["c"]),
        ]
    )
    theta = np.array([-1.0, 0.3])
    lw = lord_wingersky(params, theta)
    p = category_probabilities(params, theta)
    brute = np.zeros((6, 2))
    for i in range(2):
        for j in range(2):
            for k in range(4):
                brute[i + j + k] += p[0, :, i] * p[1, :, j] * p[2, :, k]
    np.testing.assert_allclose(lw, brute, atol=1e-12)
    np.testing.assert_allclose(lw.sum(axis=0), 1.0)


def test_s_x2_accepts_fitting_items_and_flags_a_misfit() -> None:
    """S-X² rarely rejects model-fitting items and rejects the misfitting one."""
    x, params, _ = _data(n_persons=3000, seed=5)
    clean = s_x2(x, params)
    assert (clean.p_value < 0.01).sum() <= 1
    assert np.all(clean.df > 0) and np.all(clean.n_groups > 5)
    # A misfitting item also distorts the summed score others are grouped on, so
    # only its own statistic is checked.
    x, params, _ = _data(n_persons=3000, misfit=True, seed=5)
    res = s_x2(x, params)
    assert res.p_value[0] < 1e-6
    assert np.argmax(res.s_x2 / res.df) == 0
    assert "0" in res.flagged()


def test_s_x2_polytomous_runs_and_fits() -> None:
    """A GRM form generated from its own parameters shows no misfit."""
    rng = np.random.default_rng(6)
    params = ItemParameters.polytomous(
        rng.uniform(1.0, 2.0, 8), np.sort(rng.normal(0, 1, (8, 2)), axis=1)
    )
    theta = rng.standard_normal(1500)
    cum = np.cumsum(np.moveaxis(category_probabilities(params, theta), 0, 1), axis=2)
    x = (rng.random((1500, 8))[:, :, None] > cum[:, :, :-1]).sum(axis=2).astype(float)
    res = s_x2(x, params)
    assert np.isfinite(res.s_x2).all()
    assert (res.p_value < 0.01).sum() <= 1


def test_dimensionality_check() -> None:
    """Two weakly related traits are detected; one trait is not."""
    x, params, _ = _data(n_persons=1000, n_items=20, seed=7)
    est = estimate_ability(x, params).theta
    one = dimensionality_check(x, params, est, n_replications=10, rng=1)
    assert one.unidimensional
    rng = np.random.default_rng(8)
    t1 = rng.standard_normal(1000)
    t2 = 0.2 * t1 + np.sqrt(1 - 0.04) * rng.standard_normal(1000)
    theta2 = np.column_stack(
        [np.repeat(t1[:, None], 10, 1), np.repeat(t2[:, None], 10, 1)]
    )
    p = 1 / (1 + np.exp(-params.a * (theta2 - params.b)))
    x2 = (rng.random(p.shape) < p).astype(float)
    est2 = estimate_ability(x2, params).theta
    two = dimensionality_check(x2, params, est2, n_replications=10, rng=2)
    assert not two.unidimensional
    assert two.first_contrast > 2.0
    assert "n_extra_dimensions" in repr(two)


def test_fit_bad_inputs() -> None:
    """Wrong shapes, incomplete forms and bad theta raise clear errors."""
    x, params, theta = _data(n_persons=30, n_items=5)
    with pytest.raises(ValueError, match="theta has 29 values for 30 persons"):
        item_fit(x, params, theta[:-1])
    bad = x.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="row 0, item '0' was not administered"):
        s_x2(bad, params)
    with pytest.raises(ValueError):
        item_fit(x[:, :4], params, theta)
    with pytest.raises(ValueError, match="not finite"):
        item_fit(x, params, np.full(30, np.nan))


def _mirt_itemfit(model: object, x: np.ndarray, theta: np.ndarray) -> dict:
    pytest.importorskip("mirt")
    from mirt.diagnostics.itemfit import compute_itemfit

    q, w = normal_quadrature(61)
    return compute_itemfit(
        model,
        x,
        ["S_X2", "infit", "outfit", "z_infit", "z_outfit"],
        theta=theta,
        quadrature_points=q,
        quadrature_weights=w,
    )


def test_fit_agrees_with_mirt_dichotomous() -> None:
    """S-X², its df, infit, outfit and ZSTD equal mirt's for known 2PL parameters."""
    mirt = pytest.importorskip("mirt")
    x, params, theta = _data(n_persons=1500, n_items=10, seed=11)
    model = mirt.TwoParameterLogistic(10)
    model.set_parameters(
        discrimination=np.array(params.a), difficulty=np.array(params.b)
    )
    model._is_fitted = True  # known parameters, no calibration
    ref = _mirt_itemfit(model, x, theta)
    ours = s_x2(x, params)
    fit = item_fit(x, params, theta)
    np.testing.assert_allclose(ours.s_x2, ref["S_X2"], rtol=1e-6)
    np.testing.assert_array_equal(ours.df, ref["df"])
    np.testing.assert_allclose(fit.infit, ref["infit"], rtol=1e-8)
    np.testing.assert_allclose(fit.outfit, ref["outfit"], rtol=1e-8)
    np.testing.assert_allclose(fit.infit_zstd, ref["z_infit"], atol=1e-6)
    np.testing.assert_allclose(fit.outfit_zstd, ref["z_outfit"], atol=1e-6)


def test_fit_agrees_with_mirt_graded() -> None:
    """For GRM items S-X² (with category pooling) and mean squares equal mirt's."""
    mirt = pytest.importorskip("mirt")
    rng = np.random.default_rng(6)
    a = rng.uniform(1.0, 2.0, 8)
    thr = np.sort(rng.normal(0, 1, (8, 3)), axis=1)
    params = ItemParameters.polytomous(a, thr, model="grm")
    theta = rng.standard_normal(1500)
    cum = np.cumsum(np.moveaxis(category_probabilities(params, theta), 0, 1), axis=2)
    x = (rng.random((1500, 8))[:, :, None] > cum[:, :, :-1]).sum(axis=2).astype(float)
    model = mirt.GradedResponseModel(8, n_categories=4)
    model.set_parameters(discrimination=a, thresholds=thr)
    model._is_fitted = True
    ref = _mirt_itemfit(model, x, theta)
    ours = s_x2(x, params)
    fit = item_fit(x, params, theta)
    np.testing.assert_allclose(ours.s_x2, ref["S_X2"], rtol=1e-6)
    np.testing.assert_array_equal(ours.df, ref["df"])
    np.testing.assert_allclose(fit.infit, ref["infit"], rtol=1e-8)
    np.testing.assert_allclose(fit.outfit, ref["outfit"], rtol=1e-8)
