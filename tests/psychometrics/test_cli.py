"""End-to-end tests of ``python -m psychometrics`` (subprocess)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from psychometrics.cli import main

ROOT = Path(__file__).resolve().parents[2]


def run_process(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real command in a subprocess (end-to-end)."""
    return subprocess.run(
        [sys.executable, "-m", "psychometrics", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The same entry point in-process (fast), with captured stderr."""
    import contextlib
    import io
    import os

    err = io.StringIO()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        os.chdir(old)
    return subprocess.CompletedProcess(list(args), code, "", err.getvalue())


def test_simulate_calibrate_score_link_end_to_end(tmp_path):
    """Simulated booklet data go through calibrate, score and link."""
    # given
    sim = run_process(
        "simulate",
        "--n-persons",
        "2000",
        "--n-items",
        "24",
        "--design",
        "booklet",
        "--seed",
        "3",
        "--out",
        "r.csv",
        "--params-out",
        "true.json",
        cwd=tmp_path,
    )
    assert sim.returncode == 0, sim.stderr
    # when
    cal = run_process(
        "calibrate", "r.csv", "--model", "2pl", "--out", "p.json", cwd=tmp_path
    )
    score = run(
        "score",
        "r.csv",
        "--params",
        "p.json",
        "--method",
        "eap",
        "--out",
        "s.csv",
        cwd=tmp_path,
    )
    link = run(
        "link",
        "--new",
        "p.json",
        "--reference",
        "true.json",
        "--out",
        "l.json",
        cwd=tmp_path,
    )
    # then
    assert cal.returncode == 0, cal.stderr
    out = json.loads((tmp_path / "p.json").read_text())
    assert set(out) == {
        "model",
        "items",
        "log_likelihood",
        "n_iter",
        "converged",
        "groups",
    }
    assert set(out["items"][0]) == {"id", "a", "b", "c", "thresholds", "se"}
    assert out["items"][0]["id"] == "i001" and out["converged"] is True
    true = json.loads((tmp_path / "true.json").read_text())
    b_true = np.array([it["b"] for it in true["items"]])
    b_est = np.array([it["b"] for it in out["items"]])
    assert np.sqrt(np.mean((b_true - b_est) ** 2)) < 0.25  # 8 items per person
    assert score.returncode == 0, score.stderr
    rows = list(csv.reader((tmp_path / "s.csv").open()))
    assert rows[0] == ["person_id", "theta", "se"] and len(rows) == 2001
    assert link.returncode == 0, link.stderr
    assert abs(json.loads((tmp_path / "l.json").read_text())["A"] - 1) < 0.2


def test_calibrate_with_weights_and_groups_polytomous(tmp_path):
    rng = np.random.default_rng(0)
    lines = ["person_id,q1,q2,q3,w,wave"]
    for i in range(400):
        t = rng.normal(0.5 if i % 2 else 0.0)
        codes = [
            int(np.clip(np.round(t + rng.normal(0, 0.7) + 1), 0, 2)) for _ in range(3)
        ]
        lines.append(f"p{i},{codes[0]},{codes[1]},{codes[2]},{1 + i % 3},w{i % 2}")
    (tmp_path / "r.csv").write_text("\n".join(lines) + "\n")
    res = run(
        "calibrate",
        "r.csv",
        "--model",
        "grm",
        "--weights",
        "w",
        "--group",
        "wave",
        "--out",
        "p.json",
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    out = json.loads((tmp_path / "p.json").read_text())
    assert [g["label"] for g in out["groups"]] == ["w0", "w1"]
    assert [g["n"] for g in out["groups"]] == [200, 200]
    assert len(out["items"][0]["thresholds"]) == 2
    assert out["groups"][1]["mean"] > 0.1


@pytest.mark.parametrize(
    "body, expected",
    [
        ("p1,1,0,\np2,0,2,1\np3,1,1,0\n", "CSV line 3 (person 'p2'), item 'q2'"),
        (
            "p1,1,0,\np2,0,x,1\np3,1,1,0\n",
            "CSV line 3 (person 'p2'), item 'q2': non-numeric",
        ),
        ("p1,1,0,1\np2,,,\np3,1,1,0\n", "CSV line 3 (person 'p2')"),
        ("p1,1,0,\np2,0,1,\np3,1,1,\n", "item 'q3'"),
    ],
    ids=["code-outside-model", "non-numeric", "person-without-answers", "empty-item"],
)
def test_bad_input_exits_non_zero_naming_line_and_item(tmp_path, body, expected):
    (tmp_path / "r.csv").write_text("person_id,q1,q2,q3\n" + body)
    res = run("calibrate", "r.csv", "--model", "2pl", "--out", "p.json", cwd=tmp_path)
    assert res.returncode == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert expected in lines[0]
    assert not (tmp_path / "p.json").exists()


def test_score_methods_and_unknown_item(tmp_path):
    run(
        "simulate",
        "--n-persons",
        "50",
        "--n-items",
        "6",
        "--seed",
        "1",
        "--out",
        "r.csv",
        "--params-out",
        "true.json",
        cwd=tmp_path,
    )
    for method in ("eap", "map", "mle", "wle"):
        res = run(
            "score",
            "r.csv",
            "--params",
            "true.json",
            "--method",
            method,
            "--out",
            f"{method}.csv",
            cwd=tmp_path,
        )
        assert res.returncode == 0, res.stderr
    (tmp_path / "x.csv").write_text("person_id,zz\np1,1\n")
    res = run("score", "x.csv", "--params", "true.json", "--out", "o.csv", cwd=tmp_path)
    assert res.returncode == 1 and "item 'zz'" in res.stderr


def test_cat_simulate(tmp_path):
    run(
        "simulate",
        "--n-persons",
        "10",
        "--n-items",
        "40",
        "--seed",
        "2",
        "--out",
        "r.csv",
        "--params-out",
        "bank.json",
        cwd=tmp_path,
    )
    res = run(
        "cat-simulate",
        "--params",
        "bank.json",
        "--n-simulees",
        "100",
        "--max-length",
        "15",
        "--seed",
        "1",
        "--out",
        "c.json",
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    assert json.loads((tmp_path / "c.json").read_text())


def test_simulate_targeted_two_stage_then_calibrate(tmp_path):
    """``--targeted`` draws mst_bank modules; the design is recorded and ignorable."""
    # given
    sim = run_process(
        "simulate",
        "--n-persons",
        "3000",
        "--n-items",
        "30",
        "--design",
        "two-stage",
        "--targeted",
        "--seed",
        "5",
        "--out",
        "r.csv",
        "--params-out",
        "true.json",
        cwd=tmp_path,
    )
    assert sim.returncode == 0, sim.stderr
    true = json.loads((tmp_path / "true.json").read_text())
    design = true["design"]
    ids = [it["id"] for it in true["items"]]
    b = {it["id"]: it["b"] for it in true["items"]}
    rows = list(csv.reader((tmp_path / "r.csv").open()))
    header, body = rows[0][1:], rows[1:]
    x = np.array([[np.nan if v == "" else float(v) for v in r[1:]] for r in body])
    col = {i: header.index(i) for i in ids}
    # then: modules written for their stage, columns routing, easy, hard
    assert design["targeted"] is True
    assert design["routing"] == ids[:10]
    assert design["easy"] == ids[10:20] and design["hard"] == ids[20:]
    mean = {k: np.mean([b[i] for i in design[k]]) for k in ("routing", "easy", "hard")}
    assert mean["easy"] < mean["routing"] - 0.5 < mean["hard"] - 1.0
    # targeted modules overlap in difficulty, unlike a bank cut by difficulty
    assert max(b[i] for i in design["easy"]) > min(b[i] for i in design["routing"])
    # every person answers the routing block and exactly one module, by routing score
    routing = x[:, [col[i] for i in design["routing"]]]
    easy = np.isfinite(x[:, [col[i] for i in design["easy"]]]).all(axis=1)
    hard = np.isfinite(x[:, [col[i] for i in design["hard"]]]).all(axis=1)
    assert np.isfinite(routing).all() and np.all(easy ^ hard)
    assert np.array_equal(hard, routing.sum(axis=1) >= design["cut"])
    assert 0.3 < hard.mean() < 0.7
    # when
    cal = run("calibrate", "r.csv", "--se", "none", "--out", "p.json", cwd=tmp_path)
    # then: MML skips the cells not administered, so b is recovered everywhere
    assert cal.returncode == 0, cal.stderr
    est = {
        it["id"]: it["b"]
        for it in json.loads((tmp_path / "p.json").read_text())["items"]
    }
    err = np.array([est[i] - b[i] for i in ids])
    assert np.sqrt(np.mean(err**2)) < 0.2


@pytest.mark.parametrize(
    "extra, expected",
    [
        (["--design", "booklet"], "--targeted needs --design two-stage"),
        (["--design", "two-stage", "--model", "grm"], "not --model grm"),
        (["--design", "two-stage", "--n-items", "2"], "--n-items >= 3, got 2"),
    ],
    ids=["not-two-stage", "polytomous", "too-few-items"],
)
def test_simulate_targeted_bad_options(tmp_path, extra, expected):
    res = run("simulate", "--targeted", *extra, "--out", "r.csv", cwd=tmp_path)
    assert res.returncode == 1
    assert res.stderr.startswith("error: simulate: ") and expected in res.stderr
    assert not (tmp_path / "r.csv").exists()


def test_fast_reader_matches_the_checking_reader(tmp_path):
    """pyarrow's parse gives the same ids, cells, gaps and extra columns as csv."""
    from psychometrics.cli import _read_responses_checked, _read_responses_fast

    rng = np.random.default_rng(7)
    x = rng.integers(0, 3, size=(300, 12)).astype(float)
    x[rng.random(x.shape) < 0.4] = np.nan
    x[:, 0] = 1.0  # every person answers something
    path = tmp_path / "r.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["person_id", "wave", *[f"q{j}" for j in range(12)], "w"])
        for i, row in enumerate(x):
            cells = ["" if np.isnan(v) else str(int(v)) for v in row]
            w.writerow(
                [f"p,{i}" if i % 50 == 0 else f"p{i}", f"w{i % 2}", *cells, "1.5"]
            )
    fast = _read_responses_fast(str(path), ["wave", "w"])
    slow = _read_responses_checked(str(path), ["wave", "w"])
    assert fast is not None
    assert fast.person_ids == slow.person_ids and fast.person_ids[0] == "p,0"
    assert fast.item_ids == slow.item_ids
    np.testing.assert_array_equal(fast.responses, slow.responses)
    assert fast.extra == slow.extra


@pytest.mark.parametrize(
    "body", ["p1,1,0,1\np2,0,inf,1\n", "p1,1,0,1\np2,0,nan,1\n", "p1,1,0\n"]
)
def test_fast_reader_leaves_bad_files_to_the_checking_reader(tmp_path, body):
    """Non-finite cells and ragged rows are not taken by the fast path."""
    from psychometrics.cli import _read_responses_fast

    (tmp_path / "r.csv").write_text("person_id,q1,q2,q3\n" + body)
    assert _read_responses_fast(str(tmp_path / "r.csv"), []) is None
