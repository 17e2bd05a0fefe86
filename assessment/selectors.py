"""Reads of test delivery, scoped to who asks.

The reads of the delivery admin (last section) are not scoped: only researchers
reach them, through the model permissions of ``assessment.admin_views``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from itertools import repeat
from typing import Any

import numpy as np
from django.db.models import (
    CharField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
)
from django.db.models.functions import Cast, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import get_language

from assessment import items as bank
from assessment.models import (
    Audience,
    Campaign,
    CampaignKind,
    DeliveryMode,
    Instrument,
    InstrumentKind,
    Response,
    Result,
    Session,
    SessionStatus,
)
from assessment.precision import precision_met
from assessment.survey.access import is_researcher
from itembank.models import CutScoreSet
from learning_platform.accounts.models import User
from learning_platform.db_router import read_replica
from learning_platform.errors import NotFound


def localized(obj: Any, field: str) -> str:
    """Return ``field_en`` in English when it is filled, else ``field_zh``."""
    if (get_language() or "").startswith("en"):
        value = getattr(obj, f"{field}_en", "")
        if value:
            return value
    return getattr(obj, f"{field}_zh", "")


def campaigns_open(*, now: datetime | None = None) -> QuerySet[Campaign]:
    """Return the campaigns open now, public ones first."""
    now = now or timezone.now()
    return (
        Campaign.objects.filter(opens_at__lte=now)
        .exclude(closes_at__lte=now)
        .select_related("instrument")
        .order_by("audience", "-opens_at", "pk")
    )


def campaigns_listed(*, now: datetime | None = None) -> QuerySet[Campaign]:
    """Return the open campaigns anyone may start (invited ones need their code)."""
    return campaigns_open(now=now).filter(audience=Audience.PUBLIC)


def campaign_get_open(*, campaign_id: int, now: datetime | None = None) -> Campaign:
    """Return an open campaign (``Campaign.DoesNotExist`` otherwise)."""
    return campaigns_open(now=now).get(pk=campaign_id)


# Survey campaigns, which researchers open and close without the model permissions.
SURVEY_CAMPAIGN_KINDS = frozenset({CampaignKind.FIVE_YEARLY, CampaignKind.THEMATIC})


def may_manage_campaign(*, user: User, kind: str, change: bool = False) -> bool:
    """Staff with the campaign permission (add, or ``change`` to close) may; researchers
    too for a survey campaign."""
    perm = "assessment.change_campaign" if change else "assessment.add_campaign"
    if user.has_perm(perm):
        return True
    return kind in SURVEY_CAMPAIGN_KINDS and is_researcher(user)


def campaign_for(*, user: User, campaign_id: int, change: bool = False) -> Campaign:
    """Return a campaign the user may start a session in, or with ``change`` close.

    Every signed-in user reaches any campaign to start a session in it (whether it is
    open and whether they need an invitation is the delivery service's check). Only one
    who may manage it reaches it to change it. Missing and not allowed raise the same
    ``NotFound``.
    """
    campaign = (
        Campaign.objects.select_related("instrument").filter(pk=campaign_id).first()
        if user.is_authenticated
        else None
    )
    if campaign is not None and change:
        if not may_manage_campaign(user=user, kind=campaign.kind, change=True):
            campaign = None
    if campaign is None:
        raise NotFound(f"no campaign {campaign_id}")
    return campaign


def instrument_by_code(*, code: str) -> Instrument | None:
    """The instrument with this code, or ``None`` (instruments are not secret)."""
    return Instrument.objects.filter(code=code).first()


def sessions_visible_to(*, user: User) -> QuerySet[Session]:
    """Return the sessions a test-taker may see: their own."""
    if not user.is_authenticated:
        return Session.objects.none()
    return Session.objects.filter(user_id=user.pk).select_related(
        "instrument", "campaign"
    )


def session_get_for_user(*, user: User, session_id: Any) -> Session:
    """Return the user's own session; another user's answers like a missing one."""
    return sessions_visible_to(user=user).get(pk=session_id)


def session_in_progress(*, user: User, campaign: Campaign) -> Session | None:
    return (
        sessions_visible_to(user=user)
        .filter(campaign=campaign, status=SessionStatus.IN_PROGRESS)
        .first()
    )


def session_max_items(session: Session) -> int | None:
    """Return the most items the session can present."""
    if session.instrument.mode in (DeliveryMode.FIXED, DeliveryMode.BOOKLET):
        return len(session.plan.get("items", []))
    if session.instrument.mode == DeliveryMode.MULTISTAGE:
        # lazy: import cycle (assessment.services.multistage -> assessment.services -> assessment.services.sessions -> assessment.survey.services -> assessment.survey.services.data -> assessment.selectors)
        from assessment.services.multistage import multistage_max_items

        return multistage_max_items(session=session)
    return int((session.instrument.settings or {}).get("max_length", 30))


def seconds_left(session: Session, *, now: datetime | None = None) -> int | None:
    """Seconds until the server-side deadline (None when untimed)."""
    if session.deadline is None:
        return None
    now = now or timezone.now()
    return max(int((session.deadline - now).total_seconds()), 0)


def item_payload(pending: dict[str, Any]) -> dict[str, Any] | None:
    """The presented item as a test-taker receives it: no key, no parameters."""
    if not pending:
        return None
    return {
        "sequence": pending["sequence"],
        "item_id": pending["item_id"],
        "revision_id": pending["revision_id"],
        "kind": pending["kind"],
        "payload": pending["payload"],
    }


def session_payload(session: Session, *, now: datetime | None = None) -> dict[str, Any]:
    """The state a test-taker's screen needs: the item to answer, progress and time."""
    finished = session.status != SessionStatus.IN_PROGRESS
    instrument = session.instrument
    return {
        "session_id": str(session.pk),
        "status": session.status,
        "instrument": {
            "code": instrument.code,
            "name": localized(instrument, "name"),
            "kind": instrument.kind,
            "mode": instrument.mode,
        },
        "answered": session.n_answered,
        "max_items": session_max_items(session),
        "time_limit_seconds": instrument.time_limit_seconds,
        "seconds_left": None if finished else seconds_left(session, now=now),
        "deadline": session.deadline.isoformat() if session.deadline else None,
        "item": None if finished else item_payload(session.pending),
        "result_url": reverse("assessment:result", args=[session.pk])
        if finished
        else None,
        "connection_epoch": session.connection_epoch,
    }


def _cut_score_label(cut_score_set_id: int | None) -> str:
    """How a page names the cut-score version a level came from ("" without one)."""

    row = (
        CutScoreSet.objects.select_related("domain").filter(pk=cut_score_set_id).first()
        if cut_score_set_id
        else None
    )
    return row.label if row is not None else ""


def session_measured(session: Session) -> bool:
    """Whether the closed session met its instrument's precision rule (invariant 9)."""
    results = list(session.results.all())
    top = (session.instrument.domain_code or "").split(".")[0]
    main = next(
        (r for r in results if r.domain_code == top), results[0] if results else None
    )
    return precision_met(session=session, main=main)


def _answer_in_words(result: Result, english: bool) -> str:
    """A questionnaire area's typical answer, as the words of its answer scale."""
    mean = (result.profile or {}).get("mean_category")
    item_ids = list(((result.profile or {}).get("items") or {}).keys())
    if mean is None or not item_ids:
        return ""
    try:
        options = bank.item_for_delivery(int(item_ids[0])).payload.get("options", [])
    except Exception:  # noqa: BLE001 - an item withdrawn since: no words, no error page
        return ""
    if not options:
        return ""
    option = options[min(len(options) - 1, max(0, int(round(float(mean)))))]
    text = (
        option.get("text_html_en")
        if english and option.get("text_html_en")
        else option.get("text_html")
    )
    return strip_tags(text or "").strip()


def results_payload(session: Session) -> list[dict[str, Any]]:
    """The results of a closed session with each level's meaning and next step.

    A session too short for its instrument's precision rule gets no level
    (``measured`` False); a questionnaire gives its areas in words.
    """
    english = (get_language() or "").startswith("en")
    names = bank.domain_names()
    measured = session_measured(session)
    questionnaire = session.instrument.kind != InstrumentKind.ABILITY
    out = []
    for result in session.results.all():
        name_zh, name_en = names.get(result.domain_code, (result.domain_code, ""))
        # The level and levels of the cut-score version the result recorded: activating a
        # new version never changes a past result. A result that missed its precision
        # rule, and a questionnaire, get no level.
        version = result.cut_score_set_id
        level = (
            bank.level_for(result.domain_code, result.theta, cut_score_set_id=version)
            if result.theta is not None and version and measured and not questionnaire
            else None
        )
        levels = (
            bank.domain_levels(result.domain_code, cut_score_set_id=version)
            if level is not None
            else []
        )
        attained = next((lv for lv in levels if getattr(lv, "attained", False)), None)
        out.append(
            {
                "domain_code": result.domain_code,
                "domain_name": name_en if english and name_en else name_zh,
                "theta": result.theta,
                "se": result.se,
                "n_items": result.n_items,
                "parameter_set_id": result.parameter_set_id,
                "cut_score_set_id": version,
                "cut_score_version": _cut_score_label(version),
                "level_code": result.level_code,
                "level_name": (
                    level.name_en if english and level.name_en else level.name_zh
                )
                if level
                else "",
                "level_description": (
                    level.description_en
                    if english and level.description_en
                    else level.description_zh
                )
                if level
                else "",
                "suggestion": (
                    level.suggestion_en
                    if english and level.suggestion_en
                    else level.suggestion_zh
                )
                if level
                else "",
                "attained": bool(level and attained and level.order >= attained.order),
                "levels": [
                    {
                        "code": lv.code,
                        "name": lv.name_en if english and lv.name_en else lv.name_zh,
                        "reached": bool(level and lv.order <= level.order),
                    }
                    for lv in levels
                ],
                "profile": result.profile,
                "measured": measured,
                "questionnaire": questionnaire,
                "answer_words": _answer_in_words(result, english)
                if questionnaire
                else "",
            }
        )
    return out


def results_history(*, user: User) -> QuerySet[Session]:
    """Return the user's closed sessions, newest first, with their results."""
    return (
        sessions_visible_to(user=user)
        .exclude(status=SessionStatus.IN_PROGRESS)
        .prefetch_related("results")
        .order_by("-finished_at")
    )


@dataclass(frozen=True)
class ResponseMatrix:
    """Scored responses of a campaign, persons × items, ``nan`` = not administered."""

    session_ids: list[str]
    item_ids: list[int]
    scores: np.ndarray
    background: list[dict]
    district_codes: list[str]

    def __repr__(self) -> str:
        return (
            f"ResponseMatrix(n_persons={len(self.session_ids)}, "
            f"n_items={len(self.item_ids)})"
        )


def campaign_response_matrix(
    *, campaign_id: int, include_in_progress: bool = False
) -> ResponseMatrix:
    """Return the campaign's scored responses for calibration and survey scoring.

    Closed sessions only (finished or expired) unless ``include_in_progress``;
    rows in session start order, columns in item id order. District codes come from
    the background answers (empty when not given).

    A five-yearly survey has 10,000+ sessions and half a million responses, so the
    responses are read as three columns with session ids as text (no UUID object
    per response, no sort), mapped to rows by one dict over the sessions, and the
    scores set with one numpy assignment.
    """
    sessions = Session.objects.filter(campaign_id=campaign_id)
    if not include_in_progress:
        sessions = sessions.exclude(status=SessionStatus.IN_PROGRESS)
    session_rows = list(
        sessions.order_by("started_at", "pk")
        .annotate(key=Cast("pk", output_field=CharField()))
        .values_list("pk", "background", "key")
    )
    row_of = {key: k for k, (_pk, _bg, key) in enumerate(session_rows)}
    responses = list(
        Response.objects.filter(session__in=sessions.values("pk"))
        .annotate(session_key=Cast("session_id", output_field=CharField()))
        .order_by()
        .values_list("session_key", "item_id", "score")
    )
    keys, items, raw_scores = (
        zip(*responses, strict=True) if responses else ((), (), ())
    )
    rows = np.fromiter(
        map(row_of.get, keys, repeat(-1)), dtype=np.intp, count=len(keys)
    )
    # A session closed between the two reads is not in the rows: skip its answers.
    listed = rows >= 0
    item_ids, cols = np.unique(
        np.asarray(items, dtype=np.int64)[listed], return_inverse=True
    )
    values = np.asarray(raw_scores, dtype=float)[listed]  # None (unscored) is nan
    rows = rows[listed]
    scored = ~np.isnan(values)
    scores = np.full((len(session_rows), len(item_ids)), np.nan)
    scores[rows[scored], cols.reshape(-1)[scored]] = values[scored]
    background = [dict(bg or {}) for _pk, bg, _key in session_rows]
    return ResponseMatrix(
        session_ids=[str(pk) for pk, _bg, _key in session_rows],
        item_ids=[int(i) for i in item_ids],
        scores=scores,
        background=background,
        district_codes=[bg.get("district_code", "") for bg in background],
    )


def session_results(*, session: Session) -> QuerySet[Result]:
    return session.results.all()


# ---------------------------------------------------------------- the delivery admin

REPORT_DAYS = 60


def instrument_item_ids(instrument: Instrument) -> list[int]:
    """Return the items an instrument can deliver: its form, booklets or adaptive pool."""
    data = instrument.settings or {}
    if instrument.mode == DeliveryMode.FIXED:
        return list(data.get("item_ids") or [])
    if instrument.mode == DeliveryMode.BOOKLET:
        return list(dict.fromkeys(i for b in data.get("booklets") or [] for i in b))
    if data.get("item_ids"):
        return list(data["item_ids"])
    domains = list(instrument.blueprint or {}) or [instrument.domain_code]
    return bank.deliverable_item_ids(domain_codes=domains)


def instrument_calibration(
    instrument: Instrument, active_ids: set[int] | None
) -> dict[str, Any]:
    """Say how many of the instrument's items have parameters in the active set."""
    ids = instrument_item_ids(instrument)
    if active_ids is None:
        return {"ready": False, "calibrated": 0, "total": len(ids)}
    calibrated = sum(1 for i in ids if int(i) in active_ids)
    if instrument.mode == DeliveryMode.ADAPTIVE:
        ready = calibrated > 0  # the adaptive pool is the calibrated part
    else:
        ready = bool(ids) and calibrated == len(ids)
    return {"ready": ready, "calibrated": calibrated, "total": len(ids)}


def active_item_ids() -> tuple[int | None, set[int] | None]:
    """Return the active parameter set's id and the items it holds (None, None without)."""
    active = bank.active_parameters()
    if active.parameter_set_id is None:
        return None, None
    return active.parameter_set_id, {int(i) for i in active.item_ids}


def campaign_abilities(
    *, chosen: str | None, domain_prefix: str = "info", limit: int = 20000
) -> tuple[list[float], dict[str, Any] | None, list[dict[str, Any]]]:
    """Return one campaign's thetas in a domain, that campaign and the campaigns to choose.

    The default is the campaign with the most respondents (the survey), not the latest one,
    which may be a practice campaign with a single respondent. The item bank's Wright map
    reads it through the ``itembank_wright_map_abilities`` hook.
    """
    qs = Result.objects.filter(
        theta__isnull=False, domain_code__startswith=domain_prefix
    )
    campaigns = [
        {
            "id": row["session__campaign_id"],
            "name": row["session__campaign__name_zh"],
            "n": row["n"],
        }
        for row in qs.values("session__campaign_id", "session__campaign__name_zh")
        .annotate(n=Count("pk"))
        .order_by("-n", "-session__campaign_id")
    ]
    if not campaigns:
        return [], None, []
    current = next(
        (c for c in campaigns if str(c["id"]) == (chosen or "")), campaigns[0]
    )
    thetas = qs.filter(session__campaign_id=current["id"]).values_list(
        "theta", flat=True
    )[:limit]
    values = [float(t) for t in thetas if t is not None]  # the filter leaves no None
    return values, current, campaigns


def campaign_status(campaign: Campaign, now: datetime | None = None) -> str:
    """Return "upcoming", "open" or "closed" as of ``now``."""
    now = now or timezone.now()
    if campaign.opens_at > now:
        return "upcoming"
    if campaign.closes_at is not None and campaign.closes_at <= now:
        return "closed"
    return "open"


def campaigns_with_counts(queryset: QuerySet[Campaign]) -> QuerySet[Campaign]:
    """Annotate campaigns with their started and finished session counts."""
    return queryset.select_related("instrument").annotate(
        n_started=Count("sessions", distinct=True),
        n_finished=Count(
            "sessions", filter=Q(sessions__status=SessionStatus.FINISHED), distinct=True
        ),
    )


@read_replica()
def campaign_report(campaign: Campaign, *, days: int = REPORT_DAYS) -> dict[str, Any]:
    """Return a campaign's sessions per day and completion (from the session rows)."""
    sessions = Session.objects.filter(campaign=campaign)
    by_status = dict(sessions.values_list("status").annotate(n=Count("pk")).order_by())
    started = sum(by_status.values())
    finished = by_status.get(SessionStatus.FINISHED, 0)
    per_day: dict[date, dict[str, int]] = defaultdict(
        lambda: {"started": 0, "finished": 0}
    )
    tz = timezone.get_current_timezone()
    for day, n in (
        sessions.annotate(day=TruncDate("started_at", tzinfo=tz))
        .values_list("day")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        per_day[day]["started"] += n
    for day, n in (
        sessions.filter(status=SessionStatus.FINISHED, finished_at__isnull=False)
        .annotate(day=TruncDate("finished_at", tzinfo=tz))
        .values_list("day")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        per_day[day]["finished"] += n
    days_sorted = sorted(per_day)
    hidden = max(len(days_sorted) - days, 0)
    rows = [{"day": d, **per_day[d]} for d in days_sorted[hidden:]]
    peak = max((max(r["started"], r["finished"]) for r in rows), default=0)
    for row in rows:
        row["started_pct"] = round(100 * row["started"] / peak) if peak else 0
        row["finished_pct"] = round(100 * row["finished"] / peak) if peak else 0
    finished_rows = sessions.filter(
        status=SessionStatus.FINISHED, finished_at__isnull=False
    ).annotate(
        duration=ExpressionWrapper(
            F("finished_at") - F("started_at"), output_field=DurationField()
        )
    )
    median = None
    if finished_rows_count := finished_rows.count():
        middle = finished_rows.order_by("duration").values_list("duration", flat=True)[
            finished_rows_count // 2
        ]
        median = middle.total_seconds() / 60
    return {
        "started": started,
        "finished": finished,
        "in_progress": by_status.get(SessionStatus.IN_PROGRESS, 0),
        "expired": by_status.get(SessionStatus.EXPIRED, 0),
        "completion_pct": round(100 * finished / started, 1) if started else None,
        "median_minutes": round(median, 1) if median is not None else None,
        "rows": rows,
        "hidden_days": hidden,
        "invitations": campaign.invitations.count(),
        "invitations_used": campaign.invitations.filter(used_at__isnull=False).count(),
    }
