"""The delivery API for clients without WebSockets; the same services as the consumer."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Router
from ninja.responses import Status

from assessment import selectors, services
from assessment.models import Campaign, Session
from assessment.schemas import (
    AnswerOut,
    CampaignIn,
    CampaignOut,
    HistoryOut,
    ResponseIn,
    SessionOut,
    SessionResultsOut,
    SessionStartIn,
)
from assessment.services.multistage import multistage_max_items
from learning_platform.accounts.requests import AuthenticatedRequest

router = Router(tags=["assessment"])


def campaign_out(campaign: Campaign) -> dict[str, Any]:
    instrument = campaign.instrument
    settings = instrument.settings or {}
    if instrument.mode == "adaptive":
        max_items = int(settings.get("max_length", services.DEFAULT_MAX_LENGTH))
    elif instrument.mode == "fixed":
        max_items = len(settings.get("item_ids", []))
    elif instrument.mode == "multistage":
        max_items = multistage_max_items(instrument=instrument)
    else:
        booklets = settings.get("booklets") or [[]]
        max_items = max(len(b) for b in booklets)
    return {
        "id": campaign.pk,
        "name": selectors.localized(campaign, "name"),
        "kind": campaign.kind,
        "audience": campaign.audience,
        "opens_at": campaign.opens_at,
        "closes_at": campaign.closes_at,
        "instrument_code": instrument.code,
        "instrument_name": selectors.localized(instrument, "name"),
        "instrument_kind": instrument.kind,
        "mode": instrument.mode,
        "time_limit_seconds": instrument.time_limit_seconds,
        "max_items": max_items,
    }


def results_out(session: Session) -> dict[str, Any]:
    return {
        "session": selectors.session_payload(session),
        "finished_at": session.finished_at,
        "stop_reason": session.stop_reason,
        "results": selectors.results_payload(session),
    }


@router.get(
    "/campaigns",
    response=list[CampaignOut],
    url_name="assessment_campaigns",
    operation_id="assessment_campaigns_list",
)
def campaigns_list(request: AuthenticatedRequest):
    """List the campaigns open now to every signed-in citizen."""
    return [campaign_out(c) for c in selectors.campaigns_listed()]


def _require_campaign_manager(user, *, kind: str) -> None:
    """Staff with the campaign permission; researchers for survey campaigns."""
    if not selectors.may_manage_campaign(user=user, kind=kind):
        raise PermissionDenied(
            "Only campaign managers (researchers for a survey) may do this."
        )


@router.post(
    "/campaigns",
    response={201: CampaignOut},
    url_name="assessment_campaign_create",
    operation_id="assessment_campaign_create",
)
def campaign_create(request: AuthenticatedRequest, body: CampaignIn):
    """Open an instrument (by code) for a period to a population: a new campaign."""
    _require_campaign_manager(request.user, kind=body.kind)
    instrument = selectors.instrument_by_code(code=body.instrument_code)
    if instrument is None:
        raise ValidationError(
            {"instrument_code": f"no instrument with code {body.instrument_code!r}"}
        )
    campaign = services.campaign_create(
        instrument=instrument,
        name_zh=body.name_zh,
        name_en=body.name_en,
        kind=body.kind,
        audience=body.audience,
        opens_at=body.opens_at,
        closes_at=body.closes_at,
        max_attempts=body.max_attempts,
        year=body.year,
    )
    return Status(201, campaign_out(campaign))


@router.post(
    "/campaigns/{campaign_id}/close",
    response=CampaignOut,
    url_name="assessment_campaign_close",
    operation_id="assessment_campaign_close",
)
def campaign_close(request: AuthenticatedRequest, campaign_id: int):
    """Close the campaign now: no session starts after this (its data can then be frozen)."""
    # one who may not close it learns nothing of it: forbidden answers as missing
    campaign = selectors.campaign_for(
        user=request.user, campaign_id=campaign_id, change=True
    )
    return campaign_out(services.campaign_close(campaign=campaign))


@router.post(
    "/campaigns/{campaign_id}/sessions",
    response={200: SessionOut, 201: SessionOut},
    url_name="assessment_session_start",
    operation_id="assessment_session_start",
)
def session_start(
    request: AuthenticatedRequest, campaign_id: int, body: SessionStartIn
):
    """Start a session (201), or return the one in progress to resume it (200).

    Either way this client becomes the session's connection: open WebSockets of the
    session are fenced, and the ``connection_epoch`` returned fences this client in
    turn when another one connects.
    """
    campaign = selectors.campaign_for(user=request.user, campaign_id=campaign_id)
    session, created = services.session_start(
        user=request.user,
        campaign=campaign,
        background=body.background,
        consent=body.consent,
        invitation_code=body.invitation_code,
    )
    return Status(201 if created else 200, selectors.session_payload(session))


@router.get(
    "/sessions",
    response=list[HistoryOut],
    url_name="assessment_sessions",
    operation_id="assessment_sessions_list",
)
def sessions_list(request: AuthenticatedRequest):
    """List the caller's own sessions with their results, newest first."""
    out = []
    for session in selectors.sessions_visible_to(user=request.user).prefetch_related(
        "results"
    ):
        out.append(
            {
                "session_id": str(session.pk),
                "instrument_name": selectors.localized(session.instrument, "name"),
                "campaign_name": selectors.localized(session.campaign, "name"),
                "status": session.status,
                "started_at": session.started_at,
                "finished_at": session.finished_at,
                "results": selectors.results_payload(session),
            }
        )
    return out


@router.get(
    "/sessions/{session_id}",
    response=SessionOut,
    url_name="assessment_session",
    operation_id="assessment_session_get",
)
def session_get(request: AuthenticatedRequest, session_id: str):
    """Return the session's state: the item to answer now, progress and time left."""
    session = services.session_refresh(session_id=_uuid(session_id), user=request.user)
    return selectors.session_payload(session)


@router.post(
    "/sessions/{session_id}/responses",
    response={201: AnswerOut},
    url_name="assessment_response",
    operation_id="assessment_response_record",
)
def response_record(request: AuthenticatedRequest, session_id: str, body: ResponseIn):
    """Record the answer to the presented item; a resubmission gets the same ack."""
    sid = _uuid(session_id)
    ack = services.response_record(
        session_id=sid,
        user=request.user,
        sequence=body.sequence,
        item_id=body.item_id,
        answer=body.answer,
        client_ts=body.client_ts,
        epoch=body.connection_epoch,
    )
    session = ack.session or selectors.session_get_for_user(
        user=request.user, session_id=sid
    )
    return Status(
        201, {"ack": ack.payload(), "session": selectors.session_payload(session)}
    )


@router.post(
    "/sessions/{session_id}/finish",
    response=SessionResultsOut,
    url_name="assessment_session_finish",
    operation_id="assessment_session_finish",
)
def session_finish(
    request: AuthenticatedRequest, session_id: str, connection_epoch: int | None = None
):
    """End the session now and score what was answered (again: the same results)."""
    session = services.session_finish(
        session_id=_uuid(session_id), user=request.user, epoch=connection_epoch
    )
    return results_out(session)


@router.get(
    "/sessions/{session_id}/results",
    response=SessionResultsOut,
    url_name="assessment_session_results",
    operation_id="assessment_session_results",
)
def session_results(request: AuthenticatedRequest, session_id: str):
    """Return a closed session's results with the meaning of each level."""
    session = services.session_refresh(session_id=_uuid(session_id), user=request.user)
    return results_out(session)


def _uuid(value: str) -> Any:
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise services.session_not_found() from None
