"""Replays, duplicates, stale tabs and concurrent finishes change nothing twice.

Concurrency uses real threads, each with its own database connection. On PostgreSQL
the services' row locks serialise them. SQLite has no row locks: a writer that loses
the race gets ``database is locked`` at once, which a client answers by retrying, so
there the workers retry and the same invariants are checked on the final state.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import OperationalError, close_old_connections, connection
from django.test import Client

from assessment import services
from assessment.models import Response, Result, Session, SessionStatus
from learning_platform.errors import ApiError

THREADS_ANSWER = 10
THREADS_FINISH = 20


def _start(user, campaign) -> Session:
    session, _ = services.session_start(
        user=user, campaign=campaign, background={}, consent=True
    )
    return session


def _answer(
    session: Session,
    user,
    answer: Any,
    *,
    sequence: int | None = None,
    item_id: int | None = None,
):
    pending = Session.objects.get(pk=session.pk).pending
    return services.response_record(
        session_id=session.pk,
        user=user,
        sequence=sequence if sequence is not None else pending["sequence"],
        item_id=item_id if item_id is not None else pending["item_id"],
        answer=answer,
    )


def _concurrently(n: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(k)`` in ``n`` threads released together; return results or exceptions."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n
    retry = connection.vendor == "sqlite"

    def run(k: int) -> None:
        try:
            barrier.wait(timeout=30)
            # SQLite's shared in-memory database answers "table is locked" at once and
            # never queues writers; a client retries with backoff until a deadline
            # (generous: the CI machines are loaded 2-core boxes).
            deadline = time.monotonic() + 90
            attempt = 0
            while True:
                try:
                    results[k] = work(k)
                    return
                except OperationalError as exc:
                    if (
                        not retry
                        or "locked" not in str(exc)
                        or time.monotonic() > deadline
                    ):
                        raise
                    close_old_connections()
                    attempt += 1
                    time.sleep(
                        random.uniform(0.005, min(0.25, 0.01 * 2 ** min(attempt, 5)))
                    )
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[k] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


# ------------------------------------------------------------------ sequential


@pytest.mark.django_db
def test_the_same_answer_ten_times_in_sequence_stores_one_row(
    make_user, fixed_campaign
):
    user = make_user()
    session = _start(user, fixed_campaign)
    pending = session.pending
    acks = [
        services.response_record(
            session_id=session.pk,
            user=user,
            sequence=pending["sequence"],
            item_id=pending["item_id"],
            answer="B",
        ).payload()
        for _ in range(10)
    ]
    assert all(ack == acks[0] for ack in acks)
    assert Response.objects.filter(session=session).count() == 1
    assert Session.objects.get(pk=session.pk).n_answered == 1


@pytest.mark.django_db
def test_the_same_answer_ten_times_over_http_gets_identical_acks(
    make_user, fixed_campaign
):
    user = make_user()
    session = _start(user, fixed_campaign)
    client = Client()
    client.force_login(user)
    body = json.dumps(
        {"sequence": 1, "item_id": session.pending["item_id"], "answer": "B"}
    )
    url = f"/api/v1/assessment/sessions/{session.pk}/responses"
    answers = [
        client.post(url, data=body, content_type="application/json") for _ in range(10)
    ]
    assert {a.status_code for a in answers} == {201}
    assert len({json.dumps(a.json()["ack"], sort_keys=True) for a in answers}) == 1
    assert Response.objects.filter(session=session).count() == 1


@pytest.mark.django_db
def test_the_same_sequence_with_a_different_answer_is_refused(
    make_user, fixed_campaign
):
    user = make_user()
    session = _start(user, fixed_campaign)
    first = session.pending
    _answer(session, user, "B")
    with pytest.raises(ApiError) as refused:
        _answer(
            session, user, "C", sequence=first["sequence"], item_id=first["item_id"]
        )
    assert refused.value.code == "already_answered" and refused.value.status == 409
    stored = Response.objects.get(session=session, sequence=first["sequence"])
    assert stored.answer == "B"


@pytest.mark.django_db
def test_stale_and_out_of_order_submissions_are_refused(make_user, fixed_campaign):
    """An old tab, the back button and a second device cannot change or skip an answer."""
    user = make_user()
    session = _start(user, fixed_campaign)
    first = dict(session.pending)
    _answer(session, user, "B")  # question 1 answered on the new device
    second = dict(Session.objects.get(pk=session.pk).pending)
    # the old tab still shows question 1 and answers it differently
    with pytest.raises(ApiError) as stale:
        _answer(
            session, user, "A", sequence=first["sequence"], item_id=first["item_id"]
        )
    assert stale.value.code == "already_answered"
    # the back button re-sends the very same answer: acknowledged, nothing changes
    again = _answer(
        session, user, "B", sequence=first["sequence"], item_id=first["item_id"]
    )
    assert again.duplicate
    # question 2's item submitted as question 1, and a question from the future
    for sequence, item_id in (
        (first["sequence"], second["item_id"]),
        (second["sequence"] + 1, second["item_id"]),
        (second["sequence"], first["item_id"]),
    ):
        with pytest.raises(ApiError) as wrong:
            _answer(session, user, "B", sequence=sequence, item_id=item_id)
        assert wrong.value.code in {"item_not_presented", "already_answered"}
    assert list(
        Response.objects.filter(session=session).values_list("sequence", "answer")
    ) == [(1, "B")]
    assert Session.objects.get(pk=session.pk).pending["sequence"] == second["sequence"]


@pytest.mark.django_db
def test_anything_after_finishing_is_refused(make_user, fixed_campaign):
    user = make_user()
    session = _start(user, fixed_campaign)
    pending = dict(session.pending)
    _answer(session, user, "B")
    finished = services.session_finish(session_id=session.pk, user=user)
    results_before = list(
        Result.objects.filter(session=session).values_list("pk", "theta")
    )
    following = Session.objects.get(pk=session.pk)
    assert finished.status == SessionStatus.FINISHED
    for sequence, item_id, answer in (
        (pending["sequence"], pending["item_id"], "C"),
        (2, following.plan["items"][1], "B"),
    ):
        with pytest.raises(ApiError) as refused:
            _answer(session, user, answer, sequence=sequence, item_id=item_id)
        assert refused.value.code in {"session_finished", "already_answered"}
    # finishing again returns the same results, recomputing nothing
    services.session_finish(session_id=session.pk, user=user)
    assert (
        list(Result.objects.filter(session=session).values_list("pk", "theta"))
        == results_before
    )
    assert Response.objects.filter(session=session).count() == 1


# ------------------------------------------------------------------ concurrent


@pytest.fixture
def credit_rule(make_user):
    from learning_platform.creditbank.services import conversion_rule_save

    return conversion_rule_save(
        code="security-any-level",
        data={
            "name": "任何等级",
            "outcome_kind": "assessment",
            "domain_code": "info",
            "level_codes": ["L1", "L2", "L3"],
            "credits": Decimal("1.00"),
            "points": 10,
            "cap_period": "year",
            "cap_credits": Decimal("20.00"),
            "cap_points": 200,
            "valid_months": 24,
        },
        changed_by=make_user("administrator"),
    )


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_identical_answers_store_one_row(make_user, fixed_campaign):
    user = make_user()
    session = _start(user, fixed_campaign)
    pending = dict(session.pending)

    def submit(_k):
        return services.response_record(
            session_id=session.pk,
            user=user,
            sequence=pending["sequence"],
            item_id=pending["item_id"],
            answer="B",
        ).payload()

    results = _concurrently(THREADS_ANSWER, submit)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    assert all(r == results[0] for r in results)
    assert Response.objects.filter(session=session).count() == 1
    assert Session.objects.get(pk=session.pk).n_answered == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_different_answers_keep_exactly_one(make_user, fixed_campaign):
    user = make_user()
    session = _start(user, fixed_campaign)
    pending = dict(session.pending)
    answers = ["A", "B", "C", "D"] * 2

    def submit_factory():
        def submit(k):
            answer = answers[k]
            try:
                return (
                    "ok",
                    answer,
                    services.response_record(
                        session_id=session.pk,
                        user=user,
                        sequence=pending["sequence"],
                        item_id=pending["item_id"],
                        answer=answer,
                    ).payload(),
                )
            except ApiError as exc:
                return ("refused", answer, exc.code)

        return submit

    results = _concurrently(len(answers), submit_factory())
    assert not [r for r in results if isinstance(r, Exception)], results
    stored = Response.objects.get(session=session, sequence=pending["sequence"])
    accepted = {r[1] for r in results if r[0] == "ok"}
    assert accepted == {stored.answer}  # only the stored answer's senders got an ack
    assert all(r[2] == "already_answered" for r in results if r[0] == "refused")
    assert Response.objects.filter(session=session).count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_finishes_give_one_score_and_one_outcome(
    make_user, fixed_campaign, item_bank, credit_rule
):
    from learning_platform.creditbank.models import CreditEntry, LearningOutcome

    # Two answers must give a result that counts (invariant 9), so the rule asks for two.
    fixed_campaign.instrument.precision_min_items = 2
    fixed_campaign.instrument.save(update_fields=["precision_min_items"])
    user = make_user()
    session = _start(user, fixed_campaign)
    _answer(session, user, "B")
    _answer(session, user, "A")

    def finish(_k):
        done = services.session_finish(session_id=session.pk, user=user)
        return (done.status, done.finished_at.isoformat())

    results = _concurrently(THREADS_FINISH, finish)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(set(results)) == 1  # every caller sees the same closing
    session.refresh_from_db()
    assert session.status == SessionStatus.FINISHED
    results_rows = Result.objects.filter(session=session)
    assert results_rows.count() == len({r.domain_code for r in results_rows}) >= 1
    outcomes = LearningOutcome.objects.filter(source_ref=session.source_ref)
    assert outcomes.count() == 1
    entries = CreditEntry.objects.filter(outcome=outcomes.get())
    assert entries.count() == 1 and entries.get().credits == Decimal("1.00")
    assert session.outcome_ref == session.source_ref


@pytest.mark.django_db(transaction=True)
def test_answers_racing_a_finish_are_either_stored_before_it_or_refused(
    make_user, fixed_campaign
):
    user = make_user()
    session = _start(user, fixed_campaign)
    pending = dict(session.pending)
    n = 8

    def work_factory():
        def work(k):
            try:
                if k % 2:
                    services.session_finish(session_id=session.pk, user=user)
                    return ("finish", None)
                ack = services.response_record(
                    session_id=session.pk,
                    user=user,
                    sequence=pending["sequence"],
                    item_id=pending["item_id"],
                    answer="B",
                )
                return ("ack", ack.payload())
            except ApiError as exc:
                return ("refused", exc.code)

        return work

    results = _concurrently(n, work_factory())
    assert not [r for r in results if isinstance(r, Exception)], results
    acked = [r for r in results if r[0] == "ack"]
    stored = Response.objects.filter(session=session)
    # an acknowledged answer is stored; a refused one is not
    assert stored.count() == (1 if acked else 0)
    assert all(
        r[1] in {"session_finished", "already_answered"}
        for r in results
        if r[0] == "refused"
    )
    session.refresh_from_db()
    assert session.status == SessionStatus.FINISHED
    if acked:
        assert session.n_answered == 1
