"""Time the survey workflow's pipeline end to end, as the jobs run it.

Stages (``assessment.survey.pipeline``, the code the weights/calibration/scoring/roll-up
jobs call, without the database): weights (base, non-response, raking with trimming, 80
re-raked JK2 replicates), concurrent calibration of all booklets per domain (MML-EM, 2PL,
cross-product SEs) linked to the reporting scale through common items (Stocking–Lord),
10 plausible values × 3 domains from a latent regression on background PCs and district,
and the roll-up of 16 districts + city × 3 domains (mean, SD, % attained, % per level,
each with replicate SEs and Rubin's rules) plus age-band and sex breakdowns with
complementary suppression. Accuracy against the simulated truth is printed too.

Usage::

    .venv/bin/python benchmarks/bench_survey_pipeline.py                 # 12,500 and 125,000 sampled
    .venv/bin/python benchmarks/bench_survey_pipeline.py --sizes 12500

Each size runs in a fresh subprocess so its peak memory (ru_maxrss) is its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assessment.survey import pipeline  # noqa: E402
from psychometrics.survey import ProficiencyLevels  # noqa: E402
from psychometrics.survey.simulate import (  # noqa: E402
    population_margins,
    population_truth,
    simulate_survey,
)

DOMAINS = ("info", "science", "health")
CUTS = (-0.5, 0.3, 1.1)


def run_one(n_sample: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    t = {}
    t0 = time.perf_counter()
    sim = simulate_survey(n_sample, rng=rng)
    t["simulate"] = time.perf_counter() - t0
    r = sim.responded
    margins = population_margins(sim.design)
    margins = {k: {str(a): b for a, b in v.items()} for k, v in margins.items()}
    pi = sim.design.inclusion_probability[sim.stratum]

    t0 = time.perf_counter()
    w = pipeline.compute_weights(
        district=sim.district,
        age_band=sim.age_band,
        sex=sim.sex,
        inclusion_probability=pi,
        responded=r,
        margins=margins,
    )
    t["weights + 80 JK2 replicates"] = time.perf_counter() - t0

    responses = {d: sim.responses[k][r] for k, d in enumerate(DOMAINS)}
    ids = {d: [f"{d}-{j}" for j in range(x.shape[1])] for d, x in responses.items()}
    reference = {
        d: replace(sim.params[k], item_ids=tuple(ids[d])) for k, d in enumerate(DOMAINS)
    }
    t0 = time.perf_counter()
    cal = pipeline.calibrate(responses, ids, previous=reference)
    t["calibration (3 domains, linked)"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    sc = pipeline.score(
        responses,
        ids,
        cal.params,
        background=sim.background[r],
        categorical=(0, 1),
        groups=sim.district[r],
        weights=w.final,
        conditioning={"age_band": sim.age_band[r], "sex": sim.sex[r]},
    )
    t["10 plausible values × 3 domains"] = time.perf_counter() - t0

    levels = {
        d: ProficiencyLevels(d, CUTS, ("L1", "L2", "L3", "L4"), "L2") for d in DOMAINS
    }
    t0 = time.perf_counter()
    cells = pipeline.rollup(
        sc.pv,
        weights=w.final,
        replicates=w.replicates,
        district=sim.district[r],
        levels=levels,
        breakdowns={"age_band": sim.age_band[r], "sex": sim.sex[r]},
    )
    t["roll-up (16 districts + city × 3 domains, breakdowns)"] = (
        time.perf_counter() - t0
    )
    total = sum(v for k, v in t.items() if k != "simulate")

    mean, share = population_truth(sim, CUTS[0], rng=np.random.default_rng(seed + 1))
    err_m, err_s, cover = [], [], 0
    # the issue's bar: against the respondents' weighted true abilities (measurement and
    # imputation error); the coverage is against the population truth (all error)
    dr = sim.district[r]
    tot = np.bincount(dr, weights=w.final)
    for k, d in enumerate(DOMAINS):
        th = sim.theta[r, k]
        s_mean = np.bincount(dr, weights=w.final * th) / tot
        s_share = np.bincount(dr, weights=w.final * (th >= CUTS[0])) / tot
        for dist in range(sim.district_means.size):
            cm = next(
                c
                for c in cells
                if c["domain_code"] == d
                and not c["breakdown"]
                and c["district_code"] == str(dist)
                and c["indicator"] == "mean_theta"
            )
            cs = next(
                c
                for c in cells
                if c["domain_code"] == d
                and not c["breakdown"]
                and c["district_code"] == str(dist)
                and c["indicator"] == "attainment_rate"
            )
            err_m.append(cm["estimate"] - s_mean[dist])
            err_s.append(cs["estimate"] / 100 - s_share[dist])
            cover += cs["ci_low"] <= 100 * share[dist, k] <= cs["ci_high"]
    return {
        "n_sampled": n_sample,
        "n_respondents": int(r.sum()),
        "stages": t,
        "total": total,
        "rmse_mean": float(np.sqrt(np.mean(np.square(err_m)))),
        "rmse_share": float(np.sqrt(np.mean(np.square(err_s)))),
        "coverage": f"{cover}/{3 * sim.district_means.size}",
        "n_cells": len(cells),
        "linking_error": {d: v.get("linking_error") for d, v in cal.linking.items()},
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[12_500, 125_000])
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--child", action="store_true")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run_one(args.sizes[0], args.seed)))
        return
    for n in args.sizes:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                "--sizes",
                str(n),
                "--seed",
                str(args.seed),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        res = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"\n{res['n_sampled']:,} sampled, {res['n_respondents']:,} respondents: "
            f"{res['total']:.1f} s, peak RSS {res['peak_rss_mib']:.0f} MiB"
        )
        for stage, sec in res["stages"].items():
            share = "" if stage == "simulate" else f" ({100 * sec / res['total']:.0f}%)"
            print(f"  {stage:<55} {sec:7.2f} s{share}")
        print(
            f"  district-mean RMSE {res['rmse_mean']:.3f} (bar 0.020), share-above-cut RMSE "
            f"{res['rmse_share']:.3f} (bar 0.013), 95% CI coverage {res['coverage']}, "
            f"{res['n_cells']} cells, linking error {res['linking_error']}"
        )


if __name__ == "__main__":
    main()
