"""Redeeming a batch of invitation codes: one lookup, one update, all or nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessment.survey import services
from assessment.survey.models import SurveyInvitation
from tests.survey.conftest import make_campaign

pytestmark = pytest.mark.django_db


def _issue(*, year: int = 2025, code: str = "survey-test", size: int = 320):
    campaign = make_campaign(year=year, code=code)
    design = services.design_create(
        campaign=campaign, method="equal", sample_size=size, population_year=2020
    )
    return campaign, [c for _key, c in services.invitations_issue(design=design)]


@pytest.fixture
def issued(districts):
    return _issue()


def _invitation(code: str) -> SurveyInvitation:
    return SurveyInvitation.objects.get(code_hash=services.invitation_code_hash(code))


def _n_redeemed() -> int:
    return SurveyInvitation.objects.filter(redeemed_at__isnull=False).count()


def test_a_batch_is_redeemed_with_one_lookup_and_one_update(issued):
    campaign, codes = issued
    # codes as typed: some in lower case, with spaces around
    batch = [
        (f" {c.lower()} " if i % 3 == 0 else c, f"session-{i}")
        for i, c in enumerate(codes[:60])
    ]
    with CaptureQueriesContext(connection) as ctx:
        n = services.invitations_redeem(campaign=campaign, codes_with_sessions=batch)
    assert n == 60
    sql = [q["sql"].lstrip().upper() for q in ctx.captured_queries]
    assert sum(s.startswith("SELECT") for s in sql) == 1
    assert sum(s.startswith("UPDATE") for s in sql) == 1
    for i, code in enumerate(codes[:60]):
        inv = _invitation(code)
        assert inv.redeemed_at is not None and inv.session_id == f"session-{i}"
    assert _n_redeemed() == 60
    # the codes now count as used, one at a time as in a batch
    with pytest.raises(ValidationError, match="not valid or has been used"):
        services.invitation_redeem(campaign=campaign, code=codes[0])
    assert services.invitations_redeem(campaign=campaign, codes_with_sessions=[]) == 0


@pytest.mark.parametrize(
    "case", ["unknown", "used", "twice", "other campaign", "empty"]
)
def test_a_bad_code_refuses_the_whole_batch_and_is_named(issued, case):
    campaign, codes = issued
    services.invitation_redeem(campaign=campaign, code=codes[0], session_id="earlier")
    good = [(c, f"s{i}") for i, c in enumerate(codes[1:6])]
    if case == "unknown":
        bad = "NOPE234567"
    elif case == "used":
        bad = codes[0]
    elif case == "twice":
        bad = codes[3].lower()  # the same code as good[2], typed differently
    elif case == "other campaign":
        _other, other_codes = _issue(year=2024, code="survey-other")
        bad = other_codes[0]
    else:
        bad = ""
    with pytest.raises(ValidationError) as exc:
        services.invitations_redeem(
            campaign=campaign,
            codes_with_sessions=[*good[:3], (bad, "s-bad"), *good[3:]],
        )
    messages = exc.value.message_dict["code"]
    assert len(messages) == 1
    assert "not valid or has been used" in messages[0]
    assert messages[0] == (f"{bad}: " if bad else "") + (
        "This invitation code is not valid or has been used."
    )
    # nothing changed: only the code redeemed before the batch is used
    assert _n_redeemed() == 1
    assert _invitation(codes[0]).session_id == "earlier"


def test_many_bad_codes_are_named_up_to_ten(issued):
    campaign, codes = issued
    bad = [f"BAD{i:07d}" for i in range(13)]
    with pytest.raises(ValidationError) as exc:
        services.invitations_redeem(
            campaign=campaign,
            codes_with_sessions=[(codes[0], "s0"), *((c, "s") for c in bad)],
        )
    messages = exc.value.message_dict["code"]
    assert [m.split(":")[0] for m in messages[:10]] == bad[:10]
    assert messages[10] == "… (+3)"
    assert _n_redeemed() == 0
