"""Item exposure of an adaptive test: 2,000 simulees on a 1,000-item bank.

Bank: 1,000 2PL items (a ~ lognormal(0.2, 0.3), b ~ N(0, 1.2)) in three content
areas; test: EAP, maximum Fisher information, stop at SE <= 0.3 or 30 items. Runs
without exposure control, with randomesque (k = 5, 10), with Sympson–Hetter
(parameters calibrated on 2,000 other simulees, target 0.25) and with Sympson–Hetter
plus a 50/30/20 blueprint. Each configuration is evaluated on the same 2,000 fresh
simulees. Goal: largest exposure rate <= 0.25.

Usage::

    .venv/bin/python benchmarks/bench_exposure.py [--simulees 2000] [--items 1000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from psychometrics.cat import (  # noqa: E402
    CATBank,
    Randomesque,
    simulate_cat,
    sympson_hetter_calibrate,
)
from psychometrics.irt import ItemParameters  # noqa: E402

OPTIONS = {"se_target": 0.3, "max_length": 30, "min_length": 5}
BLUEPRINT = {"information": 0.5, "science": 0.3, "health": 0.2}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--simulees", type=int, default=2000)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--target", type=float, default=0.25)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    params = ItemParameters.dichotomous(
        rng.lognormal(0.2, 0.3, args.items), rng.normal(0, 1.2, args.items)
    )
    areas = np.array(list(BLUEPRINT))[np.arange(args.items) % 3]
    bank = CATBank(params, content_areas=areas)
    calibration_thetas = rng.standard_normal(args.simulees)
    thetas = rng.standard_normal(args.simulees)

    rows = []

    def run(name: str, seconds: float = 0.0, **kw: object) -> None:
        t0 = time.perf_counter()
        rep = simulate_cat(bank, thetas, rng=1, **OPTIONS, **kw)  # type: ignore[arg-type]
        rows.append((name, rep, time.perf_counter() - t0, seconds))

    run("none")
    run("randomesque k=5", exposure=Randomesque(5))
    run("randomesque k=10", exposure=Randomesque(10))
    t0 = time.perf_counter()
    sh = sympson_hetter_calibrate(
        bank, calibration_thetas, args.target, rng=2, **OPTIONS
    )
    sh_time = time.perf_counter() - t0
    run("sympson-hetter", sh_time, exposure=sh.exposure)
    t0 = time.perf_counter()
    shb = sympson_hetter_calibrate(
        bank, calibration_thetas, args.target, rng=3, blueprint=BLUEPRINT, **OPTIONS
    )
    shb_time = time.perf_counter() - t0
    run(
        "sympson-hetter + blueprint",
        shb_time,
        exposure=shb.exposure,
        blueprint=BLUEPRINT,
    )

    print(
        f"bank {args.items} items, {args.simulees} simulees, stop at SE <= 0.3 or 30 "
        f"items; goal: max exposure <= {args.target}"
    )
    print(
        f"{'control':<28}{'max exp':>8}{'unused':>8}{'>0.25':>7}{'length':>8}"
        f"{'RMSE':>7}{'bias':>8}{'sim s':>7}{'calib s':>8}"
    )
    for name, rep, secs, calib in rows:
        over = int((rep.exposure_rate > args.target).sum())
        print(
            f"{name:<28}{rep.max_exposure:>8.3f}{rep.unused_share:>8.1%}{over:>7d}"
            f"{rep.mean_length:>8.2f}{rep.rmse:>7.3f}{rep.bias:>+8.3f}{secs:>7.2f}"
            f"{calib:>8.1f}"
        )
    print(f"Sympson-Hetter calibration history (max exposure): {sh.history}")
    print("\nSympson-Hetter run in detail:")
    print(rows[3][1].summary())


if __name__ == "__main__":
    main()
