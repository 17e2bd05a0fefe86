"""Time the survey-statistics pipeline on a simulated booklet survey.

Stages: log-likelihoods (fixed item parameters; calibration is timed elsewhere), weights
(base, non-response, raking with trimming), 80 re-raked JK2 replicates, 10 plausible
values × 3 domains from a latent regression, and the roll-up of 16 districts (+ city) ×
3 domains: mean, SD, percentage at or above the attained cut and in each level, all with
Rubin-combined replicate SEs. A naive roll-up (a Python loop over domains × groups × PVs
× weight columns) runs in the same process for the ratio. Accuracy against the simulated
truth is printed next to the issue's bar: district-mean RMSE ≤ 0.020 and share-above-cut
RMSE ≤ 0.013, with EAP averages for comparison, and the coverage of the 95% intervals.

Usage::

    .venv/bin/python benchmarks/bench_survey.py                # 10,000 and 100,000
    .venv/bin/python benchmarks/bench_survey.py --sizes 12500  # one size (sampled)

Each size runs in a fresh subprocess so its peak memory (ru_maxrss) is its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from psychometrics import irt  # noqa: E402
from psychometrics.plausible import LatentRegression  # noqa: E402
from psychometrics.survey import (  # noqa: E402
    Margin,
    base_weights,
    estimate_level_percentages,
    estimate_mean,
    estimate_percentage,
    estimate_sd,
    jk2_replicate_weights,
    nonresponse_adjust,
    rake,
    suppress_cells,
)
from psychometrics.survey.simulate import (  # noqa: E402
    RESIDUAL_SD,
    population_margins,
    population_truth,
    simulate_survey,
)

CUTS = (-0.5, 0.3, 1.0)  # level cuts; "attained" = at or above 0.3
ATTAINED = 0.3
N_PV = 10


def naive_rollup(pvs, w, rw, district):
    """Weighted mean and share ≥ cut with SEs: loop domains × groups × PVs × columns."""
    cols = np.column_stack([w, rw])
    out = []
    for pv in pvs:
        for g in [*range(16), None]:
            k = np.ones(w.size, bool) if g is None else district == g
            res = []
            for stat in ("mean", "share"):
                full, samp = [], []
                for m in range(pv.shape[1]):
                    y = pv[k, m] if stat == "mean" else (pv[k, m] >= ATTAINED) * 1.0
                    ests = [
                        np.sum(cols[k, c] * y) / np.sum(cols[k, c]) for c in range(81)
                    ]
                    full.append(ests[0])
                    samp.append(sum((e - ests[0]) ** 2 for e in ests[1:]))
                b = np.var(full, ddof=1)
                res.append((np.mean(full), np.sqrt(np.mean(samp) + 1.1 * b)))
            out.append(res)
    return out


def run(n_sample: int, seed: int, draw_coef: bool, naive: bool) -> dict:
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    sim = simulate_survey(n_sample, rng=rng)
    t_sim = time.perf_counter() - t0
    tracemalloc.start()
    times: dict[str, float] = {}
    r = sim.responded
    district, age, sex = sim.district[r], sim.age_band[r], sim.sex[r]

    t = time.perf_counter()
    nodes, _ = irt.normal_quadrature(61)
    lls = [
        irt.log_likelihood(x[r], p, nodes)
        for x, p in zip(sim.responses, sim.params, strict=True)
    ]
    times["log-likelihood (3 domains)"] = time.perf_counter() - t

    t = time.perf_counter()
    pi = sim.design.inclusion_probability[sim.stratum]
    # weighting classes = districts, so raking has the age/sex imbalance to correct
    w_nr = nonresponse_adjust(base_weights(pi), sim.responded, sim.district)[r]
    pop = population_margins(sim.design)
    margins = [
        Margin("district", district, pop["district"]),
        Margin("age_band", age, pop["age_band"]),
        Margin("sex", sex, pop["sex"]),
    ]
    raked = rake(w_nr, margins, max_ratio=5.0)
    w = raked.weights
    times["weights (base, non-response, raking)"] = time.perf_counter() - t

    t = time.perf_counter()
    # replicates repeat the non-response adjustment and the raking
    reps = jk2_replicate_weights(
        base_weights(pi),
        sim.stratum,
        responded=sim.responded,
        nonresponse_classes=sim.district,
        margins=margins,
        rake_options={"max_ratio": 5.0},
        rng=rng,
    )
    times["80 JK2 replicates, non-response adjusted + re-raked"] = (
        time.perf_counter() - t
    )

    t = time.perf_counter()
    pvs, eaps, models = [], [], []
    # conditioning variables: the questionnaire plus age band and sex (as PIAAC does)
    background = np.column_stack([sim.background[r], age, sex])
    for ll in lls:
        model = LatentRegression(categorical=(0, 1, 6, 7), draw_coef=draw_coef).fit(
            ll, nodes, background=background, groups=district, sample_weight=w
        )
        pvs.append(model.sample(N_PV, rng=rng))
        models.append(model)
    times["plausible values (10 x 3 domains)"] = time.perf_counter() - t
    for ll in lls:  # EAP under N(0, 1), for comparison only
        post = np.exp(ll - 0.5 * nodes**2 - (ll - 0.5 * nodes**2).max(1, keepdims=True))
        eaps.append(post @ nodes / post.sum(1))

    t = time.perf_counter()
    rollup = []
    for pv in pvs:
        kw = {"groups": district, "include_total": True}
        rollup.append(
            {
                "mean": estimate_mean(pv, w, reps, **kw),
                "sd": estimate_sd(pv, w, reps, **kw),
                "attained": estimate_percentage(
                    pv, w, reps, cut=ATTAINED, scale=1.0, **kw
                ),
                "levels": estimate_level_percentages(pv, w, reps, cuts=CUTS, **kw),
            }
        )
    counts = np.zeros((16, 3), dtype=int)
    np.add.at(counts, (district, age), 1)
    suppress_cells(counts)
    times["roll-up 17 groups x 3 domains (+ suppression)"] = time.perf_counter() - t
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    t_naive = None
    if naive:
        t = time.perf_counter()
        slow = naive_rollup(pvs, w, reps.weights, district)
        t_naive = time.perf_counter() - t
        fast = [
            (m, s)
            for d in rollup
            for m, s in zip(d["mean"].estimate, d["attained"].estimate, strict=True)
        ]
        assert np.allclose([s[0][0] for s in slow], [f[0] for f in fast])
        assert np.allclose([s[1][0] for s in slow], [f[1] for f in fast])
    t_vec_same = 0.0
    t = time.perf_counter()
    for pv in pvs:
        estimate_mean(pv, w, reps, groups=district, include_total=True)
        estimate_percentage(
            pv, w, reps, cut=ATTAINED, groups=district, include_total=True
        )
    t_vec_same = time.perf_counter() - t

    # accuracy against the respondents' true values (weighted), and interval coverage
    def wmean(v):
        return np.bincount(district, w * v, 16) / np.bincount(district, w, 16)

    acc = {
        "pv_mean": [],
        "eap_mean": [],
        "oracle_mean": [],
        "pv_share": [],
        "eap_share": [],
        "oracle_share": [],
    }
    cover_mean, cover_share = [], []
    pop_mean, pop_share = population_truth(sim, ATTAINED, rng=np.random.default_rng(99))
    for k, eap in enumerate(eaps):
        th = sim.theta[r, k]
        est_m = rollup[k]["mean"].estimate[:16]
        est_s = rollup[k]["attained"].estimate[:16]
        acc["pv_mean"].append(np.sqrt(np.mean((est_m - wmean(th)) ** 2)))
        acc["eap_mean"].append(np.sqrt(np.mean((wmean(eap) - wmean(th)) ** 2)))
        truth_s = wmean((th >= ATTAINED) * 1.0)
        acc["pv_share"].append(np.sqrt(np.mean((est_s - truth_s) ** 2)))
        acc["eap_share"].append(
            np.sqrt(np.mean((wmean((eap >= ATTAINED) * 1.0) - truth_s) ** 2))
        )
        # floor: posterior under the true population model (unknowable in practice)
        ll, mu = lls[k], sim.conditional_mean[r, k]
        lp = ll - 0.5 * ((nodes[None, :] - mu[:, None]) / RESIDUAL_SD) ** 2
        post = np.exp(lp - lp.max(axis=1, keepdims=True))
        post /= post.sum(axis=1, keepdims=True)
        acc["oracle_mean"].append(
            np.sqrt(np.mean((wmean(post @ nodes) - wmean(th)) ** 2))
        )
        p_above = post[:, nodes >= ATTAINED].sum(axis=1)
        acc["oracle_share"].append(np.sqrt(np.mean((wmean(p_above) - truth_s) ** 2)))
        rm, rs = rollup[k]["mean"], rollup[k]["attained"]
        cover_mean.append(
            int(
                (
                    (rm.ci_low[:16] <= pop_mean[:, k])
                    & (pop_mean[:, k] <= rm.ci_high[:16])
                ).sum()
            )
        )
        cover_share.append(
            int(
                (
                    (rs.ci_low[:16] <= pop_share[:, k])
                    & (pop_share[:, k] <= rs.ci_high[:16])
                ).sum()
            )
        )
    return {
        "n_sampled": int(sim.district.size),
        "n_respondents": int(r.sum()),
        "draw_coef": draw_coef,
        "simulate_s": t_sim,
        "stages": times,
        "total_s": sum(times.values()),
        "peak_traced_mb": peak / 2**20,
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "naive_rollup_s": t_naive,
        "vector_rollup_same_stats_s": t_vec_same,
        "rake_report": repr(raked.report),
        "replicate_report": repr(reps.report),
        "em_iterations": [m.n_iter_ for m in models],
        "accuracy": {k: [float(x) for x in v] for k, v in acc.items()},
        "coverage_mean_of_16": cover_mean,
        "coverage_share_of_16": cover_share,
    }


def report(res: dict) -> None:
    print(
        f"\n== {res['n_respondents']:,} respondents ({res['n_sampled']:,} sampled), "
        f"draw_coef={res['draw_coef']} =="
    )
    print(f"  (simulation, not timed in the pipeline: {res['simulate_s']:.2f} s)")
    for name, sec in res["stages"].items():
        print(f"  {name:<48} {sec:7.2f} s  {100 * sec / res['total_s']:5.1f} %")
    print(f"  {'total':<48} {res['total_s']:7.2f} s")
    print(
        f"  peak traced memory {res['peak_traced_mb']:.0f} MB; "
        f"process peak RSS {res['maxrss_mb']:.0f} MB"
    )
    if res["naive_rollup_s"] is not None:
        ratio = res["naive_rollup_s"] / res["vector_rollup_same_stats_s"]
        print(
            f"  roll-up of mean + attained share: naive loop {res['naive_rollup_s']:.2f} s, "
            f"vectorised {res['vector_rollup_same_stats_s']:.3f} s -> {ratio:.0f}x"
        )
    print(f"  raking: {res['rake_report']}")
    print(f"  replicates: {res['replicate_report']}")
    print(f"  EM iterations per domain: {res['em_iterations']}")
    a = res["accuracy"]
    for key, bar in (("mean", 0.020), ("share", 0.013)):
        pv, eap, orc = a[f"pv_{key}"], a[f"eap_{key}"], a[f"oracle_{key}"]
        print(
            f"  district {key} RMSE by domain: PV "
            + ", ".join(f"{x:.4f}" for x in pv)
            + f" (bar {bar}); EAP averages "
            + ", ".join(f"{x:.4f}" for x in eap)
            + "; floor (true model) "
            + ", ".join(f"{x:.4f}" for x in orc)
        )
    print(
        f"  95% intervals covering the population truth (of 16): mean "
        f"{res['coverage_mean_of_16']}, attainment {res['coverage_share_of_16']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[12_500, 125_000])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-draw-coef", action="store_true")
    parser.add_argument(
        "--replications",
        type=int,
        default=5,
        help="extra seeds for the accuracy of the first size (pooled RMSE)",
    )
    parser.add_argument("--no-naive", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        (n,) = args.sizes
        naive = n <= 20_000 and not args.no_naive
        print(json.dumps(run(n, args.seed, not args.no_draw_coef, naive=naive)))
        return

    def child(n: int, seed: int, naive: bool) -> dict:
        cmd = [
            sys.executable,
            __file__,
            "--child",
            "--sizes",
            str(n),
            "--seed",
            str(seed),
        ]
        if args.no_draw_coef:
            cmd.append("--no-draw-coef")
        if not naive:
            cmd.append("--no-naive")
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        return json.loads(out.strip().splitlines()[-1])

    for i, n in enumerate(args.sizes):
        res = child(n, args.seed, naive=True)
        report(res)
        if i > 0 or args.replications <= 0:
            continue
        runs = [res] + [
            child(n, args.seed + j, naive=False)
            for j in range(1, args.replications + 1)
        ]
        print(f"\n  accuracy over {len(runs)} seeds x 3 domains (RMSE pooled / worst):")
        for key, bar in (("mean", 0.020), ("share", 0.013)):
            for who in ("pv", "eap", "oracle"):
                v = np.array([x for rr in runs for x in rr["accuracy"][f"{who}_{key}"]])
                print(
                    f"    {key:<5} {who:<6} {np.sqrt(np.mean(v**2)):.4f} / {v.max():.4f}"
                    f"   (bar {bar})"
                )
        cm = [c for rr in runs for c in rr["coverage_mean_of_16"]]
        cs = [c for rr in runs for c in rr["coverage_share_of_16"]]
        print(
            f"    95% intervals covering the population truth, of 16 districts: mean "
            f"min {min(cm)} avg {np.mean(cm):.1f}; attainment min {min(cs)} "
            f"avg {np.mean(cs):.1f}"
        )


if __name__ == "__main__":
    main()
