"""The credit-bank outcome of a closed session is written after the closing commit."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from assessment import services
from assessment.models import Response, Result, SessionStatus
from assessment.services.outcomes import OUTCOME_PENDING
from learning_platform.creditbank.models import LearningOutcome
from tests.assessment.fixtures import commits

pytestmark = pytest.mark.django_db


def _answer_all(session, user):
    """Answer every item of the fixed form right; the last answer closes the session."""
    while True:
        session.refresh_from_db()
        if session.status != SessionStatus.IN_PROGRESS:
            return session
        item = session.pending
        services.response_record(
            session_id=session.pk,
            user=user,
            sequence=item["sequence"],
            item_id=item["item_id"],
            answer="B",
        )


def _start(user, campaign):
    session, _created = services.session_start(
        user=user, campaign=campaign, background={}, consent=True
    )
    return session


def test_the_outcome_is_not_written_inside_the_closing_transaction(
    make_user, fixed_campaign
):
    user = make_user()
    session = _start(user, fixed_campaign)
    with (
        TestCase.captureOnCommitCallbacks(execute=False) as callbacks,
        CaptureQueriesContext(connection) as queries,
    ):
        session = _answer_all(session, user)
    # the answers' locked transactions touch no credit-bank table
    assert not [q for q in queries.captured_queries if "creditbank" in q["sql"]]
    # committed: the answers, the result and the mark; not the outcome
    assert session.status == SessionStatus.FINISHED
    assert session.outcome_error == OUTCOME_PENDING and session.outcome_ref == ""
    assert Result.objects.filter(session=session).exists()
    assert not LearningOutcome.objects.filter(source_ref=session.source_ref).exists()
    assert callbacks
    # the commit runs the writer
    for callback in callbacks:
        callback()
    session.refresh_from_db()
    assert (session.outcome_ref, session.outcome_error) == (session.source_ref, "")
    assert LearningOutcome.objects.filter(source_ref=session.source_ref).count() == 1


def test_a_crashing_writer_keeps_the_answer_and_result_and_the_sweep_writes_it_once(
    make_user, fixed_campaign, monkeypatch
):
    from learning_platform.creditbank import services as creditbank

    def crash(**kwargs):
        raise RuntimeError("the credit bank's database went away")

    user = make_user()
    session = _start(user, fixed_campaign)
    # given a writer that crashes after the closing answer committed
    monkeypatch.setattr(creditbank, "outcome_record_assessment", crash)
    with commits():
        session = _answer_all(session, user)  # the closing answer is acknowledged
    # then the answers and the result stay, and the outcome waits, marked
    session.refresh_from_db()
    assert session.status == SessionStatus.FINISHED
    assert Response.objects.filter(session=session).count() == 3
    assert Result.objects.filter(session=session).exists()
    assert session.outcome_error == OUTCOME_PENDING and session.outcome_ref == ""
    assert not LearningOutcome.objects.exists()
    # when the credit bank is back, the periodic close_sessions retries it, once
    monkeypatch.undo()
    out = io.StringIO()
    call_command("close_sessions", stdout=out)
    assert "Wrote 1 pending credit-bank outcome(s)." in out.getvalue()
    assert services.session_outcomes_record() == 0
    assert services.session_outcome_record(session_id=session.pk) is None
    session.refresh_from_db()
    assert (session.outcome_ref, session.outcome_error) == (session.source_ref, "")
    assert LearningOutcome.objects.filter(source_ref=session.source_ref).count() == 1


def test_a_refusal_of_the_credit_bank_is_recorded_and_not_retried(
    make_user, fixed_campaign, monkeypatch
):
    from learning_platform.creditbank import services as creditbank
    from learning_platform.errors import ApiError

    def refuse(**kwargs):
        raise ApiError("account_closed", "账户已关闭", status=409)

    user = make_user()
    session = _start(user, fixed_campaign)
    monkeypatch.setattr(creditbank, "outcome_record_assessment", refuse)
    with commits():
        session = _answer_all(session, user)
    session.refresh_from_db()
    assert session.outcome_ref == "" and session.outcome_error == "账户已关闭"
    monkeypatch.undo()
    assert services.session_outcomes_record() == 0


def test_a_session_too_short_to_measure_leaves_nothing_pending(
    make_user, long_fixed_campaign
):
    user = make_user()
    session = _start(user, long_fixed_campaign)
    item = session.pending
    with commits():
        services.response_record(
            session_id=session.pk,
            user=user,
            sequence=item["sequence"],
            item_id=item["item_id"],
            answer="B",
        )
        services.session_finish(session_id=session.pk, user=user)
    session.refresh_from_db()
    assert (session.outcome_ref, session.outcome_error) == ("", "")
    assert not LearningOutcome.objects.exists()
    assert services.session_outcomes_record() == 0


@pytest.fixture
def long_fixed_campaign(item_bank):
    from datetime import timedelta

    from django.utils import timezone

    instrument = services.instrument_create(
        code="info-long",
        name_zh="信息素养测试",
        kind="ability",
        domain_code="info",
        mode="fixed",
        settings={"item_ids": item_bank.ids[:10]},
    )
    return services.campaign_create(
        instrument=instrument,
        name_zh="练习",
        kind="practice",
        opens_at=timezone.now() - timedelta(days=1),
    )
