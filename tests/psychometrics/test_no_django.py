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


def test_psychometrics_and_all_submodules_load_no_django():
    """Importing every psychometrics module leaves ``django`` out of sys.modules."""
    res = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert int(res.stdout.split()[0]) >= 10  # the walk really found the submodules
