"""Platform-wide API routes: health and version."""

from __future__ import annotations

from django.db import connection
from ninja import Router

from learning_platform.auth import public
from learning_platform.schemas import HealthOut

router = Router(tags=["system"])


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
