"""Precision per item of multistage, adaptive and booklet delivery on the same bank.

Usage::

    .venv/bin/python benchmarks/bench_multistage.py                 # 120-item bank, 5000 simulees
    .venv/bin/python benchmarks/bench_multistage.py --items 60 --simulees 2000 --seed 3

One simulated 2PL bank (a ~ lognormal(0, 0.25) clipped to [0.5, 2.5], b ~ N(0, 1)) and
one sample of abilities θ ~ N(0, 1). Every design gives each simulee the same number
of items, L, and is scored by the same EAP (``psychometrics.estimate_ability``, N(0,1)
prior) over the items given:

- **multistage**: the bank is dealt into parallel panels (item k to panel k mod P),
  each cut into a 1-3-3 design by the delivery's own builder
  (``assessment.demo.mst_design_from_bank``: 6 routing items, modules of 5, routed by
  number correct to stage 2 and by EAP at θ −0.5/0.5 to stage 3) and routed with the
  delivery's own ``route_index``; panels go round robin. L = 16.
- **adaptive**: ``psychometrics.cat.simulate_cat`` at fixed length L (no SE stop),
  maximum information, with the delivery's default randomesque exposure control
  (k = 5) and without exposure control (k = 1).
- **booklet**: the bank dealt at random into booklets of L items, rotated.

Printed per design: mean posterior SD (SE), RMSE and bias of θ̂ against the true θ,
mean test information at the true θ per item given, RMSE in three ability bands, and
the highest item exposure; then ratios from the same run. Relative efficiency
RE(X vs Y) = (RMSE_Y / RMSE_X)²: how many times the items Y would need to match X.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learning_platform.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()  # only to import the delivery's design builder and router; no database

from assessment.demo import mst_design_from_bank  # noqa: E402
from assessment.services.multistage import route_index  # noqa: E402
from psychometrics import ItemParameters, estimate_ability  # noqa: E402
from psychometrics.cat import Randomesque, simulate_cat  # noqa: E402
from psychometrics.irt import item_information  # noqa: E402

RANK = {"easy": 0, "medium": 1, "hard": 2}
BANDS = [(-np.inf, -1.0), (-1.0, 1.0), (1.0, np.inf)]


def make_bank(n_items: int, rng: np.random.Generator) -> ItemParameters:
    a = np.clip(rng.lognormal(0.0, 0.25, n_items), 0.5, 2.5)
    b = rng.normal(0.0, 1.0, n_items)
    return ItemParameters.dichotomous(a=a, b=b)


def draw(
    params: ItemParameters, theta: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Every simulee's response to every item (persons × items), drawn once."""
    p = 1.0 / (1.0 + np.exp(-params.a[None, :] * (theta[:, None] - params.b[None, :])))
    return (rng.random(p.shape) < p).astype(float)


def eap_rows(x: np.ndarray, params: ItemParameters) -> tuple[np.ndarray, np.ndarray]:
    est = estimate_ability(x, params, method="eap")
    return np.asarray(est.theta), np.asarray(est.se)


def simulate_multistage(params, theta, full, n_panels):
    """Route every simulee through a round-robin panel; return the responses given."""
    n, n_items = full.shape
    order = np.argsort(params.b, kind="stable")
    panels = []
    for k in range(n_panels):
        pool = [int(i) for i in order if i % n_panels == k]
        modules, rules = mst_design_from_bank(pool)
        by_stage = {}
        for m in modules:
            by_stage.setdefault(m["stage"], []).append(m)
        for stage in by_stage:
            by_stage[stage].sort(key=lambda m: RANK[m["difficulty"]])
        panels.append((by_stage, {r["stage"]: r for r in rules}))
    x = np.full((n, n_items), np.nan)
    for person in range(n):
        by_stage, rules = panels[person % n_panels]
        given = list(by_stage[1][0]["item_ids"])
        for stage in sorted(by_stage)[1:]:
            rule = rules[stage]
            if rule["method"] == "number_correct":
                value = float(full[person, given].sum())
            else:
                value = float(
                    estimate_ability(full[person, given], params.subset(given)).theta[0]
                )
            module = by_stage[stage][route_index(rule["cut_points"], value)]
            given += module["item_ids"]
        x[person, given] = full[person, given]
    return x


def simulate_booklets(full, length, rng):
    n, n_items = full.shape
    dealt = rng.permutation(n_items)
    booklets = [dealt[k : k + length] for k in range(0, n_items - length + 1, length)]
    x = np.full_like(full, np.nan)
    for person in range(n):
        items = booklets[person % len(booklets)]
        x[person, items] = full[person, items]
    return x, len(booklets)


def summarise(name, theta, est, se, x, params, seconds):
    given = ~np.isnan(x)
    length = given.sum(axis=1)
    info = item_information(params, theta)  # items × persons
    per_item = (info.T * given).sum(axis=1) / length
    err = est - theta
    bands = []
    for low, high in BANDS:
        mask = (theta >= low) & (theta < high)
        bands.append(float(np.sqrt(np.mean(err[mask] ** 2))))
    return {
        "design": name,
        "length": float(length.mean()),
        "se": float(se.mean()),
        "rmse": float(np.sqrt(np.mean(err**2))),
        "bias": float(err.mean()),
        "info_per_item": float(per_item.mean()),
        "bands": bands,
        "max_exposure": float(given.mean(axis=0).max()),
        "used": int((given.sum(axis=0) > 0).sum()),
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=120)
    parser.add_argument("--simulees", type=int, default=5000)
    parser.add_argument("--panels", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    params = make_bank(args.items, rng)
    theta = rng.normal(size=args.simulees)
    full = draw(params, theta, rng)
    if args.items // args.panels < 36:
        sys.exit(
            f"--items/--panels must leave 36 items per panel for a 1-3-3 design; "
            f"{args.items}/{args.panels} does not"
        )
    rows = []

    t = time.perf_counter()
    x_mst = simulate_multistage(params, theta, full, args.panels)
    est, se = eap_rows(x_mst, params)
    rows.append(
        summarise(
            f"multistage 1-3-3 ×{args.panels} panels",
            theta,
            est,
            se,
            x_mst,
            params,
            time.perf_counter() - t,
        )
    )
    length = int(round(rows[0]["length"]))

    for k, label in (
        (5, "adaptive MFI, randomesque k=5"),
        (1, "adaptive MFI, no exposure ctl"),
    ):
        t = time.perf_counter()
        report = simulate_cat(
            params,
            theta,
            se_target=None,
            max_length=length,
            min_length=length,
            exposure=Randomesque(k) if k > 1 else None,
            rng=np.random.default_rng(args.seed + k),
        )
        x = np.full_like(full, np.nan)
        rows_idx = np.repeat(np.arange(args.simulees), length)
        cols = report.items[:, :length].ravel()
        x[rows_idx, cols] = report.responses[:, :length].ravel()
        # rescored by the same EAP as the other designs (the report's own EAP agrees)
        est, se = eap_rows(x, params)
        rows.append(
            summarise(label, theta, est, se, x, params, time.perf_counter() - t)
        )

    t = time.perf_counter()
    x_book, n_booklets = simulate_booklets(full, length, rng)
    est, se = eap_rows(x_book, params)
    rows.append(
        summarise(
            f"booklets ({n_booklets} × {length} items)",
            theta,
            est,
            se,
            x_book,
            params,
            time.perf_counter() - t,
        )
    )

    print(
        f"bank: {args.items} 2PL items (seed {args.seed}); {args.simulees} simulees "
        f"θ ~ N(0, 1); every design {length} items, scored by EAP\n"
    )
    head = (
        f"{'design':34} {'items':>5} {'mean SE':>8} {'RMSE':>7} {'bias':>7} "
        f"{'info/item':>9} {'RMSE θ<-1':>9} {'-1..1':>7} {'θ>1':>7} {'max exp':>7} "
        f"{'used':>5} {'s':>6}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r['design']:34} {r['length']:5.1f} {r['se']:8.3f} {r['rmse']:7.3f} "
            f"{r['bias']:+7.3f} {r['info_per_item']:9.3f} {r['bands'][0]:9.3f} "
            f"{r['bands'][1]:7.3f} {r['bands'][2]:7.3f} {r['max_exposure']:7.2f} "
            f"{r['used']:5d} {r['seconds']:6.1f}"
        )
    mst = rows[0]
    print("\nratios (multistage against each):")
    for r in rows[1:]:
        print(
            f"  vs {r['design']:32} RMSE {mst['rmse'] / r['rmse']:.3f}  "
            f"mean SE {mst['se'] / r['se']:.3f}  info/item "
            f"{mst['info_per_item'] / r['info_per_item']:.3f}  "
            f"RE {(r['rmse'] / mst['rmse']) ** 2:.3f}"
        )


if __name__ == "__main__":
    main()
