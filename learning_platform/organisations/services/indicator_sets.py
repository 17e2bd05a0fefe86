"""Loading the four indicator sets of seed 003 from the kept JSON editions (``data/``).

An edition is one file with a ``year`` and one set per organisation kind. Each kind's set becomes
an :class:`IndicatorSet` of that edition year; loading the same file again writes nothing, and a
set already used by a self-assessment is never rewritten: a change needs a new edition year.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from learning_platform.organisations.models import (
    Comparison,
    EvidenceKind,
    IndicatorSet,
    OrganisationKind,
    SetIndicator,
    SetItem,
)

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def _set_check(doc: Mapping[str, Any], kind_set: Mapping[str, Any]) -> None:
    kind = kind_set.get("kind")
    where = f"set {kind!r}"
    if kind not in OrganisationKind.values:
        raise ValidationError(f"Unknown organisation kind {kind!r}.")
    for key in ("title_zh", "indicators"):
        if not kind_set.get(key):
            raise ValidationError(f"{where} has no {key!r}.")
    codes: list[str] = []
    indicator_codes: list[str] = []
    for indicator in kind_set["indicators"]:
        if not indicator.get("code") or not indicator.get("name_zh"):
            raise ValidationError(f"{where}: an indicator lacks its code or name_zh.")
        indicator_codes.append(indicator["code"])
        if not indicator.get("items"):
            raise ValidationError(
                f"{where}: indicator {indicator['code']} has no items."
            )
        for item in indicator["items"]:
            code = item.get("code", "")
            at = f"{where}, item {code or '?'}"
            if not code or not item.get("text_zh"):
                raise ValidationError(f"{at}: lacks its code or text_zh.")
            codes.append(code)
            evidence = item.get("evidence", EvidenceKind.DOCUMENT)
            if evidence not in EvidenceKind.values:
                raise ValidationError(f"{at}: unknown evidence kind {evidence!r}.")
            if evidence == EvidenceKind.NUMBER and not (
                item.get("measure") and item.get("unit_zh")
            ):
                raise ValidationError(
                    f"{at}: a number item needs a measure and a unit_zh."
                )
            if evidence == EvidenceKind.QUESTIONNAIRE and not item.get(
                "instrument_slug"
            ):
                raise ValidationError(
                    f"{at}: a questionnaire item needs an instrument_slug."
                )
            if item.get("threshold") is not None:
                if item.get("comparison") not in Comparison.values:
                    raise ValidationError(
                        f"{at}: a threshold needs a comparison (gte or lte)."
                    )
                try:
                    Decimal(str(item["threshold"]))
                except InvalidOperation as exc:
                    raise ValidationError(
                        f"{at}: the threshold is not a number."
                    ) from exc
            elif item.get("comparison"):
                raise ValidationError(f"{at}: a comparison without a threshold.")
    for label, seen in (("indicator", indicator_codes), ("item", codes)):
        duplicates = sorted({c for c in seen if seen.count(c) > 1})
        if duplicates:
            raise ValidationError(f"{where}: duplicate {label} codes {duplicates}.")


def _digest(kind_set: Mapping[str, Any]) -> str:
    canonical = json.dumps(
        kind_set, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _set_write(
    *, year: int, source: str, kind_set: Mapping[str, Any], digest: str
) -> IndicatorSet:
    indicator_set, _created = IndicatorSet.objects.update_or_create(
        kind=kind_set["kind"],
        version=year,
        defaults={
            "title_zh": kind_set["title_zh"],
            "title_en": kind_set.get("title_en", ""),
            "source": source,
            "content_sha256": digest,
        },
    )
    seen_indicators: set[str] = set()
    seen_items: set[str] = set()
    sort = 0
    for n, node in enumerate(kind_set["indicators"]):
        indicator, _c = SetIndicator.objects.update_or_create(
            indicator_set=indicator_set,
            code=node["code"],
            defaults={
                "name_zh": node["name_zh"],
                "name_en": node.get("name_en", ""),
                "sort": n,
            },
        )
        seen_indicators.add(node["code"])
        for item in node["items"]:
            sort += 1
            threshold = item.get("threshold")
            # Item codes are unique within a set; an item may move between indicators in place.
            SetItem.objects.filter(
                indicator__indicator_set=indicator_set, code=item["code"]
            ).exclude(indicator=indicator).delete()
            SetItem.objects.update_or_create(
                indicator=indicator,
                code=item["code"],
                defaults={
                    "text_zh": item["text_zh"],
                    "text_en": item.get("text_en", ""),
                    "evidence": item.get("evidence", EvidenceKind.DOCUMENT),
                    "measure": item.get("measure", ""),
                    "unit_zh": item.get("unit_zh", ""),
                    "threshold": None if threshold is None else Decimal(str(threshold)),
                    "comparison": item.get("comparison", ""),
                    "instrument_slug": item.get("instrument_slug", ""),
                    "max_score": item.get("max_score", 4),
                    "sort": sort,
                },
            )
            seen_items.add(item["code"])
    SetItem.objects.filter(indicator__indicator_set=indicator_set).exclude(
        code__in=seen_items
    ).delete()
    indicator_set.indicators.exclude(code__in=seen_indicators).delete()
    return indicator_set


@transaction.atomic
def load_indicator_sets(path: Path) -> list[tuple[IndicatorSet, bool]]:
    """Load one edition file; return each kind's set and whether it was written.

    Loading the same file again changes nothing. A set that self-assessments already use is
    refused if its content differs: publish the change as a new edition year instead.
    """
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    year = doc.get("year")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationError(
            f"The edition file {Path(path).name} has no valid 'year'."
        )
    sets = doc.get("sets") or []
    if not sets:
        raise ValidationError(f"The edition file {Path(path).name} has no 'sets'.")
    kinds = [s.get("kind") for s in sets]
    if len(set(kinds)) != len(kinds):
        raise ValidationError(f"The edition file {Path(path).name} lists a kind twice.")
    for kind_set in sets:
        _set_check(doc, kind_set)
    results: list[tuple[IndicatorSet, bool]] = []
    for kind_set in sets:
        digest = _digest(kind_set)
        existing = IndicatorSet.objects.filter(
            kind=kind_set["kind"], version=year
        ).first()
        if existing and existing.content_sha256 == digest:
            results.append((existing, False))
            continue
        if existing and existing.assessments.exists():
            raise ValidationError(
                f"The {year} set for {kind_set['kind']} is already used by self-assessments and is "
                "not rewritten; publish the change as a new edition year."
            )
        results.append(
            (
                _set_write(
                    year=year,
                    source=doc.get("source", ""),
                    kind_set=kind_set,
                    digest=digest,
                ),
                True,
            )
        )
    return results


def load_kept_indicator_sets() -> list[tuple[IndicatorSet, bool]]:
    """Load every edition kept in ``data/indicator_sets_*.json``, oldest first."""
    results: list[tuple[IndicatorSet, bool]] = []
    for path in sorted(DATA_DIR.glob("indicator_sets_*.json")):
        results += load_indicator_sets(path)
    return results
