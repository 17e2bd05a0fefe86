"""Writes of the districts app."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from learning_platform.districts.models import (
    CITY_CODE,
    District,
    DistrictYearFigure,
    EducationFigure,
    EducationLevel,
)

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
            raise ValidationError(
                f"{path.name}: missing column(s) {', '.join(missing)}."
            )
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
        if not was_created and any(
            getattr(district, k) != v for k, v in values.items()
        ):
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


EDUCATION_COLUMNS = ("area_code", "level", "per_100k")


@transaction.atomic
def education_figures_load_csv(
    *, path: Path, year: int, source: str = ""
) -> LoadReport:
    """Create or update the census education figures of a year from a CSV file.

    Columns: ``area_code`` (a district's division code, or 310000 for the whole city),
    ``level`` (tertiary, upper_secondary, lower_secondary, primary), ``per_100k``
    (persons per 100,000 residents) and optionally ``source`` (the row's own citation,
    else ``source``). Every row is checked before anything is written, so a bad file
    changes nothing.
    """
    errors: list[str] = []
    known = set(District.objects.values_list("code", flat=True)) | {CITY_CODE}
    rows: list[tuple[str, str, int, str]] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in EDUCATION_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValidationError(
                f"{path.name}: missing column(s) {', '.join(missing)}."
            )
        seen: set[tuple[str, str]] = set()
        totals: dict[str, int] = {}
        for line, row in enumerate(reader, start=2):
            area = (row.get("area_code") or "").strip()
            level = (row.get("level") or "").strip()
            if area not in known:
                errors.append(
                    f"{path.name} line {line}, column area_code: {area!r} is neither "
                    f"a loaded district nor the city ({CITY_CODE})."
                )
            if level not in EducationLevel.values:
                errors.append(
                    f"{path.name} line {line}, column level: {level!r} is not one of "
                    f"{', '.join(EducationLevel.values)}."
                )
            try:
                value = int((row.get("per_100k") or "").strip())
                if not 0 < value <= 100_000:
                    raise ValueError
            except ValueError:
                errors.append(
                    f"{path.name} line {line}, column per_100k: "
                    f"{row.get('per_100k')!r} is not a whole number in 1..100000."
                )
                continue
            if (area, level) in seen:
                errors.append(f"{path.name} line {line}: {area}/{level} appears twice.")
            seen.add((area, level))
            totals[area] = totals.get(area, 0) + value
            if totals[area] > 100_000:
                errors.append(
                    f"{path.name} line {line}: the levels of {area} add up to more "
                    "than 100,000 per 100,000."
                )
            rows.append(
                (area, level, value, (row.get("source") or "").strip() or source)
            )
    if errors:
        raise ValidationError(errors)
    created = updated = unchanged = 0
    for area, level, value, row_source in rows:
        figure, was_created = EducationFigure.objects.get_or_create(
            area_code=area,
            year=year,
            level=level,
            defaults={"per_100k": value, "source": row_source[:300]},
        )
        if was_created:
            created += 1
        elif figure.per_100k != value or figure.source != row_source[:300]:
            figure.per_100k, figure.source = value, row_source[:300]
            figure.save(update_fields=["per_100k", "source"])
            updated += 1
        else:
            unchanged += 1
    return LoadReport(created=created, updated=updated, unchanged=unchanged)
