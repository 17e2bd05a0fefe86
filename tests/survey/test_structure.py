"""The survey's production modules never import the simulator; the services package keeps its names."""

from __future__ import annotations

import ast
from pathlib import Path

import assessment.survey as survey_pkg

ROOT = Path(survey_pkg.__file__).parent
# Tools that set up a simulated survey on purpose (the demo, its command).
ALLOWED = {"demo.py", "management/commands/simulate_survey.py"}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_production_modules_do_not_import_the_simulation():
    offenders = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(("simulation/", "migrations/")) or rel in ALLOWED:
            continue
        if any(m.startswith("assessment.survey.simulation") for m in _imports(path)):
            offenders.append(rel)
    assert offenders == []


def test_services_package_reexports_every_public_name():
    from assessment.survey import services

    for name in services.__all__:
        assert hasattr(services, name), name
    for name in (
        "design_create",
        "invitations_issue",
        "invitation_redeem",
        "invitations_redeem",
        "survey_data_store",
        "survey_data_from_delivery",
        "survey_arrays",
        "cut_scores_set",
        "levels_for",
        "rollup_publish",
        "indicators_feed",
        "job_start",
        "job_create",
        "job_cancel",
        "population_counts",
    ):
        assert callable(getattr(services, name)), name
