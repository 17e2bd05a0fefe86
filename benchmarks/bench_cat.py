"""Time one adaptive step (update the estimate + choose the next item).

Bank: 1,000 2PL items (a ~ lognormal(0.2, 0.3), b ~ N(0, 1.2)), sessions of 30 items
with responses drawn at a known theta. Three implementations run in the same process:

- the engine: ``cat_update`` (incremental EAP on the CATBank grid) +
  ``select_next_item`` (interpolated column of the information table);
- a naive baseline: EAP recomputed from scratch from all responses
  (``irt.log_likelihood`` on the same grid) and the information of every item
  evaluated at the new theta (``irt.item_information``), then the argmax;
- ``mirt`` 1.x from PyPI (Rust core): ``CATEngine.administer_item`` with EAP and
  maximum Fisher information (its step also scores and picks the next item).

The share of sessions where engine and baseline give the same items is printed.

Usage::

    .venv/bin/python benchmarks/bench_cat.py [--items 1000] [--sessions 40]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from psychometrics.cat import CATBank, cat_start, cat_update, select_next_item  # noqa: E402
from psychometrics.irt import (  # noqa: E402
    ItemParameters,
    item_information,
    log_likelihood,
)

LENGTH = 30


def _bank(n_items: int, seed: int = 0) -> ItemParameters:
    rng = np.random.default_rng(seed)
    return ItemParameters.dichotomous(
        rng.lognormal(0.2, 0.3, n_items), rng.normal(0, 1.2, n_items)
    )


def _response(params: ItemParameters, item: int, theta: float, u: float) -> int:
    p = 1 / (1 + np.exp(-params.a[item] * (theta - params.b[item])))
    return int(u < p)


def run_engine(bank: CATBank, thetas: np.ndarray, u: np.ndarray) -> tuple[float, list]:
    """Seconds per step and the item sequences."""
    params = bank.params
    seqs = []
    elapsed = 0.0
    for s, theta in enumerate(thetas):
        state = cat_start(bank)
        seq = []
        item = select_next_item(state, bank)
        for t in range(LENGTH):
            r = _response(params, item, theta, u[s, t])
            seq.append(item)
            t0 = time.perf_counter()
            state = cat_update(state, item, r, bank)
            item = select_next_item(state, bank)
            elapsed += time.perf_counter() - t0
        seqs.append(seq)
    return elapsed / (len(thetas) * LENGTH), seqs


def run_naive(bank: CATBank, thetas: np.ndarray, u: np.ndarray) -> tuple[float, list]:
    """Recompute the posterior and all item information from scratch each step."""
    params = bank.params
    grid, log_prior = bank.theta, bank.log_prior
    seqs = []
    elapsed = 0.0
    for s, theta in enumerate(thetas):
        row = np.full((1, params.n_items), np.nan)
        seq = []
        info = item_information(params, [0.0])[:, 0]
        item = int(np.argmax(info))
        for t in range(LENGTH):
            r = _response(params, item, theta, u[s, t])
            seq.append(item)
            t0 = time.perf_counter()
            row[0, item] = r
            lp = log_likelihood(row, params, grid)[0] + log_prior
            w = np.exp(lp - lp.max())
            est = float(w @ grid / w.sum())
            info = item_information(params, [est])[:, 0]
            info[~np.isnan(row[0])] = -np.inf
            item = int(np.argmax(info))
            elapsed += time.perf_counter() - t0
        seqs.append(seq)
    return elapsed / (len(thetas) * LENGTH), seqs


def run_mirt(params: ItemParameters, thetas: np.ndarray, u: np.ndarray) -> float | None:
    """mirt's CATEngine step (administer_item), or None if unavailable."""
    try:
        import mirt
        from mirt.cat import CATEngine
    except Exception:  # pragma: no cover - optional reference
        return None
    model = mirt.TwoParameterLogistic(params.n_items)
    model.set_parameters(
        discrimination=np.asarray(params.a, dtype=float),
        difficulty=np.asarray(params.b, dtype=float),
    )
    model._is_fitted = True  # known parameters: no calibration step in mirt
    mine = 1 / (1 + np.exp(-params.a[:5] * (0.7 - params.b[:5])))
    theirs = np.asarray(model.probability(np.array([[0.7]]))).reshape(-1)[:5]
    if not np.allclose(mine, theirs, atol=1e-6):
        raise RuntimeError("mirt's 2PL parameterisation differs from the engine's")
    elapsed = 0.0
    steps = 0
    for s, theta in enumerate(thetas):
        engine = CATEngine(
            model,
            item_selection="MFI",
            scoring_method="EAP",
            se_threshold=1e-6,
            max_items=LENGTH,
            n_quadpts=81,
            theta_bounds=(-5.0, 5.0),
            seed=s,
        )
        state = engine.get_current_state()
        for t in range(LENGTH):
            if state.is_complete or state.next_item is None:
                break
            r = _response(params, int(state.next_item), theta, u[s, t])
            t0 = time.perf_counter()
            state = engine.administer_item(r)
            elapsed += time.perf_counter() - t0
            steps += 1
    return elapsed / max(steps, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--sessions", type=int, default=40)
    args = parser.parse_args()
    params = _bank(args.items)
    t0 = time.perf_counter()
    bank = CATBank(params)
    build = time.perf_counter() - t0
    rng = np.random.default_rng(1)
    thetas = rng.standard_normal(args.sessions)
    u = rng.random((args.sessions, LENGTH))
    run_engine(bank, thetas[:3], u[:3])  # warm-up
    engine, seq_e = run_engine(bank, thetas, u)
    naive, seq_n = run_naive(bank, thetas[: max(5, args.sessions // 4)], u)
    # The engine interpolates information between grid nodes, the baseline evaluates
    # it at theta exactly: near-ties may go either way, then the paths part.
    pairs = list(zip(seq_e, seq_n, strict=False))
    same = np.mean([a == b for a, b in pairs])
    first = np.mean([a[:10] == b[:10] for a, b in pairs])
    ref = run_mirt(params, thetas[: max(5, args.sessions // 4)], u)
    print(
        f"bank: {args.items} 2PL items, grid 81 points; CATBank built in "
        f"{build * 1e3:.1f} ms"
    )
    print(f"sessions: {args.sessions} x {LENGTH} items")
    print(f"engine step (update + select): {engine * 1e3:.4f} ms   (goal < 0.2 ms)")
    print(
        f"naive step (EAP + information from scratch): {naive * 1e3:.4f} ms   "
        f"ratio {naive / engine:.1f}x"
    )
    print(
        f"  identical item sequences: {same:.0%} of sessions; identical first 10 "
        f"items: {first:.0%}"
    )
    if ref is not None:
        print(
            f"mirt CATEngine.administer_item: {ref * 1e3:.4f} ms   "
            f"ratio {ref / engine:.1f}x"
        )
    else:
        print("mirt not installed: no reference")


if __name__ == "__main__":
    main()
