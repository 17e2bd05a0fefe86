"""Request and response shapes of the credit-bank API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from learning_platform.creditbank import selectors
from learning_platform.creditbank.models import OutcomeKind
from learning_platform.numbers import BoundedDecimal, BoundedInt

OutcomeKindCode = Literal[tuple(OutcomeKind.values)]
# CreditEntry.credits is DecimalField(max_digits=9, decimal_places=2).
EntryCredits = BoundedDecimal(9, 2)


class AccountOpenIn(Schema):
    district_code: str | None = Field(
        None, max_length=12, description="Division code of the district of residence."
    )


class ClosureIn(Schema):
    reason: str = Field("", max_length=2000)


class AccountOut(Schema):
    number: str
    district_code: str | None
    district_name: str | None
    status: str
    opened_via: str
    opened_at: datetime
    closure_requested_at: datetime | None
    closed_at: datetime | None
    credits_balance: Decimal
    points_balance: int
    outcomes: int
    hours: Decimal


class DomainScoreOut(Schema):
    domain_code: str
    theta: float
    se: float | None
    level_code: str


class OutcomeOut(Schema):
    id: int
    account_number: str
    kind: str
    title: str
    title_en: str
    achieved_on: date
    source: str
    source_ref: str
    evidence_url: str
    evidence_ref: str
    domain_code: str
    level_code: str
    level_name: str
    hours: Decimal | None
    instrument_code: str
    instrument_name: str
    parameter_set_id: int | None
    revoked_at: datetime | None
    domain_scores: list[DomainScoreOut]


class OutcomeIn(Schema):
    account_number: str = Field(..., max_length=16)
    kind: OutcomeKindCode
    title: str = Field(..., max_length=200)
    achieved_on: date
    source: str = Field("", max_length=200)
    source_ref: str = Field("", max_length=200)
    evidence_url: str = Field("", max_length=200)
    evidence_ref: str = Field("", max_length=200)
    title_en: str = Field("", max_length=200)
    domain_code: str = Field("", max_length=40)
    level_code: str = Field("", max_length=40)
    level_name: str = Field("", max_length=100)
    hours: Annotated[Decimal, Field(ge=0, le=100000)] | None = None


class OutcomeImportIn(Schema):
    rows: list[dict[str, Any]] = Field(..., min_length=1, max_length=5000)


class RevokeIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300)


class CreditEntryOut(Schema):
    id: int
    kind: str
    outcome_id: int | None
    rule_code: str | None
    rule_version: int | None
    corrects_id: int | None
    credits: Decimal
    points: int
    period: str
    expires_on: date | None
    reason: str
    created_at: datetime


class RuleOut(Schema):
    code: str
    name: str
    name_en: str
    outcome_kind: str
    domain_code: str
    level_codes: list[str]
    credits: Decimal
    points: int
    cap_period: str
    cap_credits: Decimal | None
    cap_points: int | None
    valid_months: int | None
    valid_from: date | None
    valid_to: date | None
    version: int


class DistrictCountOut(Schema):
    district_code: str
    district_name: str
    year: int
    accounts: int
    resident_population: int | None
    population_year: int | None
    share_percent: Decimal | None
    data_item: str


class VerificationOut(Schema):
    status: str = Field(..., description="valid | tampered | revoked | unknown")
    message: str
    credential_id: str | None
    credential_type: str | None
    issued_at: datetime | None
    revoked_at: datetime | None
    embedded: list[dict[str, Any]]


class CredentialStatusOut(Schema):
    id: str
    status: str
    revoked_at: datetime | None


class CorrectionIn(Schema):
    credits: EntryCredits = Decimal("0")
    points: BoundedInt = 0
    reason: str = Field(..., min_length=1, max_length=300)


class LedgerQuery(Schema):
    after: int | None = Field(
        None, description="Entry id: return the entries after it."
    )
    limit: int = Field(selectors.LEDGER_PAGE_MAX, ge=1, le=selectors.LEDGER_PAGE_MAX)


class ImportOut(Schema):
    created: list[int]


class CountsQuery(Schema):
    year: int | None = None
