"""Time MML calibration against girth and mirt on the issue's designs.

Usage::

    .venv/bin/python benchmarks/bench_calibration.py            # full (several minutes)
    .venv/bin/python benchmarks/bench_calibration.py --quick    # smaller, no girth 3PL
    .venv/bin/python benchmarks/bench_calibration.py --memory   # 100,000 x 300 booklets
    .venv/bin/python benchmarks/bench_calibration.py --only two-stage 3pl --cpu-time
    .venv/bin/python benchmarks/bench_calibration.py --only sensitivity
    .venv/bin/python benchmarks/bench_calibration.py --only 3pl --replications 30 --mirt-replications 5

Every figure is measured in the same run as its baselines and printed with the ratio
(girth time / engine time, mirt time / engine time: above 1 means the engine is
faster). Times are the best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from psychometrics.calibration import ThreePL, TwoPL  # noqa: E402
from psychometrics.irt import ItemParameters  # noqa: E402
from psychometrics.simulate import (  # noqa: E402
    booklet_design,
    mst_bank,
    simulate_responses,
    two_stage_design,
)

CLOCK = time.perf_counter  # --cpu-time: time.process_time (all threads of the process)


def best_of(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeat):
        t = CLOCK()
        out = fn()
        best = min(best, CLOCK() - t)
    return best, out


def rmse(a, b) -> float:
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


def bank(n_items: int, rng: np.random.Generator, model: str = "2pl") -> ItemParameters:
    a = np.clip(rng.lognormal(0.0, 0.25, n_items), 0.5, 2.5)
    b = rng.normal(0.0, 1.0, n_items)
    c = rng.uniform(0.1, 0.3, n_items) if model == "3pl" else None
    return ItemParameters.dichotomous(a, b, c, model=model)


# ---------------------------------------------------------------- baselines
def girth_2pl(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from girth import tag_missing_data, twopl_mml

    data = np.where(np.isnan(x), -1, x).astype(int).T
    data = tag_missing_data(data, [0, 1])
    est = twopl_mml(data)
    return np.asarray(est["Discrimination"]), np.asarray(est["Difficulty"])


def girth_3pl(x: np.ndarray):
    from girth import threepl_mml

    est = threepl_mml(x.astype(int).T)
    return (
        np.asarray(est["Discrimination"]),
        np.asarray(est["Difficulty"]),
        np.asarray(est["Guessing"]),
    )


def mirt_fit(x: np.ndarray, model: str = "2PL", prior: bool = False, **options):
    import mirt
    from mirt.estimation.priors import BetaPrior

    kw = {"priors": {"guessing": BetaPrior(5, 17)}} if prior else {}
    res = mirt.fit_mirt(x, model, **kw, **options).to_dict()
    p = res["parameters"]
    return (
        np.asarray(p["discrimination"]),
        np.asarray(p["difficulty"]),
        np.asarray(p.get("guessing", np.zeros(x.shape[1]))),
        res["converged"],
    )


# ---------------------------------------------------------------- scenarios
def scenario_2pl(name: str, make, args, with_girth=True):
    """Time on the first data set; average RMSEs over ``args.replications`` sets."""
    true, x = make(0)
    print(
        f"\n== {name}: {x.shape[0]:,} persons x {x.shape[1]} items, "
        f"{np.isfinite(x).sum(axis=1).mean():.0f} answered each"
    )
    t_eng, fit = best_of(lambda: TwoPL().fit(x), args.repeat)
    t_m, m_fit = best_of(lambda: mirt_fit(x), args.repeat)
    eng = [(fit.item_params_.a, fit.item_params_.b, true)]
    mir = [(m_fit[0], m_fit[1], true)]
    for rep in range(1, args.replications):
        t_r, x_r = make(rep)
        ip = TwoPL().fit(x_r).item_params_
        eng.append((ip.a, ip.b, t_r))
        a_r, b_r, _, _ = mirt_fit(x_r)
        mir.append((a_r, b_r, t_r))

    def summary(rows) -> str:
        ra = np.mean([rmse(a, t.a) for a, _, t in rows])
        rb = np.mean([rmse(b, t.b) for _, b, t in rows])
        return f"a-RMSE {ra:.3f}  b-RMSE {rb:.3f}"

    reps = f"(RMSE mean of {args.replications} data sets)"
    print(
        f"engine 2PL + SEs : {t_eng:7.3f} s  {summary(eng)}  iterations {fit.n_iter_}  "
        f"converged {fit.converged_} {reps}"
    )
    print(
        f"mirt 2PL + SEs   : {t_m:7.3f} s  {summary(mir)}  converged {m_fit[3]}   "
        f"ratio mirt/engine {t_m / t_eng:5.1f}x"
    )
    if with_girth:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_g, (a, b) = best_of(lambda: girth_2pl(x), 1)
        print(
            f"girth twopl_mml  : {t_g:7.3f} s  a-RMSE {rmse(a, true.a):.3f}  "
            f"b-RMSE {rmse(b, true.b):.3f} (first data set; no SEs)   "
            f"ratio girth/engine {t_g / t_eng:5.1f}x"
        )


def mean_se(v) -> str:
    v = np.asarray(v)
    se = v.std(ddof=1) / np.sqrt(v.size) if v.size > 1 else np.nan
    return f"mean {v.mean():.4f} (SE {se:.4f}; min {v.min():.4f}, max {v.max():.4f})"


def scenario_3pl(make, args, name: str = "3PL complete"):
    """Time on the first data set; c-RMSE of engine and mirt on every data set.

    Both programs fit every data set twice: with the Beta(5, 17) prior on c (the
    goal) and without any prior (maximum likelihood). The prior-free c-RMSE does not
    depend on the prior, so it tells how hard the scenario makes c to recover; the
    issue measured 0.060 for mirt (0.058 for girth) on its data set.
    """
    true, x = make(0)
    print(f"\n== {name}: {x.shape[0]:,} persons x {x.shape[1]} items")
    t_eng, fit = best_of(lambda: ThreePL().fit(x), args.repeat)
    ip = fit.item_params_
    print(
        f"engine 3PL Beta(5,17) + SEs : {t_eng:7.3f} s  c-RMSE {rmse(ip.c, true.c):.3f}  "
        f"a-RMSE {rmse(ip.a, true.a):.3f}  b-RMSE {rmse(ip.b, true.b):.3f}  "
        f"converged {fit.converged_} ({fit.n_iter_} it)"
    )
    t_m, (a, b, c, conv) = best_of(lambda: mirt_fit(x, "3PL", prior=True), 1)
    print(
        f"mirt 3PL Beta(5,17) + SEs   : {t_m:7.3f} s  c-RMSE {rmse(c, true.c):.3f}  "
        f"a-RMSE {rmse(a, true.a):.3f}  b-RMSE {rmse(b, true.b):.3f}  converged {conv}"
        f"   ratio mirt/engine {t_m / t_eng:5.1f}x"
    )
    rows: dict[str, list[float]] = {
        "engine": [],
        "mirt": [],
        "engine ML": [],
        "mirt ML": [],
        "easy": [],
        "hard": [],
    }
    n_m = min(args.replications, args.mirt_replications or args.replications)
    for rep in range(args.replications):
        t_r, x_r = (true, x) if rep == 0 else make(rep)
        c_e = (
            ip.c if rep == 0 else ThreePL(standard_errors=None).fit(x_r).item_params_.c
        )
        c_eml = ThreePL(standard_errors=None, prior_c=None).fit(x_r).item_params_.c
        fits = [("engine", c_e), ("engine ML", c_eml)]
        if rep < n_m:  # mirt on the same data sets (its 3PL fits are the slow part)
            c_m = c if rep == 0 else mirt_fit(x_r, "3PL", prior=True)[2]
            c_mml = mirt_fit(x_r, "3PL", compute_standard_errors=False)[2]
            fits += [("mirt", c_m), ("mirt ML", c_mml)]
        for key, got in fits:
            rows[key].append(rmse(got, t_r.c))
        easy = t_r.b < 0  # c is weakly identified where few persons guess
        rows["easy"].append(rmse(c_e[easy], t_r.c[easy]))
        rows["hard"].append(rmse(c_e[~easy], t_r.c[~easy]))
        line = (
            f"  set {rep + 1:2d}: c-RMSE engine {rows['engine'][-1]:.4f}  "
            f"no prior {rows['engine ML'][-1]:.4f}"
        )
        if rep < n_m:
            line += (
                f"  | mirt {rows['mirt'][-1]:.4f}  no prior {rows['mirt ML'][-1]:.4f}"
            )
        print(line, flush=True)
    n = args.replications
    print(f"c-RMSE over {n} data sets (SE = SD / sqrt(n)):")
    print(f"  engine Beta(5,17): {mean_se(rows['engine'])}")
    print(f"  engine, no prior : {mean_se(rows['engine ML'])}")
    print(f"on the first {n_m} of them, both programs:")
    print(f"  engine Beta(5,17): {mean_se(rows['engine'][:n_m])}")
    print(f"  mirt   Beta(5,17): {mean_se(rows['mirt'])}")
    diff = np.subtract(rows["engine"][:n_m], rows["mirt"])
    print(
        f"  engine - mirt    : mean {diff.mean():+.4f}, "
        f"largest |diff| {np.abs(diff).max():.4f}"
    )
    print(f"  engine, no prior : {mean_se(rows['engine ML'][:n_m])}")
    print(
        f"  mirt,   no prior : {mean_se(rows['mirt ML'])}   (issue's data set: 0.060)"
    )
    print(
        f"  engine Beta(5,17), items with b < 0: {np.mean(rows['easy']):.4f}, "
        f"b >= 0: {np.mean(rows['hard']):.4f}"
    )
    if not args.quick:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t_g, (a, b, c) = best_of(lambda: girth_3pl(x), 1)
            print(
                f"girth threepl_mml           : {t_g:7.3f} s  c-RMSE {rmse(c, true.c):.3f}"
                f"   ratio girth/engine {t_g / t_eng:5.1f}x"
            )
        except Exception as exc:  # girth 0.8 fails under numpy >= 2.4
            print(f"girth threepl_mml           : fails: {type(exc).__name__}: {exc}")


def sensitivity(name: str, make, model: str, args) -> None:
    """RMSE of the engine (and of mirt on the first set) under other grids and tolerances.

    Shows whether the figures depend on numerical settings rather than on the data:
    41 or 61 or 81 nodes (81 on ±8), tol 1e-4 or 1e-6, on every data set.
    """
    est = TwoPL if model == "2pl" else ThreePL
    par = "b" if model == "2pl" else "c"
    settings = {
        "41 nodes, tol 1e-4 (default)": {},
        "61 nodes, tol 1e-6": {"n_quadrature": 61, "tol": 1e-6},
        "81 nodes on ±8, tol 1e-7": {
            "n_quadrature": 81,
            "quadrature_bound": 8.0,
            "tol": 1e-7,
        },
    }
    rows: dict[str, list[float]] = {k: [] for k in settings}
    split: list[tuple[float, float]] = []
    print(f"\n== sensitivity, {name}: engine {par}-RMSE per data set")
    for rep in range(args.replications):
        true, x = make(rep)
        for key, kw in settings.items():
            fit = est(standard_errors=None, max_iter=5000, **kw).fit(x)
            got = getattr(fit.item_params_, par)
            rows[key].append(rmse(got, getattr(true, par)))
            if model == "3pl" and not kw:
                easy = true.b < 0  # c is weakly identified where few persons guess
                split.append(
                    (rmse(got[easy], true.c[easy]), rmse(got[~easy], true.c[~easy]))
                )
        if rep == 0:
            m = mirt_fit(
                x,
                model.upper(),
                prior=model == "3pl",
                n_quadpts=61,
                tol=1e-6,
                max_iter=5000,
                compute_standard_errors=False,
            )
            got = m[1] if model == "2pl" else m[2]
            print(
                f"mirt 61 nodes, tol 1e-6, first set: {par}-RMSE {rmse(got, getattr(true, par)):.4f}"
            )
    for key, v in rows.items():
        print(f"{key:30s}: mean {np.mean(v):.4f}  " + " ".join(f"{r:.4f}" for r in v))
    if split:
        lo, hi = np.mean(split, axis=0)
        print(
            f"default fit, c-RMSE of items with b < 0: {lo:.4f}, with b >= 0: {hi:.4f} "
            f"(mean over data sets)"
        )


def memory_child(n_persons: int, n_items: int) -> None:
    rng = np.random.default_rng(7)
    true = bank(n_items, rng)
    mask, _ = booklet_design(n_persons, n_items, rng=rng)
    x = simulate_responses(true, rng.normal(size=n_persons), rng=rng, design=mask)
    del mask
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter()
    fit = TwoPL().fit(x)
    el = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ip = fit.item_params_
    print(
        f"engine 2PL + SEs: {el:.1f} s, peak RSS {peak:,.0f} MiB (data alone "
        f"{x.nbytes / 2**20:,.0f} MiB, before fit {base:,.0f} MiB), "
        f"a-RMSE {rmse(ip.a, true.a):.3f} b-RMSE {rmse(ip.b, true.b):.3f}, "
        f"converged {fit.converged_} in {fit.n_iter_} iterations"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smaller data, fewer baselines")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--replications", type=int, default=5, help="data sets for RMSEs")
    p.add_argument(
        "--mirt-replications",
        type=int,
        default=None,
        help="3PL: fit mirt on only the first N of the data sets (default: all)",
    )
    p.add_argument("--memory", action="store_true", help="run the 100,000 x 300 check")
    p.add_argument(
        "--only",
        nargs="+",
        choices=[
            "booklets",
            "complete",
            "two-stage",
            "3pl",
            "3pl-girth",
            "sensitivity",
        ],
        help="run only these scenarios (default: all but sensitivity and 3pl-girth)",
    )
    p.add_argument(
        "--sensitivity",
        action="store_true",
        help="also refit the two-stage and 3PL data with other grids and tolerances",
    )
    p.add_argument(
        "--cpu-time",
        action="store_true",
        help="time by process CPU time instead of wall time (for a loaded machine)",
    )
    p.add_argument("--memory-child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.cpu_time:
        global CLOCK
        CLOCK = time.process_time
    if args.memory_child:
        memory_child(*args.memory_child)
        return
    n = 3000 if args.quick else 10_000

    def booklets(rep: int):
        g = np.random.default_rng(1000 + rep)
        true = bank(120, g)
        mask, _ = booklet_design(n, 120, n_clusters=6, clusters_per_booklet=2, rng=g)
        return true, simulate_responses(true, g.normal(size=n), rng=g, design=mask)

    def complete(rep: int):
        g = np.random.default_rng(2000 + rep)
        true = bank(60, g)
        return true, simulate_responses(true, g.normal(size=n), rng=g)

    def two_stage(rep: int):
        # one N(0, 1) bank cut by difficulty: middle third routes, extremes follow
        g = np.random.default_rng(3000 + rep)
        true = bank(60, g)
        design = two_stage_design(true)
        return true, simulate_responses(true, g.normal(size=n), rng=g, design=design)

    def two_stage_targeted(rep: int):
        # modules written for their stage: b ~ N(0, .5), N(-1, .5), N(1, .5)
        g = np.random.default_rng(3000 + rep)
        true, design = mst_bank(20, 20, rng=g, a_sd=0.25)
        return true, simulate_responses(true, g.normal(size=n), rng=g, design=design)

    def run(name: str) -> bool:
        return not args.only or name in args.only

    if run("booklets"):
        scenario_2pl(
            "2PL booklets (6 clusters of 20, booklet = 2 clusters)", booklets, args
        )
    if run("complete"):
        scenario_2pl("2PL complete", complete, args, with_girth=not args.quick)
    if run("two-stage"):
        scenario_2pl(
            "2PL two-stage adaptive, difficulty split of one bank "
            "(routing 20, then easy 20 or hard 20)",
            two_stage,
            args,
            with_girth=not args.quick,
        )
        scenario_2pl(
            "2PL two-stage adaptive, targeted modules "
            "(mst_bank: routing 20, then easy 20 or hard 20)",
            two_stage_targeted,
            args,
            with_girth=not args.quick,
        )

    def three_pl(rep: int):
        g = np.random.default_rng(4000 + rep)
        true = bank(60, g, "3pl")
        return true, simulate_responses(true, g.normal(size=n), rng=g)

    def three_pl_girth(rep: int):
        # the convention of girth's own 3PL tests: b evenly spread on [-1.5, 1.5],
        # a ~ U(0.5, 1.5), c ~ U(0, 0.3)
        g = np.random.default_rng(4000 + rep)
        a, c = g.uniform(0.5, 1.5, 60), g.uniform(0.0, 0.3, 60)
        true = ItemParameters.dichotomous(a, np.linspace(-1.5, 1.5, 60), c, model="3pl")
        return true, simulate_responses(true, g.normal(size=n), rng=g)

    if run("3pl"):
        scenario_3pl(three_pl, args)
    if args.only and "3pl-girth" in args.only:
        scenario_3pl(three_pl_girth, args, "3PL complete, girth's test convention")

    if args.sensitivity or (args.only and "sensitivity" in args.only):
        sensitivity("two-stage, difficulty split", two_stage, "2pl", args)
        sensitivity("two-stage, targeted modules", two_stage_targeted, "2pl", args)
        sensitivity("3PL complete", three_pl, "3pl", args)

    if args.memory:
        size = (20_000, 300) if args.quick else (100_000, 300)
        print(
            f"\n== memory: 2PL booklets {size[0]:,} persons x {size[1]} items "
            "(separate process)"
        )
        subprocess.run(
            [sys.executable, __file__, "--memory-child", *map(str, size)], check=True
        )


if __name__ == "__main__":
    main()
