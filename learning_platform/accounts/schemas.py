from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    roles: list[str]
    district_code: str | None


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    expires_at: datetime | None = Field(
        None,
        description="At most 732 days ahead; by default 90 days (never past the "
        "expiry of a token that creates this one).",
    )
    scopes: list[Literal["read", "write", "survey", "creditbank"]] | None = Field(
        None,
        max_length=4,
        description="By default every scope of the caller (a token: its own scopes).",
    )


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    scopes: list[str]


class TokenCreatedOut(TokenOut):
    token: str
