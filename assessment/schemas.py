"""Request and response shapes of the delivery API (nothing here carries a key)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema


class CampaignOut(Schema):
    id: int
    name: str
    kind: str
    audience: str
    opens_at: datetime
    closes_at: datetime | None
    instrument_code: str
    instrument_name: str
    instrument_kind: str
    mode: str
    time_limit_seconds: int | None
    max_items: int | None


class CampaignIn(Schema):
    """A new campaign of an instrument (the instrument by its code)."""

    instrument_code: str
    name_zh: str
    name_en: str = ""
    kind: str
    audience: str = "public"
    opens_at: datetime
    closes_at: datetime | None = None
    max_attempts: int | None = None
    year: int | None = None


class BackgroundIn(Schema):
    age_band: str = Field("", max_length=40)
    sex: str = Field("", max_length=40)
    education: str = Field("", max_length=40)
    district_code: str = Field("", max_length=12)
    occupation: str = Field("", max_length=40)


class SessionStartIn(Schema):
    consent: bool = Field(
        ..., description="The citizen agreed to the terms of the test."
    )
    background: dict[str, Any] = Field(default_factory=dict)
    invitation_code: str | None = Field(None, max_length=40)


class ItemOut(Schema):
    sequence: int
    item_id: int
    revision_id: int
    kind: str
    payload: dict[str, Any] = Field(
        ...,
        description="Texts and options of the item, never its key. Choice and ordering "
        "options come in this session's order (the same on every resume); answer with "
        "option ids, never positions.",
    )


class InstrumentBrief(Schema):
    code: str
    name: str
    kind: str
    mode: str


class SessionOut(Schema):
    session_id: str
    status: str
    instrument: InstrumentBrief
    answered: int
    max_items: int | None
    time_limit_seconds: int | None
    seconds_left: int | None
    deadline: str | None
    item: ItemOut | None
    result_url: str | None
    connection_epoch: int = Field(
        0, description="Fencing token of this connection: send it with each answer."
    )


class ResponseIn(Schema):
    sequence: int = Field(..., ge=1)
    item_id: int
    answer: Any = Field(..., description="An option id, or a list of option ids.")
    client_ts: str | None = Field(
        None, max_length=40, description="ISO 8601 time on the device."
    )
    connection_epoch: int | None = Field(
        None,
        ge=0,
        description="The connection_epoch this client received when it started or "
        "resumed; a newer connection fences it and its answers are refused.",
    )


class AckOut(Schema):
    session_id: str
    sequence: int
    item_id: int
    received_at: str


class AnswerOut(Schema):
    ack: AckOut
    session: SessionOut


class LevelBrief(Schema):
    code: str
    name: str
    reached: bool


class ResultOut(Schema):
    domain_code: str
    domain_name: str
    theta: float | None
    se: float | None
    n_items: int
    parameter_set_id: int | None
    level_code: str
    level_name: str
    level_description: str
    suggestion: str
    attained: bool
    levels: list[LevelBrief]
    profile: dict[str, Any]


class SessionResultsOut(Schema):
    session: SessionOut
    finished_at: datetime | None
    stop_reason: str
    results: list[ResultOut]


class HistoryOut(Schema):
    session_id: str
    instrument_name: str
    campaign_name: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    results: list[ResultOut]
