"""The engine imports nothing from Django (ARCHITECTURE invariant 6)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import importlib, pkgutil, sys
import psychometrics
names = [m.name for m in pkgutil.walk_packages(psychometrics.__path__, "psychometrics.")]
for name in names:
    if name != "psychometrics.__main__":
        importlib.import_module(name)
loaded = sorted(m for m in sys.modules if m == "django" or m.startswith("django."))
print(len(names), loaded)
sys.exit(1 if loaded else 0)
"""


def _run(script: str) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a fresh interpreter that sees only the repository."""
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


def test_psychometrics_and_all_submodules_load_no_django():
    """Importing every psychometrics module leaves ``django`` out of sys.modules."""
    res = _run(SCRIPT)
    assert res.returncode == 0, res.stdout + res.stderr
    assert int(res.stdout.split()[0]) >= 10  # the walk really found the submodules


LAZY = """
import sys
import psychometrics
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"scipy", "sklearn", "girth", "pandas"})
print("after import:", heavy)
assert not heavy, heavy
from psychometrics import TwoPL, estimate_ability  # calibration and scoring
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"sklearn", "girth", "pandas"})
assert not heavy, heavy
from sklearn.base import clone
assert clone(TwoPL(max_iter=7)).max_iter == 7
print(sorted(psychometrics.__all__) == sorted(set(dir(psychometrics)) & set(psychometrics.__all__)))
"""


def test_import_loads_no_scipy_or_sklearn_until_used():
    """``import psychometrics`` is cheap: heavy libraries load with the part using them."""
    res = _run(LAZY)
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.strip().endswith("True")


def test_every_public_name_resolves():
    """Each name in ``psychometrics.__all__`` loads from its module."""
    import psychometrics

    for name in psychometrics.__all__:
        assert getattr(psychometrics, name) is not None, name
