"""API of the learning organisations (``/api/v1/organisations/``)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["organisations"])
