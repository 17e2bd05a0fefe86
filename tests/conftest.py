"""Fixtures shared by the whole suite."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(session, config, items):
    """Run browser tests last.

    Playwright's sync API keeps an event loop running in the main thread while its
    session-scoped browser lives; async tests after it could not start their own.
    """
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(autouse=True)
def _fresh_delivery_caches():
    """Start every test with none of delivery's per-process caches.

    Delivery keeps item revisions, their scorers and adaptive pools per process, keyed by
    database ids, which a real database never hands out twice (PostgreSQL sequences,
    SQLite's AUTOINCREMENT). A test's rolled-back transaction rolls the SQLite counter
    back too, so the next test reuses the ids for other items.
    """
    from assessment import items

    items.DELIVERY_CACHE.clear()
    yield


@pytest.fixture
def districts(db):
    """The 16 districts of Shanghai with their 2020 population."""
    from django.core.management import call_command

    from learning_platform.districts.models import District

    call_command("load_districts", verbosity=0)
    return list(District.objects.all())


@pytest.fixture
def make_user(db):
    """Create a user with roles (and a district for district roles)."""
    from learning_platform.accounts.services import user_create

    counter = {"n": 0}

    def _make(*roles: str, district=None, password: str = "pw-Test-12345", **kwargs):
        counter["n"] += 1
        username = kwargs.pop("username", f"user{counter['n']}")
        return user_create(
            username=username,
            password=password,
            roles=list(roles) or ["citizen"],
            district=district,
            **kwargs,
        )

    return _make


@pytest.fixture
def home_site(db):
    """The Wagtail home page and default site (gone after a transactional test's flush)."""
    from cms.services import home_site_ensure

    return home_site_ensure()
