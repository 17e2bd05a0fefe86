"""Scan what a test-taker receives for answer keys, scoring rules, parameters and other items.

Reusable by any delivery test::

    secrets = Secrets(item_texts={100: "<p>题目 100</p>", ...}, parameters=[1.23, -0.4, ...])
    findings = leak_scan(payload, secrets, presented={100})
    assert not findings, findings

``payload`` may be decoded JSON (dict/list), a JSON string, an HTML page or a
WebSocket frame (text); every form is searched the same way.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

# Names that must not appear as keys of anything sent to a test-taker.
FORBIDDEN_KEYS = frozenset(
    {
        "key",
        "keys",
        "answer_key",
        "correct",
        "is_correct",
        "correct_option",
        "correct_options",
        "correct_answer",
        "scoring",
        "scoring_rule",
        "score_map",
        "points",
        "weight",
        "weights",
        "a",
        "b",
        "c",
        "d",
        "thresholds",
        "parameters",
        "params",
        "item_params",
        "discrimination",
        "difficulty",
        "guessing",
        "slope",
        "intercept",
        "exposure",
        "exposure_rate",
        "p_value",
        "pvalue",
        "item_rest",
        "item_rest_correlation",
        "omit_rate",
        "statistics",
        "stats",
        "info",
        "information",
        "parameter_set",
        "sympson_hetter",
        "k_params",
    }
)
# Markers of a key or score inside HTML.
HTML_MARKERS = re.compile(
    r"""data-(?:correct|key|answer-key|score|points)\b|\bis[_-]correct\b|\bcorrect-answer\b|"""
    r"""["']correct["']\s*:""",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"-?\d+\.\d{3,}")


@dataclass(frozen=True)
class Secrets:
    """What must never reach a test-taker.

    item_texts : stem (or any distinctive text) of each item in the bank, by item id;
        an item's text may appear only once it is presented.
    parameters : every item parameter and statistic of the bank (floats).
    key_texts : strings that exist only in keys or scoring rules (e.g. a rubric).
    allowed_keys : key names legitimate in this context (e.g. results after finishing).
    """

    item_texts: Mapping[int, str] = field(default_factory=dict)
    parameters: Iterable[float] = ()
    key_texts: Iterable[str] = ()
    allowed_keys: frozenset[str] = frozenset()
    tolerance: float = 5e-5


def _walk_keys(value: Any, path: str = "$") -> Iterator[tuple[str, str]]:
    if isinstance(value, Mapping):
        for k, v in value.items():
            yield str(k), f"{path}.{k}"
            yield from _walk_keys(v, f"{path}.{k}")
    elif isinstance(value, list | tuple):
        for n, v in enumerate(value):
            yield from _walk_keys(v, f"{path}[{n}]")


def _as_text_and_data(payload: Any) -> tuple[str, Any]:
    if isinstance(payload, bytes):
        payload = payload.decode("utf-8", "replace")
    if isinstance(payload, str):
        try:
            return payload, json.loads(payload)
        except ValueError:
            return payload, None
    return json.dumps(payload, ensure_ascii=False), payload


def _views(text: str) -> list[str]:
    """The text as sent, HTML-unescaped, and with JSON escapes undone (json_script)."""
    unescaped = html.unescape(text)
    decoded = re.sub(
        r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), unescaped
    )
    decoded = decoded.replace('\\"', '"').replace("\\/", "/")
    return list(dict.fromkeys([text, unescaped, decoded]))


def _embedded_json(text: str) -> Iterator[Any]:
    """Yield JSON blocks embedded in an HTML page (``json_script`` and data attributes)."""
    for match in re.finditer(
        r"<script[^>]*type=[\"']application/json[\"'][^>]*>(.*?)</script>",
        text,
        re.DOTALL | re.IGNORECASE,
    ):
        try:
            yield json.loads(match.group(1))
        except ValueError:
            continue


def leak_scan(
    payload: Any, secrets: Secrets, *, presented: Iterable[int] = ()
) -> list[str]:
    """Return a finding per leak in ``payload`` (empty when nothing leaks)."""
    text, data = _as_text_and_data(payload)
    findings: list[str] = []
    structures = [data] if data is not None else []
    structures.extend(_embedded_json(text))
    for structure in structures:
        for key, where in _walk_keys(structure):
            if (
                key.lower() in FORBIDDEN_KEYS
                and key.lower() not in secrets.allowed_keys
            ):
                findings.append(f"forbidden key {key!r} at {where}")
    views = _views(text)
    for view in views:
        marker = HTML_MARKERS.search(view)
        if marker:
            findings.append(f"key marker {marker.group(0)!r}")
            break
    shown = {int(i) for i in presented}
    for item_id, item_text in secrets.item_texts.items():
        if int(item_id) in shown or not item_text:
            continue
        if any(item_text in view for view in views):
            findings.append(f"text of item {item_id}, which was not presented")
    for secret in secrets.key_texts:
        if secret and any(secret in view for view in views):
            findings.append(f"key or scoring text {secret[:30]!r}")
    parameters = [float(p) for p in secrets.parameters]
    if parameters:
        for number in {float(n) for view in views for n in _NUMBER.findall(view)}:
            if any(abs(number - p) <= secrets.tolerance for p in parameters):
                findings.append(f"number {number} equals an item parameter")
    return findings
