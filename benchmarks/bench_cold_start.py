"""The engine's command line as a whole process, against girth's and mirt's.

Issue 22: what a researcher waits for is the process, not the fit. This script writes
a 10,000 x 120 booklet file (6 clusters of 20 items, 2 per booklet), then times, each
as a fresh Python process started from the shell:

- ``python -c "import psychometrics"`` against ``python -c "import numpy"``;
- ``python -m psychometrics calibrate r.csv --model 2pl`` (with Louis SEs);
- the same file read and fitted by girth's ``twopl_mml`` (no SEs: girth has none);
- the same file read and fitted by mirt's ``fit_mirt(..., "2PL")`` (with SEs).

Targets: the engine's process at least 15x faster than girth's and at most 0.5x
mirt's; ``import psychometrics`` under 0.3 s. Run::

    .venv/bin/python benchmarks/bench_cold_start.py [--repeat 3] [--skip-girth] [--cpu-time]
"""

from __future__ import annotations

import argparse
import csv
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CPU_TIME = False

GIRTH = """
import sys, numpy as np
from girth import tag_missing_data, twopl_mml
x = np.genfromtxt(sys.argv[1], delimiter=",", skip_header=1)[:, 1:]
data = tag_missing_data(np.where(np.isnan(x), -1, x).astype(int).T, [0, 1])
est = twopl_mml(data)
print(len(est["Difficulty"]))
"""

MIRT = """
import sys, numpy as np, mirt
x = np.genfromtxt(sys.argv[1], delimiter=",", skip_header=1)[:, 1:]
res = mirt.fit_mirt(x, "2PL").to_dict()
print(len(res["parameters"]["difficulty"]))
"""


def write_booklets(path: Path, *, n_persons: int, n_items: int, seed: int) -> None:
    from psychometrics import booklet_design, simulate_responses
    from psychometrics.irt import ItemParameters

    rng = np.random.default_rng(seed)
    a = np.clip(rng.lognormal(0.0, 0.25, n_items), 0.5, 2.5)
    b = rng.normal(0.0, 1.0, n_items)
    true = ItemParameters.dichotomous(a, b, model="2pl")
    design, _ = booklet_design(n_persons, n_items, rng=rng)
    x = simulate_responses(true, rng.normal(size=n_persons), rng=rng, design=design)
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["person_id", *[f"i{j:03d}" for j in range(n_items)]])
        for i, row in enumerate(x):
            w.writerow([f"p{i:05d}", *["" if np.isnan(v) else int(v) for v in row]])


def timed(cmd: list[str], *, repeat: int, cwd: Path) -> float:
    """Best time of ``repeat`` runs of a whole process; a failure stops the run.

    With ``--cpu-time`` the time is the process's CPU time (user + system, all its
    threads, from ``getrusage``), which a loaded machine inflates far less than the
    wall clock.
    """
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        elapsed = time.perf_counter() - t
        if CPU_TIME:
            elapsed = (after.ru_utime - before.ru_utime) + (
                after.ru_stime - before.ru_stime
            )
        if res.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{res.stderr}")
        best = min(best, elapsed)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=120)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261205)
    parser.add_argument("--skip-girth", action="store_true", help="girth takes ~30 s")
    parser.add_argument(
        "--cpu-time", action="store_true", help="CPU time of each process, not wall"
    )
    args = parser.parse_args()
    global CPU_TIME
    CPU_TIME = args.cpu_time
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data = work / "r.csv"
        write_booklets(data, n_persons=args.persons, n_items=args.items, seed=args.seed)
        clock = "CPU time" if CPU_TIME else "wall time"
        env_note = (
            f"{args.persons:,} x {args.items} booklets, best of {args.repeat}, {clock}"
        )
        print(f"cold start of whole processes ({env_note})")

        t_numpy = timed([py, "-c", "import numpy"], repeat=args.repeat, cwd=ROOT)
        t_import = timed(
            [py, "-c", "import psychometrics"], repeat=args.repeat, cwd=ROOT
        )
        print(
            f"import psychometrics      : {t_import:6.3f} s   (import numpy {t_numpy:.3f} s;"
            f" target < 0.3 s) {'met' if t_import < 0.3 else 'NOT met'}"
        )
        calibrate = [
            py,
            "-m",
            "psychometrics",
            "calibrate",
            str(data),
            "--model",
            "2pl",
        ]
        calibrate += ["--out", str(work / "p.json")]
        t_engine = timed(calibrate, repeat=args.repeat, cwd=ROOT)
        print(f"engine calibrate + SEs    : {t_engine:6.3f} s")
        t_mirt = timed([py, "-c", MIRT, str(data)], repeat=args.repeat, cwd=ROOT)
        ratio_m = t_engine / t_mirt
        print(
            f"mirt 2PL + SEs            : {t_mirt:6.3f} s   engine/mirt {ratio_m:5.2f}"
            f" (target <= 0.5) {'met' if ratio_m <= 0.5 else 'NOT met'}"
        )
        if not args.skip_girth:
            t_girth = timed([py, "-c", GIRTH, str(data)], repeat=1, cwd=ROOT)
            ratio_g = t_girth / t_engine
            print(
                f"girth 2PL (no SEs)        : {t_girth:6.3f} s   girth/engine "
                f"{ratio_g:5.1f}x (target >= 15x) {'met' if ratio_g >= 15 else 'NOT met'}"
            )


if __name__ == "__main__":
    main()
