"""Fixtures of the credit-bank tests."""

from __future__ import annotations

import base64
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def english_messages():
    """Check service messages in English (the msgids); pages choose their language per request."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def signing_key_env(monkeypatch):
    """Sign with a fresh key from the environment, never the developer's key file."""
    from learning_platform.creditbank.signing import signing_key

    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    monkeypatch.setenv("CREDITBANK_SIGNING_KEY", base64.b64encode(raw).decode())
    signing_key.cache_clear()
    yield key
    signing_key.cache_clear()


@pytest.fixture
def huangpu(districts):
    return next(d for d in districts if d.code == "310101")


@pytest.fixture
def citizen(make_user, huangpu):
    return make_user("citizen", username="alice", district=huangpu)


@pytest.fixture
def other_citizen(make_user, huangpu):
    return make_user("citizen", username="bob", district=huangpu)


@pytest.fixture
def institution(make_user):
    return make_user("institution", username="openuni", display_name="上海开放大学")


@pytest.fixture
def admin_user(make_user):
    return make_user("administrator", username="boss")


@pytest.fixture
def record(citizen):
    """Record an assessment result for a user (the citizen by default)."""
    from learning_platform.creditbank.services import outcome_record_assessment

    counter = {"n": 0}

    def _record(
        user=None, *, theta=0.5, level="L3", day=(2026, 3, 10), domain="info", ref=None
    ):
        counter["n"] += 1
        return outcome_record_assessment(
            user=user or citizen,
            source_ref=ref or f"assessment-session:test-{counter['n']}",
            instrument_code="INFO-2026",
            instrument_name="信息素养测评 2026",
            completed_at=datetime(*day, 10, 0, tzinfo=SHANGHAI),
            level_code=level,
            level_name="达标",
            domain_scores=[
                {"domain_code": domain, "theta": theta, "se": 0.3, "level_code": level},
                {
                    "domain_code": f"{domain}.data",
                    "theta": theta - 0.2,
                    "se": 0.4,
                    "level_code": level,
                },
            ],
            parameter_set_id=7,
        )

    return _record


@pytest.fixture
def info_rule(admin_user):
    from learning_platform.creditbank.services import conversion_rule_save

    return conversion_rule_save(
        code="info-attained",
        data={
            "name": "信息素养测评达标",
            "outcome_kind": "assessment",
            "domain_code": "info",
            "level_codes": ["L3", "L4"],
            "credits": Decimal("1.00"),
            "points": 10,
            "cap_period": "year",
            "cap_credits": Decimal("2.00"),
            "cap_points": 25,
            "valid_months": 24,
        },
        changed_by=admin_user,
    )
