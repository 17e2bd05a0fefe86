"""Request and response shapes of the survey API: roll-ups, designs, the survey cycle."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from ninja import Field, Schema


class CellOut(Schema):
    district_code: str | None
    domain_code: str
    indicator: str
    category: str | None
    estimate: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    suppressed: bool
    suppression_reason: str
    breakdown: str
    breakdown_value: str
    linking_error: float | None = None


class RollUpOut(Schema):
    id: int
    name: str
    campaign_name: str
    year: int
    parameter_set_id: int | None
    method: dict
    provenance: dict
    cells: list[CellOut] = []


class NeedsOut(Schema):
    rollup_id: int
    year: int
    district_code: str | None
    option_names: dict[str, dict[str, list[str]]]
    cells: list[CellOut]


class ChangeOut(Schema):
    district_code: str | None
    domain_code: str
    indicator: str
    category: str | None
    previous_rollup_id: int
    previous_year: int
    change: float
    se: float
    ci_low: float
    ci_high: float
    linking_error: float


class DesignIn(Schema):
    method: str = Field(..., max_length=20)
    sample_size: int
    minimum_per_district: int = 0
    population_year: int


class StratumProgressOut(Schema):
    stratum: str
    district_code: str
    age_band: str
    sex: str
    population: int
    allocation: int
    invited: int
    redeemed: int
    responded: int
    response_rate: float | None


class DesignOut(Schema):
    method: str
    sample_size: int
    minimum_per_district: int
    population_year: int
    strata: list[StratumProgressOut]


class DesignCreatedOut(Schema):
    id: int
    n_strata: int
    sample_size: int


class InvitationCodeOut(Schema):
    stratum: str
    code: str


class InvitationsOut(Schema):
    """The one copy of the plain one-time codes."""

    count: int
    codes: list[InvitationCodeOut]


class ApproveIn(Schema):
    comment: str = Field("", max_length=2000)


class CalibrationApprovedOut(Schema):
    id: int
    parameter_set_id: int | None
    approved_at: str | None


class CutScoresIn(Schema):
    domain_code: str = Field(..., max_length=40)
    cuts: list[float] = Field(..., min_length=1, max_length=20)
    labels: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        ..., min_length=2, max_length=21
    )
    attained: str = Field(..., max_length=40)
    note: str = Field("", max_length=2000)


class CutScoresOut(Schema):
    domain_code: str
    version: int
    id: int
    status: str


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
