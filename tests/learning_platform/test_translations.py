"""Every Simplified Chinese catalogue of the project is complete, compiled, and up to date.

The catalogues are the project's own ``.po`` files (the root ``locale/`` and each app's).
A string marked for translation in a template or in Python but missing from them is found
by running ``makemessages`` over a copy of the sources.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {
    ".venv",
    ".git",
    "var",
    "tests",
    "node_modules",
    "__pycache__",
    "benchmarks",
}
CATALOGUES = sorted(
    p
    for p in ROOT.rglob("locale/zh_Hans/LC_MESSAGES/django.po")
    if not SKIP_DIRS.intersection(p.relative_to(ROOT).parts)
)
needs_gettext = pytest.mark.skipif(
    shutil.which("msgfmt") is None, reason="gettext tools not installed"
)


def _entries(text: str) -> list[str]:
    return [
        e
        for e in text.split("\n\n")
        if "msgid" in e and not e.lstrip().startswith("#~")
    ]


def _strings(entry: str, keyword: str) -> str:
    """Join a (possibly multi-line) msgid/msgstr value."""
    match = re.search(rf'^{keyword} ((?:".*"\n?)+)', entry, re.M)
    assert match, entry
    return "".join(re.findall(r'"(.*)"', match.group(1)))


def untranslated(po: Path) -> list[str]:
    missing = []
    for entry in _entries(po.read_text(encoding="utf-8"))[1:]:  # [0] is the header
        keyword = r"msgstr\[0\]" if "msgid_plural" in entry else "msgstr"
        if not _strings(entry, keyword) or re.search(r"^#,.*\bfuzzy\b", entry, re.M):
            missing.append(_strings(entry, "msgid"))
    return missing


def test_the_project_has_its_catalogues():
    names = {str(p.relative_to(ROOT).parents[3]) for p in CATALOGUES}
    assert {
        ".",
        "itembank",
        "cms",
        "assessment",
        "assessment/survey",
        "learning_platform/indicators",
        "learning_platform/creditbank",
    } <= names


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_entry_is_translated_and_none_is_fuzzy(po):
    assert untranslated(po) == []


@needs_gettext
@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_mo_file_is_compiled_from_the_po_file(po, tmp_path):
    fresh = tmp_path / "django.mo"
    subprocess.run(
        ["msgfmt", "--check", "-o", str(fresh), str(po)],
        check=True,
        capture_output=True,
    )
    assert fresh.read_bytes() == po.with_suffix(".mo").read_bytes()


@needs_gettext
def test_makemessages_finds_no_untranslated_string_in_templates_or_python(tmp_path):
    """A copy of the sources, re-scanned by makemessages, still has every entry translated."""
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT,
        copy,
        ignore=lambda d, names: [
            n
            for n in names
            if n in SKIP_DIRS or n.endswith((".mo", ".pyc", ".sqlite3"))
        ],
    )
    env = {
        **os.environ,
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "learning_platform.settings",
        "DATABASE_URL": "sqlite:///:memory:",
    }
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-obsolete",
            "-i",
            "tests/*",
            "-i",
            "benchmarks/*",
        ],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    found = {}
    for po in copy.rglob("locale/zh_Hans/LC_MESSAGES/django.po"):
        missing = untranslated(po)
        if missing:
            found[str(po.relative_to(copy))] = missing
    assert found == {}


def test_multi_line_messages_are_translated_at_run_time():
    from django.utils.translation import gettext

    msgid = (
        "Ability distribution of respondents (left) and item difficulties of the "
        "active parameter set (right) on one scale."
    )
    with translation.override("zh-hans"):
        assert (
            gettext(msgid)
            == "作答者的能力分布（左）与启用参数集中的题目难度（右），同一量尺。"
        )


def test_question_navigation_next_does_not_override_the_admin_pagination():
    """The test page's "Next" (下一题) has its own context; Wagtail's "Next" stays 下一页."""
    from django.utils.translation import gettext, pgettext

    with translation.override("zh-hans"):
        assert pgettext("question navigation", "Next") == "下一题"
        assert gettext("Next") != "下一题"
