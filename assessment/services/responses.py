"""Storing answers once and acknowledging them after commit."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment import items as bank
from assessment.models import (
    DeliveryMode,
    Instrument,
    Response,
    Session,
    SessionStatus,
)
from assessment.services.errors import (
    delivery_refusal,
    session_closed_refusal,
    session_epoch_check,
)
from assessment.services.events import session_changed_notify
from assessment.services.outcomes import session_close
from assessment.services.presentation import presented_ids
from assessment.services.selection import pool_for_instrument, session_advance
from assessment.services.sessions import session_lock
from learning_platform.accounts.models import User
from learning_platform.errors import ApiError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Ack:
    """The acknowledgement of a committed response; the same for a resubmission."""

    session_id: str
    sequence: int
    item_id: int
    received_at: str
    duplicate: bool = False
    # The session as this answer left it (a new answer only): the caller replies with it
    # instead of reading the row again. Not part of the acknowledgement itself.
    session: Session | None = field(default=None, compare=False, repr=False)

    def payload(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "sequence": self.sequence,
            "item_id": self.item_id,
            "received_at": self.received_at,
        }


def _ack(response: Response, *, duplicate: bool) -> Ack:
    return Ack(
        str(response.session_id),
        response.sequence,
        response.item_id,
        response.server_ts.isoformat(),
        duplicate,
    )


def _parse_client_ts(value: Any) -> datetime | None:
    """Return the client's time as an aware datetime; a time without offset is UTC.

    Stored next to the aware ``server_ts`` and compared with it, so it must never
    stay naive (``django.utils.timezone.utc`` is gone since Django 5.0: the naive
    path used to fail with a server error).
    """
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError(
                {"client_ts": _("client_ts must be an ISO 8601 time.")}
            ) from None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)


def _warm_pool(*, session_id: Any, user: User) -> None:
    """Build an adaptive instrument's pool before the session row is locked.

    The pool is cached for minutes; when it expires, rebuilding it (a query per item)
    inside the answer's transaction held the session lock for seconds while other
    answers queued (the 5-minute stalls of the soak). Here it costs one query when
    the cache is warm; errors are left for the locked path to report.
    """
    try:
        instrument = Instrument.objects.filter(
            sessions__pk=session_id,
            sessions__user_id=user.pk,
            mode=DeliveryMode.ADAPTIVE,
        ).first()
    except (ValueError, ValidationError):
        return  # a malformed id: the locked path refuses it as not found
    if instrument is not None:
        try:
            pool_for_instrument(instrument)
        except ValueError:
            pass


def response_record(
    *,
    session_id: Any,
    user: User,
    sequence: int,
    item_id: int,
    answer: Any,
    client_ts: Any = None,
    now: datetime | None = None,
    origin: str = "",
    epoch: int | None = None,
) -> Ack:
    """Store one answer once and present the next item; return after commit.

    A resubmission of the stored answer (same sequence, item and answer) returns the
    identical acknowledgement. A different answer for an answered sequence, an item
    that is not the one presented, a finished or expired session, or someone else's
    session are refused and change nothing (an expired session is closed, which is
    what the clock already decided).

    ``epoch`` is the connection epoch the caller received when it connected
    (:func:`session_connect`, or the session start/resume over HTTP). An answer that
    carries an older one comes from a connection a newer one fenced, and is refused
    before anything is read or stored. Without ``epoch`` (the no-JavaScript pages)
    the sequence and item checks alone guard against stale answers.
    """
    with bank.active_set_read_once():
        _warm_pool(session_id=session_id, user=user)
        ack, refusal, session = _record_locked(
            session_id=session_id,
            user=user,
            sequence=sequence,
            item_id=item_id,
            answer=answer,
            client_ts=client_ts,
            now=now,
            epoch=epoch,
        )
    if refusal is not None:
        raise refusal
    if ack.duplicate:
        return ack
    session_changed_notify(session_id=str(session.pk), origin=origin)
    return replace(ack, session=session)


def _record_locked(
    *,
    session_id: Any,
    user: User,
    sequence: int,
    item_id: int,
    answer: Any,
    client_ts: Any,
    now: datetime | None,
    epoch: int | None,
) -> tuple[Ack | None, ApiError | None, Session]:
    """Lock the session and store the answer; return (ack, refusal, session)."""
    with transaction.atomic():
        now = now or timezone.now()
        session = session_lock(session_id=session_id, user=user)
        session_epoch_check(session, epoch)
        existing = Response.objects.filter(session=session, sequence=sequence).first()
        if existing is not None:
            if existing.item_id == item_id and existing.answer == answer:
                return _ack(existing, duplicate=True), None, session
            raise delivery_refusal(
                "already_answered",
                _(
                    "Question %(sequence)s already has a different answer; it cannot be changed."
                )
                % {"sequence": sequence},
            )
        if session.status != SessionStatus.IN_PROGRESS:
            raise session_closed_refusal(session)
        if session.deadline is not None and now > session.deadline:
            session_close(
                session,
                status=SessionStatus.EXPIRED,
                reason="time_limit",
                now=session.deadline,
            )
            session.save()
            return None, session_closed_refusal(session), session
        ack = _record(
            session,
            sequence=sequence,
            item_id=item_id,
            answer=answer,
            client_ts=_parse_client_ts(client_ts),
            now=now,
        )
    return ack, None, session


def _record(
    session: Session,
    *,
    sequence: int,
    item_id: int,
    answer: Any,
    client_ts: datetime | None,
    now: datetime,
) -> Ack:
    pending = session.pending or {}
    if pending.get("sequence") != sequence or pending.get("item_id") != item_id:
        raise delivery_refusal(
            "item_not_presented",
            _(
                "Item %(item)s was not presented as question %(sequence)s; answer the question "
                "on screen."
            )
            % {"item": item_id, "sequence": sequence},
        )
    score = bank.item_answer_score(revision_id=pending["revision_id"], answer=answer)
    presented_at = datetime.fromisoformat(pending["presented_at"])
    try:
        with transaction.atomic():
            response = Response.objects.create(
                session=session,
                sequence=sequence,
                item_id=item_id,
                revision_id=pending["revision_id"],
                domain_code=pending.get("domain_code", ""),
                answer=answer,
                presented_order=presented_ids(pending),
                score=score,
                seconds=max((now - presented_at).total_seconds(), 0.0),
                client_ts=client_ts,
                server_ts=now,
            )
    except IntegrityError:
        # Stored by a concurrent request between our read and write.
        existing = Response.objects.get(session=session, sequence=sequence)
        if existing.item_id == item_id and existing.answer == answer:
            return _ack(existing, duplicate=True)
        raise delivery_refusal(
            "already_answered",
            _(
                "Question %(sequence)s already has a different answer; it cannot be changed."
            )
            % {"sequence": sequence},
        ) from None
    session.n_answered += 1  # the row is locked
    session.pending = {}
    session_advance(session, now=now)
    session.save()
    return _ack(response, duplicate=False)
