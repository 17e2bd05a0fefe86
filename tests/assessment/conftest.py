"""Fixtures of the delivery tests (kept in ``fixtures`` so browser tests can share them)."""

from tests.assessment.fixtures import (  # noqa: F401
    adaptive_campaign,
    fixed_campaign,
    item_bank,
)
