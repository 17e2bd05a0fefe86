"""Linking constants from common items."""

from __future__ import annotations

import numpy as np
import pytest

from psychometrics.irt import ItemParameters
from psychometrics.linking import link, transform_parameters, transform_theta

A_TRUE, B_TRUE = 1.25, -0.4


def _banks(noise: float = 0.0, seed: int = 0) -> tuple[ItemParameters, ItemParameters]:
    """A reference bank and the same items on a new scale (theta_ref = A th + B)."""
    rng = np.random.default_rng(seed)
    n = 20
    a = rng.uniform(0.7, 2.0, n)
    b = rng.normal(0, 1, n)
    ref = ItemParameters.dichotomous(a, b, item_ids=[f"i{j}" for j in range(n)])
    b_new = (b - B_TRUE) / A_TRUE + noise * rng.standard_normal(n)
    a_new = a * A_TRUE * np.exp(noise * rng.standard_normal(n))
    new = ItemParameters.dichotomous(a_new, b_new, item_ids=[f"i{j}" for j in range(n)])
    return new, ref


@pytest.mark.parametrize(
    "method", ["mean_sigma", "mean_mean", "stocking_lord", "haebara"]
)
def test_recovers_known_constants_exactly(method: str) -> None:
    """Without estimation noise every method recovers A and B."""
    new, ref = _banks()
    res = link(new, ref, method=method, jackknife=False)
    assert res.A == pytest.approx(A_TRUE, abs=1e-3)
    assert res.B == pytest.approx(B_TRUE, abs=1e-3)
    back = res.transform_parameters(new)
    np.testing.assert_allclose(back.b, ref.b, atol=5e-3)
    np.testing.assert_allclose(back.a, ref.a, rtol=5e-3)


def test_noisy_parameters_give_close_constants_and_a_linking_error() -> None:
    """With estimation noise, Stocking–Lord lands near the truth with a jackknife SE."""
    new, ref = _banks(noise=0.08, seed=3)
    res = link(new, ref)
    assert res.A == pytest.approx(A_TRUE, abs=0.1)
    assert res.B == pytest.approx(B_TRUE, abs=0.1)
    assert 0 < res.linking_error < 0.1
    assert res.linking_error == res.se_B
    assert "stocking_lord" in repr(res) and "n_common=20" in repr(res)
    assert res.to_dict()["method"] == "stocking_lord"


def test_polytomous_and_3pl_common_items() -> None:
    """GRM thresholds and 3PL items transform and link like b."""
    ref = ItemParameters.polytomous(
        [1.0, 1.5, 0.8, 1.2],
        [[-1.0, 0.0, 1.0], [-0.5, 0.5, 1.5], [-2.0, -1.0, 0.2], [-1.2, 0.3, 0.9]],
        model="grm",
        item_ids=["p0", "p1", "p2", "p3"],
    )
    ref3 = ItemParameters.dichotomous(
        [1.0, 1.4, 0.9],
        [-1.0, 0.2, 1.1],
        [0.2, 0.15, 0.25],
        model="3pl",
        item_ids=["d0", "d1", "d2"],
    )
    ref_all = ItemParameters.concatenate([ref, ref3])
    new_all = transform_parameters(ref_all, 1 / A_TRUE, -B_TRUE / A_TRUE)
    np.testing.assert_allclose(new_all.c, ref_all.c)
    res = link(new_all, ref_all, method="stocking_lord")
    assert res.A == pytest.approx(A_TRUE, abs=1e-3)
    assert res.B == pytest.approx(B_TRUE, abs=1e-3)


def test_transform_theta_and_only_common_items_used() -> None:
    """Thetas transform linearly; items outside the common set do not matter."""
    new, ref = _banks()
    np.testing.assert_allclose(transform_theta([0.0, 1.0], 2.0, 1.0), [1.0, 3.0])
    extra = ItemParameters.dichotomous([1.0], [5.0], item_ids=["new_only"])
    res = link(ItemParameters.concatenate([new, extra]), ref, method="mean_sigma")
    assert "new_only" not in res.common_item_ids
    assert res.A == pytest.approx(A_TRUE)


def test_linking_bad_inputs() -> None:
    """Too few common items, unknown ids, mismatched models and bad constants."""
    new, ref = _banks()
    other = ItemParameters.dichotomous([1.0, 1.0], [0.0, 1.0], item_ids=["x", "y"])
    with pytest.raises(ValueError, match="at least 2 common items; found 0"):
        link(other, ref)
    with pytest.raises(ValueError, match="common item 'zz' is not in the new"):
        link(new, ref, common_item_ids=["i0", "zz"])
    with pytest.raises(ValueError, match="method must be"):
        link(new, ref, method="equipercentile")  # type: ignore[arg-type]
    poly = ItemParameters.polytomous(
        [1.0, 1.0], [[-1.0, 1.0], [0.0, 1.0]], item_ids=["i0", "i1"]
    )
    with pytest.raises(ValueError, match="common item 'i0' is grm"):
        link(poly, ref)
    with pytest.raises(ValueError, match="A > 0"):
        transform_parameters(ref, -1.0, 0.0)


@pytest.mark.parametrize(
    ("method", "tol"),
    [
        ("mean_sigma", 1e-10),
        ("mean_mean", 1e-10),
        ("stocking_lord", 2e-3),
        ("haebara", 2e-3),
    ],
)
def test_constants_agree_with_mirt(method: str, tol: float) -> None:
    """On noisy parameters the constants equal mirt.link's (curves: own grids)."""
    mirt = pytest.importorskip("mirt")
    new, ref = _banks(noise=0.08, seed=3)

    def model(p: ItemParameters) -> object:
        m = mirt.TwoParameterLogistic(p.n_items)
        m.set_parameters(discrimination=np.array(p.a), difficulty=np.array(p.b))
        m._is_fitted = True  # known parameters, no calibration
        return m

    idx = list(range(new.n_items))
    theirs = mirt.link(model(ref), model(new), idx, idx, method=method).constants
    ours = link(new, ref, method=method, jackknife=False)
    assert ours.A == pytest.approx(theirs.A, abs=tol)
    assert ours.B == pytest.approx(theirs.B, abs=tol)
