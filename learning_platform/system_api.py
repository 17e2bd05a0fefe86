"""Platform-wide API routes: health and version."""

from __future__ import annotations

from django.db import connection
from ninja import Router, Schema

from learning_platform.auth import public

router = Router(tags=["system"])


class HealthOut(Schema):
    status: str
    database: str


@router.get(
    "/health",
    response=HealthOut,
    auth=public,
    url_name="health",
    operation_id="system_health",
)
def health(request):
    """Report that the web process can reach its database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": "ok", "database": connection.vendor}
