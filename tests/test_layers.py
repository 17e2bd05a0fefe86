"""Imports follow the declared layer order (ARCHITECTURE invariant 7, docs/architecture.md).

Every project module (not migrations, not tests, not benchmarks) is parsed, and each of its
imports -- at module level, under ``if TYPE_CHECKING``, inside functions, relative ones --
is resolved to a layer. So are the model references Django resolves from strings:
``apps.get_model("label", "Model")``, ``apps.get_model("label.Model")`` and lazy relation
targets such as ``ForeignKey("label.Model")``. A module may use its own layer and the ones
below it, never one above. Function-level project imports must say why they are lazy.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT_PACKAGES = (
    "psychometrics",
    "learning_platform",
    "itembank",
    "assessment",
    "cms",
)
SKIPPED_DIRS = {"migrations", "tests", "benchmarks", ".venv", "node_modules", "static"}

# The layers, lowest first. A module may import its own layer and any layer before it.
LAYERS = (
    "psychometrics",
    "base",  # learning_platform's shared utilities: settings, errors, downloads, ...
    "accounts/districts",
    "itembank",
    "creditbank",
    "indicators/organisations",
    "assessment",  # with assessment.survey
    "cms",
    "project",  # learning_platform's api, urls, routing, asgi and the views they mount
)
RANK = {name: rank for rank, name in enumerate(LAYERS)}

# Module prefix -> layer; the longest matching prefix wins. A learning_platform module
# missing from this table fails test_every_module_has_a_layer: place it deliberately.
PREFIX_LAYER = {
    "psychometrics": "psychometrics",
    # The base layer: learning_platform's shared utilities, used by every app.
    "learning_platform.settings": "base",
    "learning_platform.env": "base",
    "learning_platform.errors": "base",
    "learning_platform.jsonbounds": "base",
    "learning_platform.numbers": "base",
    "learning_platform.downloads": "base",
    "learning_platform.private_files": "base",
    "learning_platform.security": "base",
    "learning_platform.db_router": "base",
    "learning_platform.modules": "base",
    "learning_platform.consumers": "base",
    "learning_platform.task_worker": "base",
    # API authentication checks accounts' tokens, so it sits with accounts.
    "learning_platform.auth": "accounts/districts",
    "learning_platform.accounts": "accounts/districts",
    "learning_platform.districts": "accounts/districts",
    "itembank": "itembank",
    "learning_platform.creditbank": "creditbank",
    "learning_platform.indicators": "indicators/organisations",
    # Learning organisations read indicators (framework versions) and accounts/districts;
    # nothing below them reads organisations.
    "learning_platform.organisations": "indicators/organisations",
    "assessment": "assessment",
    "cms": "cms",
    # The project level: the modules that mount every app.
    "learning_platform.api": "project",
    "learning_platform.system_api": "project",
    "learning_platform.schemas": "project",
    "learning_platform.urls": "project",
    "learning_platform.routing": "project",
    "learning_platform.asgi": "project",
    "learning_platform.wsgi": "project",
    "learning_platform.start": "project",
    "manage": "project",
}

# Django app label -> layer, for model references given as strings.
APP_LABEL_LAYER = {
    "accounts": "accounts/districts",
    "districts": "accounts/districts",
    "itembank": "itembank",
    "creditbank": "creditbank",
    "indicators": "indicators/organisations",
    "organisations": "indicators/organisations",
    "assessment": "assessment",
    "survey": "assessment",
    "cms": "cms",
}

# Relation fields whose first argument (or ``to=``) may name a model as "label.Model".
RELATION_FIELDS = {
    "ForeignKey",
    "OneToOneField",
    "ManyToManyField",
    "ParentalKey",
    "ParentalManyToManyField",
}
# The engine stays plain Python (ARCHITECTURE invariant 6).
FORBIDDEN_IN_ENGINE = (
    "django",
    "wagtail",
    "ninja",
    "channels",
    "modelcluster",
    "taggit",
)


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    importer: str
    imported: str
    what: str

    def __str__(self) -> str:
        return (
            f"{self.path}:{self.line}: {self.importer} -> {self.imported}: {self.what}"
        )


def layer_of(module: str) -> str | None:
    """Return the layer of a dotted module name, or None outside the project."""
    if module == "learning_platform":  # the package itself, not a prefix of all
        return "base"
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        layer = PREFIX_LAYER.get(".".join(parts[:end]))
        if layer is not None:
            return layer
    return None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_files() -> list[Path]:
    files = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] not in (*PROJECT_PACKAGES, "manage.py"):
            continue
        if SKIPPED_DIRS.intersection(rel.parts[:-1]):
            continue
        files.append(path)
    return files


def _imported_modules(node: ast.AST, package: str) -> list[str]:
    """The dotted names an import statement loads (``from a import b`` may load a.b)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    assert isinstance(node, ast.ImportFrom)
    if node.level:
        base = package.split(".")
        base = base[: len(base) - (node.level - 1)]
        module = ".".join(base + ([node.module] if node.module else []))
    else:
        module = node.module or ""
    return [f"{module}.{alias.name}" for alias in node.names]


def _string_arg(call: ast.Call, index: int, keyword: str | None = None) -> str | None:
    if keyword is not None:
        for kw in call.keywords:
            if kw.arg == keyword and isinstance(kw.value, ast.Constant):
                return kw.value.value if isinstance(kw.value.value, str) else None
    if len(call.args) > index and isinstance(call.args[index], ast.Constant):
        value = call.args[index].value
        return value if isinstance(value, str) else None
    return None


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _model_labels(call: ast.Call) -> list[tuple[str, str]]:
    """(app label, description) for models a call names by string."""
    name = _call_name(call)
    if name == "get_model":
        first = _string_arg(call, 0, "app_label")
        if first is None:
            return []
        if "." in first:
            return [(first.split(".")[0], f'get_model("{first}")')]
        second = _string_arg(call, 1, "model_name") or "?"
        return [(first, f'get_model("{first}", "{second}")')]
    if name in RELATION_FIELDS:
        target = _string_arg(call, 0, "to")
        if target and "." in target:
            return [(target.split(".")[0], f'{name}("{target}")')]
    if name == "import_module":
        target = _string_arg(call, 0, "name")
        if target and not target.startswith("."):
            return [("module:" + target, f'import_module("{target}")')]
    return []


def _lazy_reason(lines: list[str], node: ast.stmt) -> bool:
    """Whether a function-level import says ``# lazy: <reason>`` on or just above it."""
    first = node.lineno - 1
    last = (node.end_lineno or node.lineno) - 1
    candidates = lines[max(first - 1, 0) : last + 1]
    return any("# lazy:" in line for line in candidates)


def check_source(
    source: str, module: str, path: str = "<source>", *, is_package: bool = False
) -> tuple[list[Violation], list[Violation]]:
    """Return (layer violations, function-level project imports without a reason)."""
    importer = layer_of(module)
    if importer is None:
        return [Violation(path, 1, "?", "?", f"{module} has no layer")], []
    package = module if is_package else module.rpartition(".")[0]
    tree = ast.parse(source, filename=path)
    lines = source.splitlines()
    violations: list[Violation] = []
    unexplained: list[Violation] = []

    def check(target: str, line: int, what: str) -> None:
        top = target.split(".")[0]
        if importer == "psychometrics" and top in FORBIDDEN_IN_ENGINE:
            violations.append(Violation(path, line, importer, top, what))
            return
        imported = layer_of(target)
        if imported is not None and RANK[imported] > RANK[importer]:
            violations.append(Violation(path, line, importer, imported, what))

    def visit(node: ast.AST, in_function: bool) -> None:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            what = ast.get_source_segment(source, node) or ast.dump(node)
            what = " ".join(what.split())
            targets = _imported_modules(node, package)
            for target in targets:
                check(target, node.lineno, what)
            project = any(layer_of(t) is not None for t in targets)
            if in_function and project and not _lazy_reason(lines, node):
                unexplained.append(Violation(path, node.lineno, importer, "", what))
        elif isinstance(node, ast.Call):
            for label, what in _model_labels(node):
                if label.startswith("module:"):
                    check(label.removeprefix("module:"), node.lineno, what)
                    continue
                imported = APP_LABEL_LAYER.get(label)
                if imported is not None and RANK[imported] > RANK[importer]:
                    violations.append(
                        Violation(path, node.lineno, importer, imported, what)
                    )
        inner = in_function or isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
        )
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(tree, False)
    return violations, unexplained


def _check_project() -> tuple[list[Violation], list[Violation]]:
    violations: list[Violation] = []
    unexplained: list[Violation] = []
    for path in project_files():
        found, lazy = check_source(
            path.read_text(encoding="utf-8"),
            module_name(path),
            str(path.relative_to(ROOT)),
            is_package=path.name == "__init__.py",
        )
        violations += found
        unexplained += lazy
    return violations, unexplained


@pytest.fixture(scope="module")
def project_check() -> tuple[list[Violation], list[Violation]]:
    return _check_project()


def test_the_walk_finds_the_project():
    """The checker sees every app, so an empty report means something."""
    modules = {module_name(path) for path in project_files()}
    assert len(modules) > 200
    for expected in (
        "psychometrics.irt",
        "learning_platform.settings",
        "learning_platform.accounts.models",
        "learning_platform.organisations.models",
        "itembank.services",
        "assessment.survey.models",
        "cms.models",
        "learning_platform.api",
    ):
        assert expected in modules


def test_every_module_has_a_layer():
    """A new top-level module of learning_platform is placed in a layer on purpose."""
    missing = sorted(
        module_name(p) for p in project_files() if layer_of(module_name(p)) is None
    )
    assert not missing, "add these to PREFIX_LAYER: " + ", ".join(missing)


def test_imports_follow_the_layer_order(project_check):
    """No module imports (or names by string) a module of a higher layer."""
    violations, _ = project_check
    assert not violations, "imports against the layer order:\n" + "\n".join(
        map(str, violations)
    )


def test_function_level_imports_say_why(project_check):
    """A project import inside a function carries ``# lazy: <reason>``."""
    _, unexplained = project_check
    assert not unexplained, (
        "move these to the top of the module, or say why they are lazy:\n"
        + "\n".join(map(str, unexplained))
    )


# -- the checker itself --------------------------------------------------------------

FORBIDDEN = """
from django.apps import apps
from django.db import models

from psychometrics import irt
from learning_platform.accounts.models import User
from learning_platform.errors import ApiError


def abilities():
    from assessment.selectors import campaign_abilities  # lazy: on purpose
    return campaign_abilities()


def result_model():
    return apps.get_model("assessment", "Result")


def page_model():
    return apps.get_model("cms.HomePage")


class Thing(models.Model):
    district = models.ForeignKey("districts.District", on_delete=models.CASCADE)
    wave = models.ForeignKey(to="survey.Wave", on_delete=models.CASCADE)
"""


def test_checker_reports_upward_imports_and_model_strings():
    """Upward imports and get_model/relation strings are reported; downward ones pass."""
    violations, unexplained = check_source(FORBIDDEN, "itembank.fake")
    found = {(v.line, v.importer, v.imported) for v in violations}
    assert found == {
        (11, "itembank", "assessment"),
        (16, "itembank", "assessment"),
        (20, "itembank", "cms"),
        (25, "itembank", "assessment"),
    }
    assert 'get_model("assessment", "Result")' in str(violations[1])
    assert unexplained == []


def test_checker_resolves_relative_and_function_imports():
    """Relative imports resolve against the package; unexplained lazy imports are caught."""
    source = "def f():\n    from ...cms import models\n    from . import services\n"
    violations, unexplained = check_source(source, "assessment.survey.jobs")
    assert [(v.importer, v.imported) for v in violations] == [("assessment", "cms")]
    assert [v.line for v in unexplained] == [2, 3]


def test_checker_keeps_the_base_layer_free_of_apps():
    """The shared utilities may not import an app."""
    source = "from learning_platform.accounts.models import User\n"
    violations, _ = check_source(source, "learning_platform.downloads")
    assert [(v.importer, v.imported) for v in violations] == [
        ("base", "accounts/districts")
    ]


def test_checker_keeps_django_out_of_the_engine():
    """The engine may import numpy, never Django (ARCHITECTURE invariant 6)."""
    source = "import numpy as np\n\ndef f():\n    from django.conf import settings\n"
    violations, _ = check_source(source, "psychometrics.scoring")
    assert [(v.line, v.imported) for v in violations] == [(4, "django")]


def test_checker_places_unknown_modules_nowhere():
    """A module of no layer is reported rather than silently allowed."""
    assert layer_of("learning_platform.newthing") is None  # not "base" by default
    assert layer_of("requests") is None
    violations, _ = check_source("", "benchmarks.run")
    assert violations and "has no layer" in violations[0].what
