"""Response schemas of the platform-wide API routes (``system_api``)."""

from __future__ import annotations

from ninja import Schema


class HealthOut(Schema):
    status: str
    database: str
