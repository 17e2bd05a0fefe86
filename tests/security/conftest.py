"""Actors of every role and objects some of them own, for the security suite.

``district A`` is 黄浦 (310101) and ``district B`` is 徐汇 (310104). Objects that
belong to someone belong to ``citizen``; ``citizen_other`` is a second citizen, so
"own" and "other" objects are both exercised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.cache import cache

# The delivery tests' calibrated bank: published items with keys and a parameter set.
from tests.assessment.conftest import item_bank  # noqa: F401

DISTRICT_A = "310101"
DISTRICT_B = "310104"
PASSWORD = "pw-Security-2468"

# actor name -> (roles, district code or None)
ACTORS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "anonymous": ((), None),
    "citizen": (("citizen",), None),
    "citizen_other": (("citizen",), None),
    "item_author": (("item_author",), None),
    "item_reviewer": (("item_reviewer",), None),
    "researcher": (("researcher",), None),
    "officer_a": (("district_officer",), DISTRICT_A),
    "officer_b": (("district_officer",), DISTRICT_B),
    "statistician_a": (("district_statistician",), DISTRICT_A),
    "administrator": (("administrator",), None),
    "expert": (("expert",), None),
}


@dataclass
class World:
    """The users by actor name and the objects path parameters point at."""

    users: dict[str, Any]
    objects: dict[str, Any] = field(default_factory=dict)


def bank_item_ids(bank) -> list[int]:
    """Return the ability items of the delivery tests' bank, whatever its shape."""
    ids = getattr(bank, "ids", None)
    return list(ids) if ids else sorted(bank.a)


def _campaign(code: str, mode: str, settings: dict, **instrument: Any):
    from datetime import timedelta

    from django.utils import timezone

    from assessment.services import campaign_create, instrument_create

    made = instrument_create(
        code=code,
        name_zh=f"安全测试 {code}",
        kind="ability",
        domain_code="info",
        mode=mode,
        settings=settings,
        **instrument,
    )
    return campaign_create(
        instrument=made,
        name_zh=f"安全测试 {code}",
        kind="practice",
        opens_at=timezone.now() - timedelta(days=1),
    )


@pytest.fixture
def fixed_campaign(item_bank):  # noqa: F811
    """A three-item fixed form."""
    return _campaign("sec-fixed", "fixed", {"item_ids": bank_item_ids(item_bank)[:3]})


@pytest.fixture
def booklet_campaign(item_bank):  # noqa: F811
    """Two rotated booklets of three items."""
    ids = bank_item_ids(item_bank)
    return _campaign("sec-booklets", "booklet", {"booklets": [ids[10:13], ids[13:16]]})


@pytest.fixture
def adaptive_campaign(item_bank):  # noqa: F811
    """An adaptive test over the whole calibrated bank."""
    return _campaign(
        "sec-cat",
        "adaptive",
        {
            "max_length": 8,
            "min_length": 3,
            "se_target": 0.2,
            "time_limit_seconds": 1800,
        },
        blueprint={
            "info.data": 1,
            "info.communication": 1,
            "info.safety": 1,
            "info.problem": 1,
        },
    )


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate-limit counters and cached pools never leak between tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def actors(make_user, districts) -> dict[str, Any]:
    """One user per actor (``anonymous`` maps to None)."""
    by_code = {d.code: d for d in districts}
    users: dict[str, Any] = {}
    for name, (roles, code) in ACTORS.items():
        if not roles:
            users[name] = None
            continue
        users[name] = make_user(
            *roles,
            district=by_code[code] if code else None,
            username=name,
            password=PASSWORD,
        )
    return users


def _finished_outcome(user, campaign, bank) -> Any:
    """Run a fixed session to the end so the citizen has results and an outcome."""
    from assessment import services
    from assessment.models import Session, SessionStatus

    session, _ = services.session_start(
        user=user, campaign=campaign, background={}, consent=True
    )
    while True:
        session = Session.objects.get(pk=session.pk)
        if session.status != SessionStatus.IN_PROGRESS:
            return session
        item = session.pending
        services.response_record(
            session_id=session.pk,
            user=user,
            sequence=item["sequence"],
            item_id=item["item_id"],
            answer=bank.keys.get(item["item_id"], 0),
        )


@pytest.fixture
def world(actors, fixed_campaign, adaptive_campaign, item_bank, home_site) -> World:  # noqa: F811
    """Users plus one object of each kind, owned by ``citizen`` where ownership applies."""
    from assessment import services
    from learning_platform.creditbank.models import (
        CreditEntry,
        IssuedCredential,
        LearningOutcome,
    )
    from learning_platform.creditbank.services import credential_issue_badge

    citizen = actors["citizen"]
    done = _finished_outcome(citizen, fixed_campaign, item_bank)
    open_session, _ = services.session_start(
        user=citizen, campaign=adaptive_campaign, background={}, consent=True
    )
    objects: dict[str, Any] = {
        "campaign_id": fixed_campaign.pk,
        "session_id": str(open_session.pk),
        "finished_session_id": str(done.pk),
        "code": DISTRICT_A,
        "district_code": DISTRICT_A,
        "page_id": home_site.pk,
    }
    from learning_platform.districts.models import District
    from learning_platform.organisations.models import Organisation

    objects["org_id"] = Organisation.objects.create(
        kind="community",
        name="安全测试社区",
        district=District.objects.get(code=DISTRICT_A),
        slug="security-org-a",
    ).pk
    outcome = LearningOutcome.objects.filter(account__user=citizen).first()
    if outcome is not None:
        objects["outcome_id"] = outcome.pk
        try:
            credential_issue_badge(outcome=outcome, base_url="http://testserver")
        except Exception:  # noqa: BLE001 - a credential is optional for the matrix
            pass
        credential = IssuedCredential.objects.filter(account__user=citizen).first()
        if credential is not None:
            objects["credential_id"] = str(credential.pk)
        entry = CreditEntry.objects.filter(account__user=citizen).first()
        if entry is not None:
            objects["entry_id"] = entry.pk
    from tests.organisations.rating_fixtures import rating_world_objects

    objects.update(rating_world_objects(actors))  # the expert actor's rating assignment
    return World(
        users=actors, objects={k: v for k, v in objects.items() if v is not None}
    )
