from __future__ import annotations

from decimal import Decimal

from ninja import Schema


class DistrictOut(Schema):
    code: str
    name_zh: str
    name_en: str
    resident_population_10k: Decimal | None
    population_year: int | None
