"""API of the learning organisations (``/api/v1/organisations/``), one module per concern.

``register`` (the register and tier decisions), ``monitoring`` (the annual sample and the
self-assessments), ``rating`` (the expert rating) and ``spaces`` (public reads of the
spaces and the results). Each reads through its scoped selectors and writes through its
services; ``router`` mounts them all at the same paths as before the split.
"""

from __future__ import annotations

from ninja import Router

from learning_platform.organisations.api import monitoring, rating, register, spaces

router = Router(tags=["organisations"])
router.add_router("", register.router)
router.add_router("", monitoring.router)
router.add_router("", rating.router)
router.add_router("", spaces.router)

__all__ = ["router"]
