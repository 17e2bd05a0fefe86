"""Schemas of the item bank's API: parameter-set review and cut-score sets."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Schema


class ReviewIn(Schema):
    approve: bool
    comment: str = ""


class ActivateIn(Schema):
    comment: str = ""


class ParameterSetOut(Schema):
    id: int
    name: str
    model: str
    source: str
    status: str
    status_label: str
    is_active: bool
    reviewed_at: datetime | None
    activated_at: datetime | None
    approval_comment: str
    flagged_item_ids: list[str]
    evidence_domains: dict[str, Any]


class CutLevelIn(Schema):
    code: str
    min_theta: float | None = None
    attained: bool = False


class CutScoreSetIn(Schema):
    domain_code: str
    levels: list[CutLevelIn]
    scale: str
    set_by: str
    set_on: date
    method: str = ""
    note: str = ""


class CutScoreSetOut(Schema):
    id: int
    domain_code: str
    version: int
    label: str
    levels: list[dict[str, Any]]
    scale: str
    method: str
    set_by: str
    set_on: date
    status: str
    status_label: str
    is_active: bool
    reviewed_at: datetime | None
    activated_at: datetime | None


class ReferenceCompetenceOut(Schema):
    ref_id: str
    name_zh: str
    name_en: str
    domain_codes: list[str]


class ReferenceAreaOut(Schema):
    ref_id: str
    name_zh: str
    name_en: str
    domain_codes: list[str]
    competences: list[ReferenceCompetenceOut]


class ReferenceFrameworkOut(Schema):
    key: str
    code: str
    version: str
    short_name: str
    name_zh: str
    name_en: str
    publisher: str
    year: int
    citation: str
    url: str
    licence: str
    translation_note: str
    areas: list[ReferenceAreaOut]
