"""Writes of the districts app."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from learning_platform.districts.models import District, DistrictYearFigure

REQUIRED_COLUMNS = ("code", "name_zh", "name_en", "resident_population_10k")


@dataclass(frozen=True)
class LoadReport:
    created: int
    updated: int
    unchanged: int

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


def _parse_rows(path: Path) -> list[dict[str, str]]:
    errors: list[str] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValidationError(f"{path.name}: missing column(s) {', '.join(missing)}.")
        rows = []
        for line, row in enumerate(reader, start=2):
            for column in REQUIRED_COLUMNS:
                if not (row.get(column) or "").strip():
                    errors.append(f"{path.name} line {line}, column {column}: empty.")
            try:
                population = Decimal(row["resident_population_10k"])
                if population <= 0:
                    raise InvalidOperation
            except (InvalidOperation, TypeError):
                errors.append(
                    f"{path.name} line {line}, column resident_population_10k: "
                    f"{row.get('resident_population_10k')!r} is not a positive number."
                )
            rows.append(row)
    if errors:
        raise ValidationError(errors)
    return rows


@transaction.atomic
def districts_load_csv(*, path: Path, year: int, source: str = "") -> LoadReport:
    """Create or update districts and their population for a year from a CSV file.

    Every row is checked before anything is written, so a bad file changes nothing.
    """
    rows = _parse_rows(path)
    created = updated = unchanged = 0
    for order, row in enumerate(rows, start=1):
        values = {
            "name_zh": row["name_zh"].strip(),
            "name_en": row["name_en"].strip(),
            "sort_order": order,
        }
        district, was_created = District.objects.get_or_create(
            code=row["code"].strip(), defaults=values
        )
        changed = was_created
        if not was_created and any(getattr(district, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(district, key, value)
            district.save()
            changed = True
        population = Decimal(row["resident_population_10k"]).quantize(Decimal("0.01"))
        figure, figure_created = DistrictYearFigure.objects.get_or_create(
            district=district,
            year=year,
            defaults={"resident_population_10k": population, "source": source},
        )
        if not figure_created and figure.resident_population_10k != population:
            figure.resident_population_10k = population
            figure.source = source or figure.source
            figure.save(update_fields=["resident_population_10k", "source"])
            changed = True
        changed = changed or figure_created
        if was_created:
            created += 1
        elif changed:
            updated += 1
        else:
            unchanged += 1
    return LoadReport(created=created, updated=updated, unchanged=unchanged)
