"""Starting, resuming, finishing and expiring sessions."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.background import background_clean
from assessment.models import (
    Audience,
    Campaign,
    CampaignKind,
    Invitation,
    Session,
    SessionStatus,
)
from assessment.services.errors import (
    delivery_refusal,
    session_epoch_check,
    session_not_found,
)
from assessment.services.events import session_changed_notify, session_fenced_notify
from assessment.services.outcomes import session_close
from assessment.services.selection import session_advance, session_plan_draw
from assessment.survey.models import SampleDesign
from assessment.survey.services import invitation_redeem
from learning_platform.accounts.models import User

logger = logging.getLogger(__name__)


def campaign_is_open(campaign: Campaign, now: datetime) -> bool:
    return campaign.opens_at <= now and (
        campaign.closes_at is None or now < campaign.closes_at
    )


@transaction.atomic
def session_start(
    *,
    user: User,
    campaign: Campaign,
    background: dict[str, Any] | None,
    consent: bool,
    invitation_code: str | None = None,
    now: datetime | None = None,
) -> tuple[Session, bool]:
    """Start a session, or return the one in progress (``created`` False) to resume it.

    A campaign taken by invitation needs a one-time code to start, through exactly
    one path (:func:`campaign_invitation_path`): the survey's hashed codes when the
    campaign has a sample design (``assessment.survey.services.invitation_redeem``),
    otherwise delivery's own codes of an invited campaign (:func:`invitations_create`).
    An unknown or used code is refused and nothing is stored; a citizen resuming the
    session in progress needs no code again.
    """
    now = now or timezone.now()
    campaign = (
        # of=self: a join under FOR UPDATE would lock the instrument row as well
        Campaign.objects.select_for_update(of=("self",))
        .select_related("instrument")
        .get(pk=campaign.pk)
    )
    current = (
        Session.objects.select_for_update()
        .filter(user=user, campaign=campaign, status=SessionStatus.IN_PROGRESS)
        .first()
    )
    if current is not None:
        if current.deadline is None or now <= current.deadline:
            _connection_take(current)
            current.save(update_fields=["connection_epoch"])
            return current, False
        session_close(
            current,
            status=SessionStatus.EXPIRED,
            reason="time_limit",
            now=current.deadline,
        )
        current.save()
    if not campaign_is_open(campaign, now):
        raise delivery_refusal("campaign_closed", _("This test is not open now."))
    if campaign.max_attempts is not None:
        used = Session.objects.filter(user=user, campaign=campaign).count()
        if used >= campaign.max_attempts:
            raise delivery_refusal(
                "attempts_used", _("You have used every attempt at this test.")
            )
    if not consent:
        raise ValidationError(
            {"consent": _("Please agree to the terms before you start.")}
        )
    cleaned = background_clean(
        background, required=campaign.kind != CampaignKind.PRACTICE
    )
    session_id = uuid.uuid4()
    invitation = _invitation_use(
        campaign=campaign,
        user=user,
        code=invitation_code,
        session_id=session_id,
        now=now,
    )
    instrument = campaign.instrument
    limit = instrument.time_limit_seconds
    session = Session(
        id=session_id,
        user=user,
        campaign=campaign,
        instrument=instrument,
        invitation=invitation,
        background=cleaned,
        consented_at=now,
        started_at=now,
        deadline=now + timedelta(seconds=limit) if limit else None,
    )
    session.plan = session_plan_draw(session, campaign, instrument)
    session.connection_epoch = 1
    session.save()
    session_advance(session, now=now)
    session.save()
    return session, True


def campaign_invitation_path(campaign: Campaign) -> str:
    """Return where the campaign's one-time codes come from: survey, delivery or ""."""

    if SampleDesign.objects.filter(campaign_id=campaign.pk).exists():
        return INVITATIONS_SURVEY
    if campaign.audience == Audience.INVITED:
        return INVITATIONS_DELIVERY
    return ""


INVITATIONS_SURVEY = "survey"
INVITATIONS_DELIVERY = "delivery"


def _invitation_use(
    *,
    campaign: Campaign,
    user: User,
    code: str | None,
    session_id: uuid.UUID,
    now: datetime,
) -> Invitation | None:
    """Redeem the code that lets the user start; return delivery's invitation row."""
    path = campaign_invitation_path(campaign)
    if not path:
        return None
    code = (code or "").strip()
    if not code:
        raise ValidationError(
            {"invitation_code": _("Please enter the one-time code of your invitation.")}
        )
    if path == INVITATIONS_SURVEY:
        try:
            invitation_redeem(campaign=campaign, code=code, session_id=str(session_id))
        except ValidationError as exc:
            messages = (
                exc.message_dict.get("code") if hasattr(exc, "error_dict") else None
            )
            raise ValidationError(
                {"invitation_code": messages or exc.messages}
            ) from None
        return None
    invitation = (
        Invitation.objects.select_for_update()
        .filter(campaign=campaign, code=code)
        .first()
    )
    if invitation is None or invitation.used_at is not None:
        raise ValidationError(
            {
                "invitation_code": _(
                    "This invitation code is not valid or has been used."
                )
            }
        )
    invitation.used_by = user
    invitation.used_at = now
    invitation.save(update_fields=["used_by", "used_at"])
    return invitation


def session_lock(*, session_id: Any, user: User) -> Session:
    session = (
        # of=self: PostgreSQL's FOR UPDATE on a join also locks the joined campaign and
        # instrument rows, which serialised every answer of a campaign (found by the soak)
        Session.objects.select_for_update(of=("self",))
        .select_related("instrument", "campaign")
        .filter(pk=session_id, user_id=user.pk)
        .first()
    )
    if session is None:
        raise session_not_found()
    return session


def _connection_take(session: Session) -> None:
    """Make the caller the session's current connection (the row is locked)."""
    session.connection_epoch += 1
    session_fenced_notify(session_id=str(session.pk), epoch=session.connection_epoch)


def session_connect(
    *, session_id: Any, user: User, now: datetime | None = None
) -> Session:
    """Open (or reopen) a connection to the user's session and fence older ones.

    The returned ``connection_epoch`` is the connection's fencing token: answers and
    finish requests that carry it are refused once a newer connection took over.
    A closed session is returned as it is.
    """
    with transaction.atomic():
        session = _session_current(session_id=session_id, user=user, now=now)
        if session.status == SessionStatus.IN_PROGRESS:
            _connection_take(session)
            session.save(update_fields=["connection_epoch"])
    return session


def session_refresh(
    *, session_id: Any, user: User, now: datetime | None = None
) -> Session:
    """Return the user's session, closed first if its time ran out while away."""
    with transaction.atomic():
        session = _session_current(session_id=session_id, user=user, now=now)
    return session


def _session_current(*, session_id: Any, user: User, now: datetime | None) -> Session:
    now = now or timezone.now()
    session = session_lock(session_id=session_id, user=user)
    if (
        session.status == SessionStatus.IN_PROGRESS
        and session.deadline is not None
        and now > session.deadline
    ):
        session_close(
            session,
            status=SessionStatus.EXPIRED,
            reason="time_limit",
            now=session.deadline,
        )
        session.save()
    elif session.status == SessionStatus.IN_PROGRESS and not session.pending:
        # A session left without an item (e.g. the pool changed): present one.
        session_advance(session, now=now)
        session.save()
    return session


def session_finish(
    *,
    session_id: Any,
    user: User,
    now: datetime | None = None,
    origin: str = "",
    epoch: int | None = None,
) -> Session:
    """End a session at the citizen's request and score what was answered; idempotent.

    With ``epoch`` (the caller's connection epoch) a fenced connection is refused.
    """
    with transaction.atomic():
        now = now or timezone.now()
        session = session_lock(session_id=session_id, user=user)
        if session.status == SessionStatus.IN_PROGRESS:
            session_epoch_check(session, epoch)
        if session.status == SessionStatus.IN_PROGRESS:
            expired = session.deadline is not None and now > session.deadline
            session_close(
                session,
                status=SessionStatus.EXPIRED if expired else SessionStatus.FINISHED,
                reason="time_limit" if expired else "ended_by_user",
                now=session.deadline if expired else now,
            )
            session.save()
    session_changed_notify(session_id=str(session.pk), origin=origin)
    return session


def sessions_expire(
    *, now: datetime | None = None, campaign: Campaign | None = None
) -> int:
    """Close sessions whose time ran out (and, for a closed campaign, every open one).

    Scores each as the citizen would see it on return; returns how many were closed.
    """
    now = now or timezone.now()
    open_sessions = Session.objects.filter(status=SessionStatus.IN_PROGRESS)
    if campaign is not None:
        open_sessions = open_sessions.filter(campaign=campaign)
    ids = list(open_sessions.filter(deadline__lt=now).values_list("pk", flat=True))
    ended_campaign = []
    if (
        campaign is not None
        and campaign.closes_at is not None
        and campaign.closes_at <= now
    ):
        ended_campaign = list(
            open_sessions.exclude(pk__in=ids).values_list("pk", flat=True)
        )
    closed = 0
    for session_id in sorted(ids + ended_campaign):
        with transaction.atomic():
            session = (
                Session.objects.select_for_update(of=("self",))
                .select_related("instrument")
                .get(pk=session_id)
            )
            if session.status != SessionStatus.IN_PROGRESS:
                continue
            if session.deadline is not None and session.deadline < now:
                session_close(
                    session,
                    status=SessionStatus.EXPIRED,
                    reason="time_limit",
                    now=session.deadline,
                )
            else:
                session_close(
                    session,
                    status=SessionStatus.FINISHED,
                    reason="campaign_closed",
                    now=now,
                )
            session.save()
            closed += 1
    return closed
