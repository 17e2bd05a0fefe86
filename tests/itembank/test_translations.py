"""The item bank's Simplified Chinese catalogue is complete and its .mo is compiled from it."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation

import itembank

PO = Path(itembank.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _entries(text: str) -> list[str]:
    return [e for e in text.split("\n\n") if "msgid" in e and not e.lstrip().startswith("#~")]


def _strings(entry: str, keyword: str) -> str:
    """Join a (possibly multi-line) msgid/msgstr value."""
    match = re.search(rf'^{keyword} ((?:".*"\n?)+)', entry, re.M)
    assert match, entry
    return "".join(re.findall(r'"(.*)"', match.group(1)))


def test_every_entry_is_translated_and_none_is_fuzzy():
    untranslated = []
    for entry in _entries(PO.read_text(encoding="utf-8"))[1:]:   # [0] is the header
        msgid = _strings(entry, "msgid")
        keyword = r"msgstr\[0\]" if "msgid_plural" in entry else "msgstr"
        if not _strings(entry, keyword) or "#, fuzzy" in entry:
            untranslated.append(msgid)
    assert untranslated == []


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext tools not installed")
def test_the_mo_file_is_compiled_from_the_po_file(tmp_path):
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(PO)], check=True)
    assert fresh.read_bytes() == PO.with_suffix(".mo").read_bytes()


def test_multi_line_messages_are_translated_at_run_time():
    from django.utils.translation import gettext

    msgid = ("Ability distribution of respondents (left) and item difficulties of the "
             "active parameter set (right) on one scale.")
    with translation.override("zh-hans"):
        assert gettext(msgid) == "作答者的能力分布（左）与启用参数集中的题目难度（右），同一量尺。"
