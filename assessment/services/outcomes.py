"""Closing a session: its score and the credit-bank outcome of an ability test."""

from __future__ import annotations

import logging
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from assessment import items as bank
from assessment.models import InstrumentKind, Session
from assessment.precision import precision_met
from assessment.services.scoring import _main_result, session_score
from assessment.services.statistics import (
    LEFT_UNANSWERED,
    item_statistics_schedule,
    session_presented_item_ids,
)
from learning_platform.errors import ApiError

logger = logging.getLogger(__name__)


def _close(session: Session, *, status: str, reason: str, now: datetime) -> None:
    """Close a session (the caller saves it): score it and record the outcome.

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
        _record_outcome(session)
    item_statistics_schedule(item_ids=session_presented_item_ids(session))


def _record_outcome(session: Session) -> None:
    from learning_platform.creditbank.services import outcome_record_assessment

    main = _main_result(session)
    if main is None or main.theta is None:
        return
    if not precision_met(session=session, main=main):
        # Too short to give a level: no credit, no badge, the account's latest level stays.
        return
    # The result's own level, under the cut-score version it recorded (never recomputed).
    level = (
        bank.level_for(
            main.domain_code, main.theta, cut_score_set_id=main.cut_score_set_id
        )
        if main.cut_score_set_id
        else None
    )
    instrument = session.instrument
    try:
        with transaction.atomic():
            outcome_record_assessment(
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
    except (ApiError, ValidationError) as exc:
        # A closed learning account must not stop the citizen from seeing the result.
        session.outcome_error = str(getattr(exc, "message", exc))[:200]
        logger.info("No credit-bank outcome for session %s: %s", session.pk, exc)
        return
    session.outcome_ref = session.source_ref
    session.outcome_error = ""
