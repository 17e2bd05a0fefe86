"""Writes for the monitoring year: loading the targets file and setting a collection window."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from learning_platform.indicators import formulas
from learning_platform.indicators.models import (
    CollectionWindow,
    Comparison,
    FrameworkVersion,
    Target,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
TARGET_FIELDS = (
    "code",
    "name_zh",
    "formula",
    "comparison",
    "threshold",
    "unit",
    "seed",
    "source_zh",
    "quote_zh",
)


@transaction.atomic
def targets_load(*, path: Path) -> list[Target]:
    """Load (or update in place) the targets of one framework edition; refuse a bad file whole."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    version = FrameworkVersion.objects.filter(year=doc.get("framework_year")).first()
    if version is None:
        raise ValidationError(
            f"{path.name}: framework edition {doc.get('framework_year')!r} is not loaded"
        )
    known = set(version.items.values_list("code", flat=True))
    rows = []
    for n, row in enumerate(doc.get("targets", [])):
        missing = [f for f in TARGET_FIELDS if not row.get(f)]
        if missing:
            raise ValidationError(
                f"{path.name}: target {n + 1} has no {', '.join(missing)}"
            )
        if row["comparison"] not in Comparison.values:
            raise ValidationError(
                f"{path.name}: target {row['code']}: unknown comparison {row['comparison']!r}"
            )
        try:
            tree = formulas.parse(row["formula"])
            threshold = Decimal(str(row["threshold"]))
        except (formulas.FormulaError, InvalidOperation) as exc:
            raise ValidationError(f"{path.name}: target {row['code']}: {exc}") from exc
        unknown = (formulas.names(tree) | set(row.get("items", []))) - known
        if unknown:
            raise ValidationError(
                f"{path.name}: target {row['code']} reads unknown items {sorted(unknown)}"
            )
        rows.append(
            Target.objects.update_or_create(
                version=version,
                code=row["code"],
                defaults={
                    "name_zh": row["name_zh"],
                    "name_en": row.get("name_en", ""),
                    "formula": row["formula"],
                    "item_codes": row.get("items") or sorted(formulas.names(tree)),
                    "comparison": row["comparison"],
                    "threshold": threshold,
                    "unit": row["unit"],
                    "indicator_code": row.get("indicator", ""),
                    "seed": row["seed"],
                    "source_zh": row["source_zh"],
                    "quote_zh": row["quote_zh"],
                    "sort": n,
                },
            )[0]
        )
    version.targets.exclude(code__in=[t.code for t in rows]).delete()
    return rows


def targets_load_all() -> int:
    n = 0
    for path in sorted(DATA_DIR.glob("targets_*.json")):
        n += len(targets_load(path=path))
    return n


@transaction.atomic
def collection_window_set(
    *, year: int, opens_on: date, closes_on: date, note: str = ""
) -> CollectionWindow:
    """Open or move the filing window of a data year."""
    if closes_on < opens_on:
        raise ValidationError(
            {
                "closes_on": _(
                    "The closing date %(closes)s is before the opening date %(opens)s."
                )
                % {"closes": closes_on.isoformat(), "opens": opens_on.isoformat()}
            }
        )
    window, _created = CollectionWindow.objects.update_or_create(
        year=year, defaults={"opens_on": opens_on, "closes_on": closes_on, "note": note}
    )
    return window
