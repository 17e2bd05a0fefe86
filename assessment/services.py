"""Writes of test delivery: instruments, campaigns, sessions, responses, results.

The WebSocket consumer, the HTTP API and the citizen's pages all call these, so
every entry point refuses and acknowledges alike. A response is acknowledged only
by the return of :func:`response_record`, which happens after its transaction
committed.
"""

from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment import items as bank
from assessment.background import background_clean
from assessment.models import (
    Audience,
    Campaign,
    CampaignKind,
    DeliveryMode,
    Instrument,
    InstrumentKind,
    Invitation,
    Response,
    Result,
    Session,
    SessionStatus,
)
from learning_platform.accounts.models import User
from learning_platform.errors import ApiError
from psychometrics.cat import (
    Randomesque,
    SympsonHetter,
    cat_replay,
    select_next_item,
    should_stop,
)
from psychometrics.scoring import estimate_ability

logger = logging.getLogger(__name__)

DEFAULT_MAX_LENGTH = 30
DEFAULT_MIN_LENGTH = 5
DEFAULT_SE_TARGET = 0.3


# ---------------------------------------------------------------- refusals


def _refuse(code: str, message: str, *, status: int = 409) -> ApiError:
    return ApiError(code, message, status=status)


def session_not_found() -> ApiError:
    # Someone else's session answers like a missing one.
    return _refuse("not_found", _("This test session does not exist."), status=404)


# ---------------------------------------------------------------- instruments


def _int_list(value: Any, *, field: str) -> list[int]:
    if not isinstance(value, list | tuple) or not value:
        raise ValidationError({field: _("%(field)s must be a non-empty list of item ids.")
                               % {"field": field}})
    out = []
    for position, raw in enumerate(value):
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ValidationError({field: _("%(field)s[%(pos)s] is not an item id: %(value)s.")
                                   % {"field": field, "pos": position, "value": str(raw)[:40]}})
        out.append(int(raw))
    if len(set(out)) != len(out):
        raise ValidationError({field: _("%(field)s lists an item twice.") % {"field": field}})
    return out


def _check_deliverable(item_ids: list[int], *, field: str) -> None:
    try:
        bank.items_for_delivery(item_ids)
    except bank.not_deliverable_error() as exc:
        raise ValidationError(
            {field: _("Item %(item)s is not published, so it cannot be delivered.")
             % {"item": getattr(exc, "item_id", exc)}}
        ) from exc


def instrument_settings_clean(*, mode: str, settings: dict[str, Any] | None) -> dict[str, Any]:
    """Return an instrument's delivery settings checked for its mode."""
    data = dict(settings or {})
    if mode not in DeliveryMode.values:
        raise ValidationError({"mode": _("Unknown delivery mode %(mode)s.") % {"mode": mode}})
    limit = data.get("time_limit_seconds")
    if limit is not None and (not isinstance(limit, int) or limit < 30):
        raise ValidationError({"settings.time_limit_seconds": _(
            "The time limit must be a whole number of seconds, at least 30.")})
    if mode == DeliveryMode.FIXED:
        data["item_ids"] = _int_list(data.get("item_ids"), field="settings.item_ids")
        _check_deliverable(data["item_ids"], field="settings.item_ids")
    elif mode == DeliveryMode.BOOKLET:
        booklets = data.get("booklets")
        if not isinstance(booklets, list) or not booklets:
            raise ValidationError({"settings.booklets": _(
                "Booklet rotation needs a list of booklets, each a list of item ids.")})
        data["booklets"] = [
            _int_list(b, field=f"settings.booklets[{k}]") for k, b in enumerate(booklets)
        ]
        for k, booklet in enumerate(data["booklets"]):
            _check_deliverable(booklet, field=f"settings.booklets[{k}]")
    else:
        if data.get("item_ids") is not None:
            data["item_ids"] = _int_list(data["item_ids"], field="settings.item_ids")
        max_length = data.setdefault("max_length", DEFAULT_MAX_LENGTH)
        min_length = data.setdefault("min_length", min(DEFAULT_MIN_LENGTH, max_length))
        se_target = data.setdefault("se_target", DEFAULT_SE_TARGET)
        if not isinstance(max_length, int) or max_length < 1:
            raise ValidationError({"settings.max_length": _("max_length must be at least 1.")})
        if not isinstance(min_length, int) or not 0 <= min_length <= max_length:
            raise ValidationError({"settings.min_length": _(
                "min_length must lie between 0 and max_length.")})
        if se_target is not None and not (isinstance(se_target, int | float) and se_target > 0):
            raise ValidationError({"settings.se_target": _("se_target must be positive.")})
        rule = data.setdefault("rule", "mfi")
        if rule not in ("mfi", "kl", "weighted_info"):
            raise ValidationError({"settings.rule": _("rule must be mfi, kl or weighted_info.")})
        exposure = data.setdefault("exposure", {"method": "randomesque", "k": 5})
        _exposure(exposure, None)  # validates
    return data


def _exposure(spec: dict[str, Any] | None, pool: bank.AdaptivePool | None):
    if not spec or spec.get("method") in (None, "none"):
        return None
    method = spec.get("method")
    if method == "randomesque":
        k = spec.get("k", 5)
        if not isinstance(k, int) or k < 1:
            raise ValidationError({"settings.exposure.k": _("k must be a positive whole number.")})
        return Randomesque(k)
    if method == "sympson_hetter":
        k_params = spec.get("k_params")
        if not isinstance(k_params, dict):
            raise ValidationError({"settings.exposure.k_params": _(
                "Sympson-Hetter needs k_params: item id to a probability in (0, 1].")})
        if pool is None:
            return None
        values = np.array([float(k_params.get(str(i), k_params.get(i, 1.0)))
                           for i in pool.item_ids])
        return SympsonHetter(values)
    raise ValidationError({"settings.exposure.method": _(
        "Exposure control must be randomesque, sympson_hetter or none.")})


@transaction.atomic
def instrument_create(
    *,
    code: str,
    name_zh: str,
    kind: str,
    domain_code: str,
    mode: str,
    settings: dict[str, Any] | None = None,
    blueprint: dict[str, float] | None = None,
    name_en: str = "",
    description_zh: str = "",
    description_en: str = "",
    language: str = "zh-hans",
) -> Instrument:
    """Create an instrument after checking its settings for the delivery mode."""
    if kind not in InstrumentKind.values:
        raise ValidationError({"kind": _("Unknown instrument kind %(kind)s.") % {"kind": kind}})
    if Instrument.objects.filter(code=code).exists():
        raise ValidationError({"code": _("An instrument with code %(code)s exists.")
                               % {"code": code}})
    blueprint = dict(blueprint or {})
    for area, share in blueprint.items():
        if not isinstance(share, int | float) or share < 0:
            raise ValidationError({f"blueprint.{area}": _("A blueprint share must be >= 0.")})
    instrument = Instrument(
        code=code, name_zh=name_zh, name_en=name_en, kind=kind, domain_code=domain_code,
        mode=mode, blueprint=blueprint,
        settings=instrument_settings_clean(mode=mode, settings=settings),
        description_zh=description_zh, description_en=description_en, language=language,
    )
    instrument.full_clean()
    instrument.save()
    return instrument


@transaction.atomic
def campaign_create(
    *,
    instrument: Instrument,
    name_zh: str,
    kind: str,
    opens_at: datetime,
    closes_at: datetime | None = None,
    audience: str = Audience.PUBLIC,
    max_attempts: int | None = None,
    year: int | None = None,
    name_en: str = "",
) -> Campaign:
    """Open an instrument for a period to a population."""
    if kind not in CampaignKind.values:
        raise ValidationError({"kind": _("Unknown campaign kind %(kind)s.") % {"kind": kind}})
    if closes_at is not None and closes_at <= opens_at:
        raise ValidationError({"closes_at": _("A campaign must close after it opens.")})
    campaign = Campaign(
        instrument=instrument, name_zh=name_zh, name_en=name_en, kind=kind, opens_at=opens_at,
        closes_at=closes_at, audience=audience, max_attempts=max_attempts, year=year,
    )
    campaign.full_clean()
    campaign.save()
    return campaign


@transaction.atomic
def invitations_create(
    *, campaign: Campaign, count: int, district_code: str = "", stratum: str = ""
) -> list[Invitation]:
    """Issue one-time codes for sampled respondents of an invited campaign."""
    if campaign.audience != Audience.INVITED:
        raise ValidationError({"campaign": _("Only an invited campaign takes invitations.")})
    if not 1 <= count <= 100_000:
        raise ValidationError({"count": _("count must be between 1 and 100000.")})
    rows = [
        Invitation(campaign=campaign, code=secrets.token_urlsafe(12), district_code=district_code,
                   stratum=stratum)
        for _i in range(count)
    ]
    return Invitation.objects.bulk_create(rows)


# ---------------------------------------------------------------- sessions


def campaign_is_open(campaign: Campaign, now: datetime) -> bool:
    return campaign.opens_at <= now and (campaign.closes_at is None or now < campaign.closes_at)


def _plan_for(session: Session, campaign: Campaign, instrument: Instrument) -> dict[str, Any]:
    settings = instrument.settings or {}
    if instrument.mode == DeliveryMode.FIXED:
        return {"items": list(settings["item_ids"])}
    if instrument.mode == DeliveryMode.BOOKLET:
        booklets = settings["booklets"]
        # Balanced rotation: one atomic counter per campaign.
        Campaign.objects.filter(pk=campaign.pk).update(rotation_counter=F("rotation_counter") + 1)
        counter = Campaign.objects.values_list("rotation_counter", flat=True).get(pk=campaign.pk)
        session.booklet = (counter - 1) % len(booklets)
        return {"items": list(booklets[session.booklet])}
    return {"seed": secrets.randbelow(2**31)}


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
    """Start a session, or return the one in progress (``created`` False) to resume it."""
    now = now or timezone.now()
    campaign = Campaign.objects.select_for_update().select_related("instrument").get(pk=campaign.pk)
    current = (
        Session.objects.select_for_update()
        .filter(user=user, campaign=campaign, status=SessionStatus.IN_PROGRESS)
        .first()
    )
    if current is not None:
        if current.deadline is None or now <= current.deadline:
            return current, False
        _close(current, status=SessionStatus.EXPIRED, reason="time_limit", now=current.deadline)
        current.save()
    if not campaign_is_open(campaign, now):
        raise _refuse("campaign_closed", _("This test is not open now."))
    if campaign.max_attempts is not None:
        used = Session.objects.filter(user=user, campaign=campaign).count()
        if used >= campaign.max_attempts:
            raise _refuse("attempts_used", _("You have used every attempt at this test."))
    if not consent:
        raise ValidationError({"consent": _("Please agree to the terms before you start.")})
    cleaned = background_clean(background, required=campaign.kind != CampaignKind.PRACTICE)
    invitation = None
    if campaign.audience == Audience.INVITED:
        invitation = (
            Invitation.objects.select_for_update()
            .filter(campaign=campaign, code=(invitation_code or "").strip())
            .first()
        )
        if invitation is None or invitation.used_at is not None:
            raise ValidationError({"invitation_code": _(
                "This invitation code is not valid or has been used.")})
        invitation.used_by = user
        invitation.used_at = now
        invitation.save(update_fields=["used_by", "used_at"])
    instrument = campaign.instrument
    limit = instrument.time_limit_seconds
    session = Session(
        user=user, campaign=campaign, instrument=instrument, invitation=invitation,
        background=cleaned, consented_at=now, started_at=now,
        deadline=now + timedelta(seconds=limit) if limit else None,
    )
    session.plan = _plan_for(session, campaign, instrument)
    session.save()
    _advance(session, now=now)
    session.save()
    return session, True


def _present(session: Session, item_id: int, now: datetime) -> None:
    item = bank.item_for_delivery(item_id)
    session.pending = {
        "sequence": session.n_answered + 1,
        "item_id": int(item.item_id),
        "revision_id": int(item.revision_id),
        "domain_code": item.domain_code,
        "kind": item.kind,
        "n_categories": int(item.n_categories),
        "payload": item.payload,
        "presented_at": now.isoformat(),
    }


def _advance(session: Session, *, now: datetime) -> None:
    """Present the next item, or close the session when the design says stop."""
    instrument = session.instrument
    if instrument.mode in (DeliveryMode.FIXED, DeliveryMode.BOOKLET):
        order = session.plan["items"]
        answered = set(session.responses.values_list("item_id", flat=True))
        remaining = [i for i in order if i not in answered]
        not_deliverable = bank.not_deliverable_error()
        while remaining:
            try:
                _present(session, remaining[0], now)
                return
            except not_deliverable:
                # An item withdrawn since the form was assembled is skipped.
                logger.warning("Item %s is no longer deliverable; skipped", remaining[0])
                remaining.pop(0)
        _close(session, status=SessionStatus.FINISHED, reason="form_complete", now=now)
        return
    _advance_adaptive(session, now=now)


def _adaptive_settings(instrument: Instrument) -> dict[str, Any]:
    settings = instrument.settings or {}
    return {
        "max_length": int(settings.get("max_length", DEFAULT_MAX_LENGTH)),
        "min_length": int(settings.get("min_length", DEFAULT_MIN_LENGTH)),
        "se_target": settings.get("se_target", DEFAULT_SE_TARGET),
        "rule": settings.get("rule", "mfi"),
        "exposure": settings.get("exposure", {"method": "randomesque", "k": 5}),
    }


def _pool(instrument: Instrument) -> bank.AdaptivePool:
    settings = instrument.settings or {}
    domains = list(instrument.blueprint) or [instrument.domain_code]
    return bank.adaptive_pool(
        pool_ids=settings.get("item_ids"), domain_codes=domains, blueprint=instrument.blueprint
    )


def _advance_adaptive(session: Session, *, now: datetime) -> None:
    instrument = session.instrument
    conf = _adaptive_settings(instrument)
    try:
        pool = _pool(instrument)
    except ValueError:
        raise _refuse("not_ready", _(
            "This adaptive test has no calibrated items yet; please try later."), status=503) from None
    answered = list(session.responses.order_by("sequence").values_list("item_id", "score"))
    positions, scores, foreign = [], [], []
    for item_id, score in answered:
        position = pool.position(item_id)
        if position is None or score is None:
            foreign.append(item_id)  # retired from the pool since; counted, not scored
            continue
        positions.append(position)
        scores.append(int(score))
    state = cat_replay(pool.bank, positions, scores)
    decision = should_stop(
        state, se_target=conf["se_target"], max_length=conf["max_length"],
        min_length=conf["min_length"], bank=pool.bank,
    )
    if decision or len(answered) >= conf["max_length"]:
        _close(session, status=SessionStatus.FINISHED,
               reason=decision.reason or "max_length", now=now)
        return
    exposure = _exposure(conf["exposure"], pool)
    rng = np.random.default_rng([int(session.plan.get("seed", 0)), len(answered)])
    excluded: list[int] = []
    not_deliverable = bank.not_deliverable_error()
    while True:
        try:
            position = select_next_item(
                state, pool.bank, rule=conf["rule"], exposure=exposure,
                blueprint=pool.blueprint, rng=rng, exclude=excluded or None,
            )
        except ValueError:
            _close(session, status=SessionStatus.FINISHED, reason="bank_exhausted", now=now)
            return
        try:
            _present(session, pool.item_ids[position], now)
            return
        except not_deliverable:
            excluded.append(position)


@dataclass(frozen=True)
class Ack:
    """The acknowledgement of a committed response; the same for a resubmission."""

    session_id: str
    sequence: int
    item_id: int
    received_at: str
    duplicate: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "sequence": self.sequence,
            "item_id": self.item_id,
            "received_at": self.received_at,
        }


def _ack(response: Response, *, duplicate: bool) -> Ack:
    return Ack(str(response.session_id), response.sequence, response.item_id,
               response.server_ts.isoformat(), duplicate)


def _locked_session(*, session_id: Any, user: User) -> Session:
    session = (
        Session.objects.select_for_update()
        .select_related("instrument", "campaign")
        .filter(pk=session_id, user_id=user.pk)
        .first()
    )
    if session is None:
        raise session_not_found()
    return session


def _closed_refusal(session: Session) -> ApiError:
    if session.status == SessionStatus.EXPIRED:
        return _refuse("session_expired", _("The time for this test is over; answers are closed."))
    return _refuse("session_finished", _("This test is finished; answers are closed."))


def _parse_client_ts(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError({"client_ts": _("client_ts must be an ISO 8601 time.")}) from None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, timezone.utc)


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
) -> Ack:
    """Store one answer once and present the next item; return after commit.

    A resubmission of the stored answer (same sequence, item and answer) returns the
    identical acknowledgement. A different answer for an answered sequence, an item
    that is not the one presented, a finished or expired session, or someone else's
    session are refused and change nothing (an expired session is closed, which is
    what the clock already decided).
    """
    refusal: ApiError | None = None
    with transaction.atomic():
        now = now or timezone.now()
        session = _locked_session(session_id=session_id, user=user)
        existing = Response.objects.filter(session=session, sequence=sequence).first()
        if existing is not None:
            if existing.item_id == item_id and existing.answer == answer:
                return _ack(existing, duplicate=True)
            raise _refuse("already_answered", _(
                "Question %(sequence)s already has a different answer; it cannot be changed.")
                % {"sequence": sequence})
        if session.status != SessionStatus.IN_PROGRESS:
            raise _closed_refusal(session)
        if session.deadline is not None and now > session.deadline:
            _close(session, status=SessionStatus.EXPIRED, reason="time_limit",
                   now=session.deadline)
            session.save()
            refusal = _closed_refusal(session)
        else:
            ack = _record(session, sequence=sequence, item_id=item_id, answer=answer,
                          client_ts=_parse_client_ts(client_ts), now=now)
    if refusal is not None:
        raise refusal
    _notify(session_id=str(session.pk), origin=origin)
    return ack


def _record(session: Session, *, sequence: int, item_id: int, answer: Any,
            client_ts: datetime | None, now: datetime) -> Ack:
    pending = session.pending or {}
    if pending.get("sequence") != sequence or pending.get("item_id") != item_id:
        raise _refuse("item_not_presented", _(
            "Item %(item)s was not presented as question %(sequence)s; answer the question "
            "on screen.") % {"item": item_id, "sequence": sequence})
    score = bank.item_answer_score(revision_id=pending["revision_id"], answer=answer)
    presented_at = datetime.fromisoformat(pending["presented_at"])
    try:
        with transaction.atomic():
            response = Response.objects.create(
                session=session, sequence=sequence, item_id=item_id,
                revision_id=pending["revision_id"], domain_code=pending.get("domain_code", ""),
                answer=answer, score=score,
                seconds=max((now - presented_at).total_seconds(), 0.0),
                client_ts=client_ts, server_ts=now,
            )
    except IntegrityError:
        # Stored by a concurrent request between our read and write.
        existing = Response.objects.get(session=session, sequence=sequence)
        if existing.item_id == item_id and existing.answer == answer:
            return _ack(existing, duplicate=True)
        raise _refuse("already_answered", _(
            "Question %(sequence)s already has a different answer; it cannot be changed.")
            % {"sequence": sequence}) from None
    session.n_answered += 1  # the row is locked
    session.pending = {}
    _advance(session, now=now)
    session.save()
    return _ack(response, duplicate=False)


def session_refresh(*, session_id: Any, user: User, now: datetime | None = None) -> Session:
    """Return the user's session, closed first if its time ran out while away."""
    with transaction.atomic():
        now = now or timezone.now()
        session = _locked_session(session_id=session_id, user=user)
        if (session.status == SessionStatus.IN_PROGRESS and session.deadline is not None
                and now > session.deadline):
            _close(session, status=SessionStatus.EXPIRED, reason="time_limit",
                   now=session.deadline)
            session.save()
        elif session.status == SessionStatus.IN_PROGRESS and not session.pending:
            # A session left without an item (e.g. the pool changed): present one.
            _advance(session, now=now)
            session.save()
    return session


def session_finish(
    *, session_id: Any, user: User, now: datetime | None = None, origin: str = ""
) -> Session:
    """End a session at the citizen's request and score what was answered; idempotent."""
    with transaction.atomic():
        now = now or timezone.now()
        session = _locked_session(session_id=session_id, user=user)
        if session.status == SessionStatus.IN_PROGRESS:
            expired = session.deadline is not None and now > session.deadline
            _close(session, status=SessionStatus.EXPIRED if expired else SessionStatus.FINISHED,
                   reason="time_limit" if expired else "ended_by_user",
                   now=session.deadline if expired else now)
            session.save()
    _notify(session_id=str(session.pk), origin=origin)
    return session


# ---------------------------------------------------------------- scoring


def _close(session: Session, *, status: str, reason: str, now: datetime) -> None:
    """Close a session (the caller saves it): score it and record the outcome."""
    session.status = status
    session.stop_reason = reason
    session.finished_at = now
    session.pending = {}
    session_score(session=session)
    if session.instrument.kind == InstrumentKind.ABILITY and session.n_answered:
        _record_outcome(session)


def _top(domain_code: str) -> str:
    return domain_code.split(".")[0] if domain_code else ""


def session_score(*, session: Session) -> list[Result]:
    """(Re)compute the session's results with the active parameter set.

    Ability tests: one EAP estimate with its SE per main domain of the items
    answered, and the level its cut scores give. Questionnaires: per domain the
    mean category (and a scale score where items are calibrated).
    """
    responses = list(session.responses.order_by("sequence"))
    Result.objects.filter(session=session).delete()
    if not responses:
        return []
    instrument = session.instrument
    questionnaire = instrument.kind == InstrumentKind.QUESTIONNAIRE
    groups: dict[str, list[Response]] = defaultdict(list)
    for response in responses:
        key = (response.domain_code or instrument.domain_code) if questionnaire else _top(
            response.domain_code or instrument.domain_code)
        groups[key].append(response)
    active = bank.active_parameters(item_ids=[r.item_id for r in responses])
    positions = {int(item_id): k for k, item_id in enumerate(active.item_ids)}
    results = []
    for domain_code, rows in sorted(groups.items()):
        scored = [r for r in rows if r.score is not None and r.item_id in positions]
        theta = se = None
        if scored:
            idx = [positions[r.item_id] for r in scored]
            estimate = estimate_ability(
                np.array([float(r.score) for r in scored]), active.params.subset(idx),
                method="eap",
            )
            theta, se = float(estimate.theta[0]), float(estimate.se[0])
        level = None if questionnaire else bank.level_for(domain_code, theta)
        profile: dict[str, Any] = {}
        if questionnaire:
            values = [r.score for r in rows if r.score is not None]
            profile = {
                "mean_category": float(np.mean(values)) if values else None,
                "items": {str(r.item_id): r.score for r in rows},
            }
        results.append(Result(
            session=session, domain_code=domain_code, theta=theta, se=se,
            level_code=level.code if level else "",
            parameter_set_id=active.parameter_set_id if scored else None,
            n_items=len(scored) if scored else len(rows), profile=profile,
        ))
    return Result.objects.bulk_create(results)


def _main_result(session: Session) -> Result | None:
    results = list(session.results.all())
    for result in results:
        if result.domain_code == _top(session.instrument.domain_code):
            return result
    return results[0] if results else None


def _record_outcome(session: Session) -> None:
    from learning_platform.creditbank.services import outcome_record_assessment

    main = _main_result(session)
    if main is None or main.theta is None:
        return
    level = bank.level_for(main.domain_code, main.theta)
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
                    {"domain_code": r.domain_code, "theta": r.theta, "se": r.se,
                     "level_code": r.level_code}
                    for r in session.results.all() if r.theta is not None
                ],
                parameter_set_id=main.parameter_set_id,
            )
    except (ApiError, ValidationError) as exc:
        # A closed learning account must not stop the citizen from seeing the result.
        session.outcome_error = str(getattr(exc, "message", exc))[:200]
        logger.info("No credit-bank outcome for session %s: %s", session.pk, exc)
        return
    session.outcome_ref = session.source_ref
    session.outcome_error = ""


# ---------------------------------------------------------------- events


def _notify(*, session_id: str, origin: str = "") -> None:
    """Tell the session's other open connections that it changed (after commit)."""

    def send() -> None:
        from asgiref.sync import async_to_sync
        from channels.layers import get_channel_layer

        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(
                f"session.{session_id}", {"type": "session.changed", "session_id": session_id, "origin": origin}
            )
        except Exception:  # a broken channel layer must not fail the answer
            logger.warning("Could not notify session group %s", session_id, exc_info=True)

    transaction.on_commit(send)


# ---------------------------------------------------------------- housekeeping


def sessions_expire(*, now: datetime | None = None, campaign: Campaign | None = None) -> int:
    """Close sessions whose time ran out (and, for a closed campaign, every open one).

    Scores each as the citizen would see it on return; returns how many were closed.
    """
    now = now or timezone.now()
    open_sessions = Session.objects.filter(status=SessionStatus.IN_PROGRESS)
    if campaign is not None:
        open_sessions = open_sessions.filter(campaign=campaign)
    ids = list(open_sessions.filter(deadline__lt=now).values_list("pk", flat=True))
    ended_campaign = []
    if campaign is not None and campaign.closes_at is not None and campaign.closes_at <= now:
        ended_campaign = list(open_sessions.exclude(pk__in=ids).values_list("pk", flat=True))
    closed = 0
    for session_id in sorted(ids + ended_campaign):
        with transaction.atomic():
            session = (Session.objects.select_for_update().select_related("instrument")
                       .get(pk=session_id))
            if session.status != SessionStatus.IN_PROGRESS:
                continue
            if session.deadline is not None and session.deadline < now:
                _close(session, status=SessionStatus.EXPIRED, reason="time_limit",
                       now=session.deadline)
            else:
                _close(session, status=SessionStatus.FINISHED, reason="campaign_closed", now=now)
            session.save()
            closed += 1
    return closed
