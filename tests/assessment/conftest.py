"""Fixtures of the delivery tests (kept in ``fixtures`` so browser tests can share them)."""

import pytest

from tests.assessment.fixtures import (  # noqa: F401
    adaptive_campaign,
    fixed_campaign,
    item_bank,
)


@pytest.fixture
def researcher(client, make_user):
    """A test client logged in as a researcher (the delivery admin's users)."""
    client.force_login(make_user("researcher"))
    return client
