"""Request and response shapes of the survey API: roll-up cells, designs, the survey cycle, jobs, publication."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from ninja import Field, Schema
from ninja.schema import DjangoGetter
from pydantic import ConfigDict, model_validator

# The fields of a cell that carry a figure: a suppressed cell holds none of them.
FIGURE_FIELDS = ("estimate", "se", "ci_low", "ci_high", "linking_error")


class RollUpCell(Schema):
    """One figure of a roll-up, as every reader gets it.

    The one definition of a cell's fields: the survey's selectors return it, the API
    answers with it (``RollUpOut.cells``) and the CMS freezes it into report snapshots
    and reads it back as a ``Figure``. The model row
    (:class:`assessment.survey.models.RollUpCell`) is only storage;
    :func:`assessment.survey.selectors.rollup_cell_from_row` converts one row.

    A suppressed cell carries no estimate, SE, interval or linking error whatever its
    source held (invariant 5). ``breakdown`` and ``linking_error`` have defaults so
    snapshots frozen before cells had them still read.
    """

    model_config = ConfigDict(frozen=True)

    district_code: str | None  # None = whole city
    domain_code: str
    # "attainment_rate" | "mean_theta" | "sd_theta" | "level_share" | "needs_share" | …
    indicator: str
    category: str | None  # level code or needs option of a *_share
    estimate: float | None  # rates in percent (0..100)
    se: float | None
    ci_low: float | None
    ci_high: float | None
    n: int  # unweighted respondents
    suppressed: bool
    suppression_reason: str
    breakdown: str = ""  # "" or "age_band" | "sex" | "education"
    breakdown_value: str = ""
    linking_error: float | None = None  # in the cell's units; None when unlinked

    @model_validator(mode="before")
    @classmethod
    def _suppressed_cell_has_no_figure(cls, data: Any) -> Any:
        # Ninja's own (outer) validator hands over the input wrapped in a DjangoGetter.
        raw = data._obj if isinstance(data, DjangoGetter) else data
        if isinstance(raw, dict):
            if raw.get("suppressed"):
                return {**raw, **dict.fromkeys(FIGURE_FIELDS)}
        elif getattr(raw, "suppressed", False):
            fields = {name: getattr(raw, name) for name in cls.model_fields}
            return {**fields, **dict.fromkeys(FIGURE_FIELDS)}
        return data


class RollUpOut(Schema):
    id: int
    name: str
    campaign_name: str
    year: int
    parameter_set_id: int | None
    method: dict
    provenance: dict
    cells: list[RollUpCell] = []


class NeedsOut(Schema):
    rollup_id: int
    year: int
    district_code: str | None
    option_names: dict[str, dict[str, list[str]]]
    cells: list[RollUpCell]


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
