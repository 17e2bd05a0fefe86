"""Rewrite the typing debt list in pyproject.toml from what mypy reports without it.

    .venv/bin/python .ci/mypy_debt.py          # print the counts, rewrite the list
    .venv/bin/python .ci/mypy_debt.py --check  # fail if the list is not what mypy needs

The list (between the ``typing debt`` markers) turns off, per module, only the error
codes mypy still reports there, with their counts. It must only shrink: fix a module,
run this, and its entry goes.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
# the paths make lint (MYPY_PATHS) and the pre-commit mypy hook check
TARGETS = ["psychometrics", "itembank", "assessment", "cms", "learning_platform"]
START = "# --- typing debt: begin"
END = "# --- typing debt: end"
BLOCK = re.compile(re.escape(START) + r".*?" + re.escape(END) + r"\n", re.S)
ERROR = re.compile(r"^([\w/]+)\.py:\d+: error: .*\[([a-z-]+)\]$")


def mypy_without_debt(text: str) -> str:
    PYPROJECT.write_text(BLOCK.sub("", text))
    try:
        run = subprocess.run(
            [str(ROOT / ".venv/bin/mypy"), *TARGETS],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
    finally:
        PYPROJECT.write_text(text)
    return run.stdout


def debt_block(output: str) -> tuple[str, int, int]:
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for line in output.splitlines():
        m = ERROR.match(line)
        if m:
            module = m.group(1).replace("/", ".").removesuffix(".__init__")
            per[module][m.group(2)] += 1
    total = sum(sum(c.values()) for c in per.values())
    lines = [
        START,
        "# What mypy still reports in the apps, module by module: the error codes switched",
        f"# off there and how many errors each hides (total {total} in {len(per)} modules).",
        "# Fix a module, then run .ci/mypy_debt.py; the list only shrinks. Most are",
        "# nullable model fields used without a None check, request.user typed",
        "# User | AnonymousUser on login-only views, and fields of models on untyped",
        "# Wagtail bases.",
    ]
    for module in sorted(per):
        codes = sorted(per[module])
        listed = ", ".join(f'"{c}"' for c in codes)
        counts = ", ".join(f"{c} {per[module][c]}" for c in codes)
        lines += [
            "[[tool.mypy.overrides]]",
            f'module = "{module}"',
            f"disable_error_code = [{listed}]  # {counts}",
        ]
    lines.append(END)
    return "\n".join(lines) + "\n", total, len(per)


def main() -> int:
    text = PYPROJECT.read_text()
    if not BLOCK.search(text):
        print("no typing debt block in pyproject.toml", file=sys.stderr)
        return 2
    block, total, modules = debt_block(mypy_without_debt(text))
    current = BLOCK.search(text).group(0)
    print(f"typing debt: {total} errors in {modules} modules")
    if "--check" in sys.argv[1:]:
        if block != current:
            print("the debt list differs from what mypy needs: run .ci/mypy_debt.py")
            return 1
        return 0
    PYPROJECT.write_text(BLOCK.sub(lambda _m: block, text))
    return 0


if __name__ == "__main__":
    sys.exit(main())
