from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    roles: list[str]
    district_code: str | None


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    expires_at: datetime | None = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str
