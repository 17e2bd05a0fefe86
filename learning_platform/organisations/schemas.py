"""Request and response shapes of the organisations API."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema


class TierChangeOut(Schema):
    from_tier: str
    to_tier: str
    year: int | None
    evidence: str
    decided_by: str | None
    decided_at: datetime


class OrganisationOut(Schema):
    id: int
    slug: str
    name: str
    kind: str
    kind_label: str
    district_code: str
    district_name: str
    street: str
    contact_name: str
    contact_phone: str
    contact_email: str
    residents: int | None
    members: int | None
    tier: str
    tier_label: str
    updated_at: datetime


class OrganisationDetailOut(OrganisationOut):
    users: list[str]
    tier_changes: list[TierChangeOut]


class OrganisationIn(Schema):
    name: str = Field(..., max_length=120)
    kind: str = Field(..., max_length=40)
    district: str = Field(
        ..., max_length=20, description="District code (310101) or Chinese name."
    )
    street: str = Field("", max_length=60)
    contact_name: str = Field("", max_length=60)
    contact_phone: str = Field("", max_length=30)
    contact_email: str = Field("", max_length=254)
    residents: int | None = None
    members: int | None = None
    users: list[str] | None = Field(None, max_length=20)


class OrganisationPatch(Schema):
    name: str | None = Field(None, max_length=120)
    kind: str | None = Field(None, max_length=40)
    district: str | None = Field(None, max_length=20)
    street: str | None = Field(None, max_length=60)
    contact_name: str | None = Field(None, max_length=60)
    contact_phone: str | None = Field(None, max_length=30)
    contact_email: str | None = Field(None, max_length=254)
    residents: int | None = None
    members: int | None = None
    users: list[str] | None = Field(None, max_length=20)


class TierChangeIn(Schema):
    to_tier: str = Field(..., max_length=20)
    year: int
    evidence: str = Field(..., max_length=4000)


class RegisterFilter(Schema):
    district: str = Field("", max_length=20)
    kind: str = Field("", max_length=20)
    tier: str = Field("", max_length=20)
    q: str = Field("", max_length=60)
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


class AllocationRowOut(Schema):
    district: str
    district_name: str
    kind: str
    population: int
    sample: int
    weight: float


class SampledOut(Schema):
    id: int
    organisation_id: int
    organisation: str
    district: str
    kind: str
    stratum: str
    weight: float
    status: str
    status_label: str


class SampleOut(Schema):
    year: int
    seed: int | None
    sample_size: int | None
    allocation: list[AllocationRowOut]
    sampled: list[SampledOut]


class EvidenceOut(Schema):
    item_code: str
    evidence_kind: str
    statement: str
    number: float | None
    computed: float | None
    meets_threshold: bool | None
    has_document: bool


class EventOut(Schema):
    action: str
    from_status: str
    to_status: str
    comment: str
    at: str


class AssessmentOut(Schema):
    sampled_id: int
    organisation: str
    year: int
    indicator_set: str
    status: str
    status_label: str
    evidence: list[EvidenceOut]
    history: list[EventOut]


class EvidenceIn(Schema):
    item_code: str
    statement: str = ""
    number: str = ""


class AssessmentIn(Schema):
    items: list[EvidenceIn] = []


class ReviewIn(Schema):
    approve: bool
    comment: str = ""


class RatingItemOut(Schema):
    item_id: int
    code: str
    text_zh: str
    indicator_zh: str
    max_score: int
    statement: str
    has_document: bool
    score: int | None  # the caller's own score only
    comment: str


class RatingAssignmentOut(Schema):
    id: int
    year: int
    organisation: str
    district_code: str
    indicator_set: str
    round: int
    submitted_at: str | None


class RatingAssignmentDetailOut(RatingAssignmentOut):
    items: list[RatingItemOut]


class RatingIn(Schema):
    item_id: int
    # Any JSON value, so a bad score gets the service's clear message rather than a type error.
    score: int | float | str | None = None
    comment: str = ""


class RatingsIn(Schema):
    ratings: list[RatingIn]
    submit: bool = False


class RaterAssignIn(Schema):
    assessment_id: int
    rater_id: int
    round: int


class RandomAssignIn(Schema):
    seed: int


class AgreementRowOut(Schema):
    indicator_set: str
    kind: str
    submissions: int
    n: int
    kappa_quadratic: float | None
    exact_agreement: float | None
    items_to_third_rater: int
    submissions_with_third_rater: int


class FinalRatingOut(Schema):
    item_id: int
    code: str
    scores: dict[str, int | None]  # round → score
    final: float | None


class AssessmentRatingsOut(Schema):
    assessment_id: int
    state: str
    disputed_item_ids: list[int]
    items: list[FinalRatingOut]


class SpaceSummaryOut(Schema):
    slug: str
    name: str
    kind: str
    kind_label: str
    district_code: str
    district_name: str
    street: str
    tier: str
    tier_label: str


class SpaceEntryOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    happened_on: str | None
    alt_text: str
    status: str
    file_url: str | None


class ProfileOut(Schema):
    code: str
    name_zh: str
    mean_score: float | None
    share_met: float | None
    met: bool | None
    change: float | None


class ItemScoreOut(Schema):
    indicator_code: str
    code: str
    score: float | None
    max_score: int
    met: bool | None


class YearResultOut(Schema):
    year: int
    set_title: str
    mean_score: float | None
    indicators_met: int
    profile: list[ProfileOut]
    items: list[ItemScoreOut]


class SpaceOut(SpaceSummaryOut):
    entries: list[SpaceEntryOut]
    results: list[YearResultOut]


class CellOut(Schema):
    district_code: str
    district_name: str
    kind: str
    indicator_code: str
    indicator_name: str
    n: int
    share: float | None
    se: float | None
    suppressed: bool


class ResultsTableOut(Schema):
    year: int | None
    suppression_threshold: int
    cells: list[CellOut]
