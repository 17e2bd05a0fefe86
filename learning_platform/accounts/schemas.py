from __future__ import annotations

from datetime import datetime

from ninja import Schema


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    roles: list[str]
    district_code: str | None


class TokenIn(Schema):
    name: str
    expires_at: datetime | None = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str
