"""Time vectorised ability estimation against girth and mirt.

Usage::

    .venv/bin/python benchmarks/bench_scoring.py           # EAP 100,000 x 120 and 10,000
    .venv/bin/python benchmarks/bench_scoring.py --quick   # 20,000 persons

Prints the engine's times (best of ``--repeat``), the same task with girth's and mirt's
EAP measured in this run, and the ratios (baseline time / engine time).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from psychometrics.irt import ItemParameters  # noqa: E402
from psychometrics.scoring import estimate_ability  # noqa: E402
from psychometrics.simulate import simulate_responses  # noqa: E402


def best_of(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def girth_eap(x: np.ndarray, params: ItemParameters) -> np.ndarray:
    from girth import ability_eap

    return np.asarray(ability_eap(x.astype(int).T, params.b, params.a))


def mirt_model(params: ItemParameters):
    """A fitted mirt 2PL holding ``params`` (mirt scores only fitted models)."""
    import mirt

    rng = np.random.default_rng(0)
    dummy = (rng.random((200, params.n_items)) < 0.5).astype(int)
    model = mirt.fit_mirt(dummy, "2PL", compute_standard_errors=False, max_iter=2).model
    model.set_parameters(discrimination=params.a.copy(), difficulty=params.b.copy())
    return model


def mirt_eap(x: np.ndarray, model) -> np.ndarray:
    import mirt

    return np.asarray(mirt.fscores(model, x.astype(int), method="EAP").theta).reshape(
        -1
    )


def run(n: int, n_items: int, args, rng) -> None:
    a = np.clip(rng.lognormal(0, 0.25, n_items), 0.5, 2.5)
    params = ItemParameters.dichotomous(a, rng.normal(0, 1, n_items))
    theta = rng.normal(size=n)
    x = simulate_responses(params, theta, rng=rng)
    print(f"\n== EAP, {n:,} persons x {n_items} items (complete, 61 nodes)")
    t_e, est = best_of(lambda: estimate_ability(x, params), args.repeat)
    print(
        f"engine EAP + SE : {1000 * t_e:8.1f} ms  corr(true) "
        f"{np.corrcoef(est.theta, theta)[0, 1]:.4f}"
    )
    try:
        t_g, g = best_of(lambda: girth_eap(x, params), args.repeat)
        print(
            f"girth ability_eap: {1000 * t_g:8.1f} ms  max |diff| "
            f"{np.max(np.abs(g - est.theta)):.4f}   ratio girth/engine {t_g / t_e:5.1f}x"
        )
    except Exception as exc:
        print(f"girth ability_eap: fails: {type(exc).__name__}: {exc}")
    try:
        model = mirt_model(params)
        t_m, m = best_of(lambda: mirt_eap(x, model), args.repeat)
        print(
            f"mirt fscores EAP : {1000 * t_m:8.1f} ms  max |diff| "
            f"{np.max(np.abs(m - est.theta)):.4f}   ratio mirt/engine {t_m / t_e:5.1f}x"
        )
    except Exception as exc:
        print(f"mirt fscores EAP : not measured ({type(exc).__name__}: {exc})")
    sub = x[: min(n, 10_000)]
    for method in ("map", "mle", "wle"):
        t, _ = best_of(lambda m=method: estimate_ability(sub, params, method=m), 1)
        print(
            f"engine {method.upper():4s}     : {1000 * t:8.1f} ms for {sub.shape[0]:,} persons"
        )
    one = x[:1]
    t1, _ = best_of(lambda: estimate_ability(one, params), 20)
    print(f"engine EAP, one person: {1000 * t1:.2f} ms")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args()
    rng = np.random.default_rng(11)
    run(10_000, 120, args, rng)
    run(20_000 if args.quick else 100_000, 120, args, rng)


if __name__ == "__main__":
    main()
