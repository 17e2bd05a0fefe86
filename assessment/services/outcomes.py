"""Closing a session: its score, and the credit-bank outcome of an ability test.

The outcome is written after the closing transaction commits, never inside it: the
answer that closes a session holds the session's row lock, and the credit bank's
writes (account, outcome, credits) would hold it longer and could fail it. Closing
marks the session ``outcome_error = OUTCOME_PENDING`` in the same transaction as the
answer and the results; :func:`session_outcome_record` runs on commit, writes the
outcome (idempotent through the session's ``source_ref``) and clears the mark. If the
writer fails (the database went away, a bug), the answer and the result stay stored
and the mark stays: :func:`session_outcomes_record`, run by ``close_sessions`` (the
periodic job), writes every outcome still pending, once.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from assessment import items as bank
from assessment.models import InstrumentKind, Session, SessionStatus
from assessment.precision import precision_met
from assessment.services.scoring import session_main_result, session_score
from assessment.services.statistics import (
    LEFT_UNANSWERED,
    item_statistics_schedule,
    session_presented_item_ids,
)
from learning_platform.creditbank import services as creditbank
from learning_platform.errors import ApiError

logger = logging.getLogger(__name__)

# ``Session.outcome_error`` of a closed session whose outcome is not written yet.
OUTCOME_PENDING = "pending"


def session_close(session: Session, *, status: str, reason: str, now: datetime) -> None:
    """Close a session (the caller saves it): score it and schedule the outcome.

    The item on screen, if any, is remembered as omitted, and the statistics of every
    item the session presented are recounted in the background after commit.
    """
    left = (session.pending or {}).get("item_id")
    if left is not None:
        session.plan = {**(session.plan or {}), LEFT_UNANSWERED: int(left)}
    session.status = status
    session.stop_reason = reason
    session.finished_at = now
    session.pending = {}
    session_score(session=session)
    if session.instrument.kind == InstrumentKind.ABILITY and session.n_answered:
        session.outcome_error = OUTCOME_PENDING
        transaction.on_commit(
            lambda: _outcome_record_after_commit(session), robust=True
        )
    item_statistics_schedule(item_ids=session_presented_item_ids(session))


def _outcome_record_after_commit(session: Session) -> None:
    """Write the outcome the commit made due; a failure leaves it pending for the sweep."""
    try:
        written = session_outcome_record(session_id=session.pk)
    except Exception:  # the answer and the result are committed; the sweep retries
        logger.exception(
            "Credit-bank outcome of session %s left pending for close_sessions",
            session.pk,
        )
        return
    if written is not None:  # the caller's copy shows what was stored
        session.outcome_ref, session.outcome_error = written


def session_outcome_record(*, session_id: Any) -> tuple[str, str] | None:
    """Write the closed session's pending credit-bank outcome; return (ref, error).

    Returns None when nothing was pending (written already, or never due). A refusal
    of the credit bank (a closed learning account) is recorded in ``outcome_error``
    and not retried; it must not stop the citizen from seeing the result.
    """
    with transaction.atomic():
        session = (
            Session.objects.select_for_update(of=("self",))
            .select_related("instrument", "user")
            .filter(pk=session_id, outcome_error=OUTCOME_PENDING)
            .exclude(status=SessionStatus.IN_PROGRESS)
            .first()
        )
        if session is None:
            return None
        try:
            with transaction.atomic():
                written = _outcome_write(session)
        except (ApiError, ValidationError) as exc:
            session.outcome_error = str(getattr(exc, "message", exc))[:200]
            logger.info("No credit-bank outcome for session %s: %s", session.pk, exc)
        else:
            session.outcome_ref = session.source_ref if written else ""
            session.outcome_error = ""
        session.save(update_fields=["outcome_ref", "outcome_error"])
    return session.outcome_ref, session.outcome_error


def session_outcomes_record(*, limit: int = 1000) -> int:
    """Write the outcomes still pending (their after-commit write failed); return how many."""
    ids = list(
        Session.objects.filter(outcome_error=OUTCOME_PENDING)
        .exclude(status=SessionStatus.IN_PROGRESS)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for session_id in ids:
        try:
            if session_outcome_record(session_id=session_id) is not None:
                done += 1
        except Exception:  # one broken session must not stop the others
            logger.exception(
                "Credit-bank outcome of session %s still pending", session_id
            )
    return done


def _outcome_write(session: Session) -> bool:
    """Record the session's result in the credit bank; False when none is due."""

    main = session_main_result(session)
    if main is None or main.theta is None:
        return False
    if not precision_met(session=session, main=main):
        # Too short to give a level: no credit, no badge, the account's latest level stays.
        return False
    # The result's own level, under the cut-score version it recorded (never recomputed).
    level = (
        bank.level_for(
            main.domain_code, main.theta, cut_score_set_id=main.cut_score_set_id
        )
        if main.cut_score_set_id
        else None
    )
    instrument = session.instrument
    assert session.finished_at is not None  # closed sessions have finished
    creditbank.outcome_record_assessment(
        user=session.user,
        source_ref=session.source_ref,
        instrument_code=instrument.code,
        instrument_name=instrument.name_zh,
        completed_at=session.finished_at,
        level_code=level.code if level else "",
        level_name=level.name_zh if level else "",
        domain_scores=[
            {
                "domain_code": r.domain_code,
                "theta": r.theta,
                "se": r.se,
                "level_code": r.level_code,
            }
            for r in session.results.all()
            if r.theta is not None
        ],
        parameter_set_id=main.parameter_set_id,
        cut_score_set_id=main.cut_score_set_id,
    )
    return True
