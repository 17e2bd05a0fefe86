"""Request and response shapes of the indicators API."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema


class VersionOut(Schema):
    year: int
    data_year: int
    title_zh: str
    indicators: int
    items: int


class ValueOut(Schema):
    code: str
    name_zh: str
    kind: str
    unit: str
    value: float | None
    text: str
    not_computable: str
    source: str
    se: float | None
    n: int | None
    suppressed: bool


class SubmissionOut(Schema):
    district_code: str
    district_name: str
    year: int
    framework_year: int
    status: str
    status_label: str
    values: list[ValueOut]


class OverviewRow(Schema):
    district_code: str
    district_name: str
    status: str


class ValueIn(Schema):
    code: str
    value: Any = Field(
        None,
        description="A number (or numeric text), text for text items, or null to clear.",
    )
    note: str | None = Field(
        None,
        description="The item's note (e.g. names of units); null keeps the stored one.",
    )


class MemberUnitIn(Schema):
    unit_name: str = Field(..., max_length=200)
    projects: str = Field(..., max_length=1000)
    amount: Any = Field(
        None, description="The unit's learning-city special budget (10,000 yuan)."
    )
    total_amount: Any = Field(
        None, description="The unit's total special budget (10,000 yuan), optional."
    )


class ValuesIn(Schema):
    """The API's bodies are JSON objects: the values in ``values``, in any order."""

    values: list[ValueIn] = Field(..., max_length=1000)
    member_units: list[MemberUnitIn] | None = Field(
        None,
        max_length=1000,
        description="3.1.1 by member unit: replaces the stored lines; their totals become the item's values.",
    )


class ValuesSaved(Schema):
    district_code: str
    year: int
    status: str
    status_label: str
    saved: list[str]


class FieldSiteOut(Schema):
    name: str
    site_type: str
    site_type_label: str
    selection_probability: float
    weight: float


class FieldDistrictOut(Schema):
    district_code: str
    district_name: str
    selection_probability: float
    sites: list[FieldSiteOut]
    feedback_released: bool


class FieldYearOut(Schema):
    year: int
    seed: int | None
    drawn_by: str
    drawn_at: str | None
    visits_started: bool
    campaign_id: int | None
    districts: list[FieldDistrictOut]


class FieldRatingIn(Schema):
    point: str  # "<third-level code>-<n>", e.g. "1.1.1-2"
    rating: int | None = None
    comment: str = ""


class FieldRatingsIn(Schema):
    ratings: list[FieldRatingIn]


class FieldRatingOut(Schema):
    point: str
    rating: int | None
    comment: str


class FieldSummaryOut(Schema):
    indicator_code: str
    indicator_name: str
    mean_rating: float | None
    n: int
    comments: list[str]


class FieldReportOut(Schema):
    year: int
    district_code: str
    district_name: str
    satisfaction_mean: float | None
    satisfaction_se: float | None
    satisfaction_n: int | None
    panel: list[FieldSummaryOut]
    feedback: str
    feedback_released: bool
    response: str
    acknowledged: bool
