"""The one NinjaAPI's contract: explicit operation ids and a reviewed OpenAPI snapshot.

Regenerate the snapshot after reviewing a change of the API:

    UPDATE_OPENAPI_SNAPSHOT=1 .venv/bin/python -m pytest -q -p no:cacheprovider tests/api
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections import Counter
from pathlib import Path

import pytest

from learning_platform.api import api, openapi_document

SNAPSHOT = Path(__file__).with_name("openapi.json")
REGENERATE = (
    "UPDATE_OPENAPI_SNAPSHOT=1 .venv/bin/python -m pytest -q -p no:cacheprovider "
    "tests/api/test_openapi.py"
)
GENERATED = "__generated__:"
METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}
SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")


def _operations(schema: dict) -> list[tuple[str, str, dict]]:
    return [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_every_operation_names_its_own_unique_snake_case_operation_id(monkeypatch):
    """An operation without an explicit operation_id, or sharing one, fails."""
    # ninja invents "<module>_<function>" ids when none is given; mark those instead.
    monkeypatch.setattr(
        api,
        "get_openapi_operation_id",
        lambda operation: GENERATED + operation.view_func.__qualname__,
    )
    operations = _operations(api.get_openapi_schema())
    assert operations
    missing = [
        f"{method} {path} ({op['operationId'].removeprefix(GENERATED)})"
        for method, path, op in operations
        if op["operationId"].startswith(GENERATED)
    ]
    assert not missing, "operations without an explicit operation_id:\n" + "\n".join(
        missing
    )
    counts = Counter(op["operationId"] for _, _, op in operations)
    duplicates = sorted(op_id for op_id, n in counts.items() if n > 1)
    assert not duplicates, f"operation ids used more than once: {duplicates}"
    bad = sorted(
        op["operationId"]
        for _, _, op in operations
        if not SNAKE_CASE.match(op["operationId"])
    )
    assert not bad, f"operation ids that are not snake_case: {bad}"


def test_no_api_module_defines_its_schemas_inline():
    """Request and response schemas live in each app's schemas.py, not in api.py."""
    root = Path(__file__).resolve().parents[2]
    inline = [
        f"{path.relative_to(root)}: {match.group(1)}"
        for path in sorted(root.glob("**/api.py"))
        if ".venv" not in path.parts and "tests" not in path.parts
        for match in re.finditer(
            r"^class (\w+)\((?:\w+\.)?(?:Schema|ModelSchema)\)", path.read_text(), re.M
        )
    ]
    assert not inline, "schemas defined in api.py:\n" + "\n".join(inline)


def test_openapi_document_matches_the_reviewed_snapshot():
    """Any change of the API's contract shows as a diff until the snapshot is renewed."""
    rendered = openapi_document()
    if os.environ.get("UPDATE_OPENAPI_SNAPSHOT") == "1":
        SNAPSHOT.write_text(rendered, encoding="utf-8")
        pytest.skip(f"wrote {SNAPSHOT}")
    assert SNAPSHOT.exists(), f"no snapshot yet; create it with:\n  {REGENERATE}"
    stored = SNAPSHOT.read_text(encoding="utf-8")
    if rendered != stored:
        diff = "".join(
            difflib.unified_diff(
                stored.splitlines(keepends=True),
                rendered.splitlines(keepends=True),
                fromfile="tests/api/openapi.json (reviewed)",
                tofile="learning_platform.api (now)",
                n=2,
            )
        )
        pytest.fail(
            "The OpenAPI document changed. Review the diff; if it is intended, "
            f"regenerate the snapshot with:\n  {REGENERATE}\n\n{diff}",
            pytrace=False,
        )


def test_the_snapshot_is_stable_json():
    """The snapshot has sorted keys and names no machine, time or checkout."""
    rendered = openapi_document()
    assert rendered == openapi_document()
    parsed = json.loads(rendered)
    assert json.dumps(parsed, sort_keys=True, indent=2, ensure_ascii=False) + "\n" == (
        rendered
    )
    assert str(Path(__file__).resolve().parents[2]) not in rendered
