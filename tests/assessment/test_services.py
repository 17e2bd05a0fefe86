"""Delivery services: start, answer once, refuse, resume, expire, score."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessment import services
from assessment.models import Response, Result, Session, SessionStatus
from assessment.selectors import session_payload
from itembank.models import ItemParameterSet
from learning_platform.errors import ApiError
from tests.assessment.fixtures import BACKGROUND, commits, right_answer

pytestmark = pytest.mark.django_db


def _start(user, campaign, **kwargs):
    return services.session_start(
        user=user,
        campaign=campaign,
        background=kwargs.pop("background", {}),
        consent=kwargs.pop("consent", True),
        **kwargs,
    )


def _answer(session, user, answer=None, bank=None, **kwargs):
    session.refresh_from_db()
    item = session.pending
    if answer is None:
        answer = right_answer(bank, item)
    return services.response_record(
        session_id=session.pk,
        user=user,
        sequence=item["sequence"],
        item_id=item["item_id"],
        answer=answer,
        **kwargs,
    )


def test_start_presents_the_first_item_and_resume_returns_the_same_session(
    make_user, adaptive_campaign
):
    user = make_user()
    session, created = _start(user, adaptive_campaign)
    assert created and session.pending["sequence"] == 1
    again, created_again = _start(user, adaptive_campaign)
    assert not created_again and again.pk == session.pk
    assert again.pending["item_id"] == session.pending["item_id"]


def test_start_needs_consent_and_survey_background(
    make_user, fixed_campaign, districts
):
    user = make_user()
    with pytest.raises(ValidationError) as exc:
        _start(user, fixed_campaign, consent=False)
    assert "consent" in exc.value.message_dict
    fixed_campaign.kind = "thematic"
    fixed_campaign.save()
    with pytest.raises(ValidationError) as exc:
        _start(user, fixed_campaign, background={"age_band": "35-44"})
    assert "background.sex" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _start(
            user, fixed_campaign, background={**BACKGROUND, "district_code": "999999"}
        )
    assert "background.district_code" in exc.value.message_dict
    assert not Session.objects.exists()
    session, _ = _start(user, fixed_campaign, background=BACKGROUND)
    assert session.background == BACKGROUND


def test_fixed_form_presents_items_in_order_and_scores_at_the_end(
    make_user, fixed_campaign
):
    i1, i2, i3 = fixed_campaign.instrument.settings["item_ids"]
    user = make_user()
    session, _ = _start(user, fixed_campaign)
    seen = []
    while True:
        session.refresh_from_db()
        if session.status != SessionStatus.IN_PROGRESS:
            break
        seen.append(session.pending["item_id"])
        _answer(session, user, answer="B")
    assert seen == [i1, i2, i3]
    assert (
        session.status == SessionStatus.FINISHED
        and session.stop_reason == "form_complete"
    )
    result = Result.objects.get(session=session)
    assert result.domain_code == "info" and result.theta is not None and result.se > 0
    active = ItemParameterSet.objects.get(is_active=True)
    assert result.parameter_set_id == active.pk and result.level_code in {
        "L1",
        "L2",
        "L3",
    }


def test_resubmission_returns_the_identical_ack_and_stores_one_row(
    make_user, fixed_campaign
):
    i1, i2, i3 = fixed_campaign.instrument.settings["item_ids"]
    user = make_user()
    session, _ = _start(user, fixed_campaign)
    first = _answer(session, user, answer="A")
    again = services.response_record(
        session_id=session.pk, user=user, sequence=1, item_id=i1, answer="A"
    )
    assert again.payload() == first.payload() and again.duplicate
    assert Response.objects.filter(session=session).count() == 1
    with pytest.raises(ApiError) as exc:
        services.response_record(
            session_id=session.pk, user=user, sequence=1, item_id=i1, answer="B"
        )
    assert exc.value.code == "already_answered"
    assert Response.objects.get(session=session, sequence=1).answer == "A"


def test_refusals_change_nothing(make_user, fixed_campaign):
    i1, i2, i3 = fixed_campaign.instrument.settings["item_ids"]
    user, other = make_user(), make_user()
    session, _ = _start(user, fixed_campaign)
    before = Session.objects.get(pk=session.pk).pending
    cases = [
        (dict(user=user, sequence=1, item_id=i2, answer="A"), "item_not_presented"),
        (dict(user=user, sequence=2, item_id=i2, answer="A"), "item_not_presented"),
        (dict(user=other, sequence=1, item_id=i1, answer="A"), "not_found"),
    ]
    for kwargs, code in cases:
        with pytest.raises(ApiError) as exc:
            services.response_record(session_id=session.pk, **kwargs)
        assert exc.value.code == code
    with pytest.raises(ValidationError):
        services.response_record(
            session_id=session.pk, user=user, sequence=1, item_id=i1, answer="Z"
        )
    assert not Response.objects.exists()
    assert Session.objects.get(pk=session.pk).pending == before


def test_finished_session_refuses_answers(make_user, fixed_campaign):
    i1, i2, i3 = fixed_campaign.instrument.settings["item_ids"]
    user = make_user()
    session, _ = _start(user, fixed_campaign)
    services.session_finish(session_id=session.pk, user=user)
    with pytest.raises(ApiError) as exc:
        services.response_record(
            session_id=session.pk, user=user, sequence=1, item_id=i1, answer="B"
        )
    assert exc.value.code == "session_finished"
    assert not Response.objects.exists()


def test_expired_session_refuses_answers_and_keeps_the_acknowledged_ones(
    make_user, adaptive_campaign
):
    user = make_user()
    start = timezone.now()
    session, _ = _start(user, adaptive_campaign, now=start)
    _answer(session, user, answer="B", now=start + timedelta(seconds=10))
    session.refresh_from_db()
    late = start + timedelta(seconds=1801)
    with pytest.raises(ApiError) as exc:
        services.response_record(
            session_id=session.pk,
            user=user,
            sequence=session.pending["sequence"],
            item_id=session.pending["item_id"],
            answer="B",
            now=late,
        )
    assert exc.value.code == "session_expired"
    session.refresh_from_db()
    assert (
        session.status == SessionStatus.EXPIRED
        and session.finished_at == session.deadline
    )
    assert Response.objects.filter(session=session).count() == 1
    assert Result.objects.filter(session=session).exists()


def test_timer_is_honest_after_a_break(make_user, adaptive_campaign):
    user = make_user()
    start = timezone.now()
    session, _ = _start(user, adaptive_campaign, now=start)
    later = start + timedelta(seconds=600)
    assert session_payload(session, now=later)["seconds_left"] == 1200
    resumed, created = _start(user, adaptive_campaign, now=later)
    assert not created and session_payload(resumed, now=later)["seconds_left"] == 1200


def test_adaptive_session_stops_at_max_length_and_balances_content(
    make_user, adaptive_campaign, item_bank
):
    user = make_user()
    session, _ = _start(user, adaptive_campaign)
    while session.status == SessionStatus.IN_PROGRESS:
        _answer(session, user, bank=item_bank)
        session.refresh_from_db()
    responses = list(Response.objects.filter(session=session))
    assert len(responses) == 8 and session.stop_reason in {"max_length", "se_target"}
    assert {r.domain_code for r in responses} == {
        "info.data",
        "info.communication",
        "info.safety",
        "info.problem",
    }
    result = Result.objects.get(session=session)
    assert result.theta > 0.5  # all correct
    assert result.level_code == "L3"


def test_withdrawn_item_is_not_presented(make_user, fixed_campaign, item_bank):
    i1, i2, i3 = fixed_campaign.instrument.settings["item_ids"]
    item_bank.withdraw(i2)
    user = make_user()
    session, _ = _start(user, fixed_campaign)
    _answer(session, user, answer="B")
    session.refresh_from_db()
    assert session.pending["item_id"] == i3


def test_attempt_limit_and_closed_campaign(make_user, fixed_campaign):
    user = make_user()
    fixed_campaign.max_attempts = 1
    fixed_campaign.save()
    session, _ = _start(user, fixed_campaign)
    services.session_finish(session_id=session.pk, user=user)
    with pytest.raises(ApiError) as exc:
        _start(user, fixed_campaign)
    assert exc.value.code == "attempts_used"
    fixed_campaign.closes_at = timezone.now() - timedelta(minutes=1)
    fixed_campaign.opens_at = timezone.now() - timedelta(days=2)
    fixed_campaign.save()
    with pytest.raises(ApiError) as exc:
        _start(make_user(), fixed_campaign)
    assert exc.value.code == "campaign_closed"


def test_finish_records_the_credit_bank_outcome_once(make_user, fixed_campaign):
    from learning_platform.creditbank.models import LearningOutcome

    user = make_user()
    session, _ = _start(user, fixed_campaign)
    with commits():  # the outcome is written after the closing answer's commit
        for _i in range(3):
            _answer(session, user, answer="B")
    session.refresh_from_db()
    outcome = LearningOutcome.objects.get(source_ref=f"assessment-session:{session.pk}")
    assert outcome.account.user == user and outcome.instrument_code == "info-fixed"
    assert outcome.parameter_set_id == ItemParameterSet.objects.get(is_active=True).pk
    with commits():
        services.session_finish(session_id=session.pk, user=user)
    assert LearningOutcome.objects.filter(account__user=user).count() == 1


def test_booklets_rotate_in_balance(make_user, item_bank):
    from assessment.services import campaign_create, instrument_create

    instrument = instrument_create(
        code="survey-b",
        name_zh="调查",
        kind="ability",
        domain_code="info",
        mode="booklet",
        settings={
            "booklets": [item_bank.ids[0:2], item_bank.ids[2:4], item_bank.ids[4:6]]
        },
    )
    campaign = campaign_create(
        instrument=instrument,
        name_zh="调查",
        kind="practice",
        opens_at=timezone.now() - timedelta(days=1),
    )
    booklets = [_start(make_user(), campaign)[0].booklet for _i in range(6)]
    assert booklets == [0, 1, 2, 0, 1, 2]
    s = Session.objects.get(booklet=1, user__username="user2")
    assert s.pending["item_id"] == item_bank.ids[2]


def test_questionnaire_gives_a_profile_and_no_outcome(make_user, item_bank):
    from assessment.services import campaign_create, instrument_create
    from learning_platform.creditbank.models import LearningOutcome

    instrument = instrument_create(
        code="needs",
        name_zh="需求问卷",
        kind="questionnaire",
        domain_code="needs",
        mode="fixed",
        settings={"item_ids": item_bank.needs_ids[:2]},
    )
    campaign = campaign_create(
        instrument=instrument,
        name_zh="需求",
        kind="practice",
        opens_at=timezone.now() - timedelta(days=1),
    )
    user = make_user()
    session, _ = _start(user, campaign)
    _answer(session, user, answer="L3")
    _answer(session, user, answer="L1")
    result = Result.objects.get(session=session)
    assert (
        result.domain_code == "needs.topics" and result.profile["mean_category"] == 2.0
    )
    assert not LearningOutcome.objects.exists()


def test_instrument_settings_are_checked(item_bank):
    with pytest.raises(ValidationError) as exc:
        services.instrument_create(
            code="x",
            name_zh="x",
            kind="ability",
            domain_code="info",
            mode="fixed",
            settings={"item_ids": [item_bank.ids[0], 999999]},
        )
    assert "settings.item_ids" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.instrument_create(
            code="y",
            name_zh="y",
            kind="ability",
            domain_code="info",
            mode="adaptive",
            settings={"se_target": -1},
        )


def test_invited_campaign_takes_each_code_once(make_user, fixed_campaign):
    fixed_campaign.audience = "invited"
    fixed_campaign.save()
    [invitation] = services.invitations_create(campaign=fixed_campaign, count=1)
    with pytest.raises(ValidationError):
        _start(make_user(), fixed_campaign, invitation_code="wrong")
    session, _ = _start(make_user(), fixed_campaign, invitation_code=invitation.code)
    assert session.invitation == invitation
    with pytest.raises(ValidationError):
        _start(make_user(), fixed_campaign, invitation_code=invitation.code)


def test_housekeeping_closes_expired_and_ended_campaign_sessions(
    make_user, adaptive_campaign, fixed_campaign
):
    from django.core.management import call_command

    start = timezone.now() - timedelta(hours=2)
    timed, _ = _start(make_user(), adaptive_campaign, now=start)
    untimed, _ = _start(make_user(), fixed_campaign)
    call_command("close_sessions", stdout=__import__("io").StringIO())
    timed.refresh_from_db()
    untimed.refresh_from_db()
    assert (
        timed.status == SessionStatus.EXPIRED
        and untimed.status == SessionStatus.IN_PROGRESS
    )
    fixed_campaign.closes_at = timezone.now() - timedelta(seconds=1)
    fixed_campaign.opens_at = timezone.now() - timedelta(days=3)
    fixed_campaign.save()
    assert services.sessions_expire(campaign=fixed_campaign) == 1
    untimed.refresh_from_db()
    assert (
        untimed.status == SessionStatus.FINISHED
        and untimed.stop_reason == "campaign_closed"
    )
