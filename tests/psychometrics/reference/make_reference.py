"""Generate girth reference estimates for ``test_calibration.py``.

Run from the repository root::

    .venv/bin/python tests/psychometrics/reference/make_reference.py

It simulates complete-data sets with girth's own generators (fixed seeds), calibrates
them with girth's ``rasch_mml``, ``twopl_mml`` and ``grm_mml`` (the designs girth gets
right) and writes ``girth_reference.json`` holding the data, the true parameters,
girth's estimates, girth's version and this script's name.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import numpy as np
from girth import grm_mml, rasch_mml, twopl_mml
from girth.synthetic import (
    create_synthetic_irt_dichotomous,
    create_synthetic_irt_polytomous,
)

OUT = Path(__file__).with_name("girth_reference.json")


def _rows(data: np.ndarray) -> list[str]:
    """Persons × items codes as one digit string per person."""
    return ["".join(str(int(v)) for v in row) for row in data]


def main() -> None:
    rng = np.random.default_rng(20240601)
    n_persons = 2000
    theta = rng.normal(size=n_persons)
    sets = {}

    b = np.linspace(-1.8, 1.8, 12)
    data = create_synthetic_irt_dichotomous(b, 1.0, theta, seed=11)
    est = rasch_mml(data, discrimination=1.0)
    sets["rasch"] = {
        "model": "rasch",
        "true": {"a": [1.0] * b.size, "b": b.tolist()},
        "girth": {"b": np.asarray(est["Difficulty"]).tolist()},
        "responses": _rows(data.T),
    }

    a = rng.uniform(0.6, 2.0, 15)
    b = rng.normal(0, 1, 15)
    data = create_synthetic_irt_dichotomous(b, a, theta, seed=12)
    est = twopl_mml(data)
    sets["2pl"] = {
        "model": "2pl",
        "true": {"a": a.tolist(), "b": b.tolist()},
        "girth": {
            "a": np.asarray(est["Discrimination"]).tolist(),
            "b": np.asarray(est["Difficulty"]).tolist(),
        },
        "responses": _rows(data.T),
    }

    a = rng.uniform(0.8, 2.0, 8)
    thr = np.sort(rng.normal(0, 1, (8, 3)), axis=1) + np.array([-0.4, 0.0, 0.4])
    data = create_synthetic_irt_polytomous(thr, a, theta, model="grm", seed=13)
    est = grm_mml(data)
    sets["grm"] = {
        "model": "grm",
        "true": {"a": a.tolist(), "thresholds": thr.tolist()},
        "girth": {
            "a": np.asarray(est["Discrimination"]).tolist(),
            "thresholds": np.asarray(est["Difficulty"]).tolist(),
        },
        # girth codes categories from 1; the engine from 0
        "responses": _rows(data.T - 1),
    }

    meta = {
        "tool": "girth",
        "tool_version": version("girth"),
        "numpy_version": np.__version__,
        "script": "tests/psychometrics/reference/make_reference.py",
        "n_persons": n_persons,
        "sets": sets,
    }
    OUT.write_text(json.dumps(meta, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
