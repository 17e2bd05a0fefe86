"""Request and response shapes of the survey API's cycle operations (freeze, jobs, publication)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema


class SurveyDataOut(Schema):
    id: int
    campaign_id: int
    version: int
    source: str
    created_at: datetime
    frozen_by: str | None
    domains: list[str]
    provenance: dict[str, Any]


class FreezePreviewOut(Schema):
    sessions: int
    responses: int
    in_progress: int
    non_respondents: int
    latest_version: int | None
    next_version: int
    refusal: str | None
    refusal_new_version: str | None


class JobStartIn(Schema):
    kind: str = Field(..., max_length=20)
    params: dict[str, Any] = {}


class JobOut(Schema):
    id: str
    kind: str
    status: str
    status_label: str = ""
    stage_label: str = ""
    progress: float
    stage: str
    error: str = ""
    result: dict[str, Any] = {}
    cancel_requested: bool = False


class PublishOut(Schema):
    rollup_id: int
    published: bool
    published_at: datetime | None
    fed: int
    errors: list[str]
