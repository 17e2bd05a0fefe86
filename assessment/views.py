"""The citizen's pages: thin views over the services and selectors.

The pages work without JavaScript (plain forms); ``delivery.js`` upgrades the item
page to the session's WebSocket so that the next item comes without a reload.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessment import selectors, services
from assessment.api import campaign_out
from assessment.background import FIELDS, field_choices, field_labels
from assessment.models import Campaign, CampaignKind, InstrumentKind, SessionStatus
from learning_platform.accounts.requests import AuthenticatedRequest
from learning_platform.errors import ApiError


def campaign_list(request: HttpRequest) -> HttpResponse:
    """List the tests open to everyone."""
    campaigns = list(selectors.campaigns_listed())
    return render(
        request,
        "assessment/index.html",
        {
            "campaigns": [_campaign_card(c) for c in campaigns],
        },
    )


def _campaign_card(campaign: Campaign) -> dict[str, Any]:
    data = campaign_out(campaign)
    data["description"] = selectors.localized(campaign.instrument, "description")
    data["campaign"] = campaign
    return data


def _open_campaign(campaign_id: int) -> Campaign:
    try:
        return selectors.campaign_get_open(campaign_id=campaign_id)
    except Campaign.DoesNotExist:
        raise Http404 from None


def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The instrument's landing page: what it measures, how long, and start or resume."""
    campaign = _open_campaign(campaign_id)
    current = None
    if request.user.is_authenticated:
        current = selectors.session_in_progress(user=request.user, campaign=campaign)
    return render(
        request,
        "assessment/campaign.html",
        {
            "card": _campaign_card(campaign),
            "current": current,
        },
    )


@login_required
def session_begin(request: AuthenticatedRequest, campaign_id: int) -> HttpResponse:
    """Consent and the background questions, then start (or resume) the session."""
    campaign = _open_campaign(campaign_id)
    current = selectors.session_in_progress(user=request.user, campaign=campaign)
    if current is not None:
        return redirect(current.get_absolute_url())
    required = campaign.kind != CampaignKind.PRACTICE
    values: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {field: request.POST.get(field, "") for field in FIELDS}
        try:
            session, _created = services.session_start(
                user=request.user,
                campaign=campaign,
                background=values,
                consent=request.POST.get("consent") == "yes",
                invitation_code=request.POST.get("invitation_code"),
            )
        except ValidationError as exc:
            errors = (
                exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
            )
        except ApiError as exc:
            errors = {"": [exc.message]}
        else:
            return redirect(session.get_absolute_url())
    choices = field_choices()
    labels = field_labels()
    questions = [
        {
            "name": field,
            "label": labels[field],
            "choices": choices[field],
            "value": values.get(field, ""),
            "errors": errors.get(f"background.{field}", []),
        }
        for field in FIELDS
    ]
    return render(
        request,
        "assessment/start.html",
        {
            "card": _campaign_card(campaign),
            "questions": questions,
            "required": required,
            "invited": bool(services.campaign_invitation_path(campaign)),
            "questionnaire": campaign.instrument.kind == InstrumentKind.QUESTIONNAIRE,
            "consent_errors": errors.get("consent", []),
            "code_errors": errors.get("invitation_code", []),
            "other_errors": [
                m
                for k, ms in errors.items()
                if k in ("", "background", "__all__")
                for m in ms
            ],
        },
        status=422 if errors else 200,
    )


def _refreshed(request: AuthenticatedRequest, session_id: Any):
    try:
        return services.session_refresh(session_id=session_id, user=request.user)
    except ApiError as exc:
        if exc.status == 404:
            raise Http404 from None
        raise


@login_required
def session_page(
    request: AuthenticatedRequest, session_id: Any, error: str = "", status: int = 200
) -> HttpResponse:
    """One item at a time, with progress and time left."""
    session = _refreshed(request, session_id)
    if session.status != SessionStatus.IN_PROGRESS:
        return redirect("assessment:result", session_id=session.pk)
    state = selectors.session_payload(session)
    return render(
        request,
        "assessment/item.html",
        {
            "session": session,
            "state": state,
            "item": state["item"],
            "error": error,
            "options": _options(state["item"]),
            "english": (get_language() or "").startswith("en"),
        },
        status=status,
    )


def _options(item: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not item:
        return []
    return [
        dict(o, value=str(o.get("id")), position=k + 1)
        for k, o in enumerate(item["payload"].get("options", []))
    ]


def answer_from_form(item: dict[str, Any], data) -> Any:
    """Turn the posted form into the answer the item kind takes."""
    options = {
        str(o.get("id")): o.get("id") for o in item["payload"].get("options", [])
    }
    kind = item["kind"]
    if kind == "multiple_response":
        return [options.get(v, v) for v in data.getlist("answer")]
    if kind == "ordered":
        ranked = []
        for value, option_id in options.items():
            raw = data.get(f"rank_{value}", "")
            try:
                ranked.append((int(raw), option_id))
            except ValueError:
                raise ValidationError(
                    {"answer": _("Give every option a place in the order.")}
                ) from None
        return [option_id for _rank, option_id in sorted(ranked, key=lambda r: r[0])]
    value = data.get("answer")
    if value is None:
        raise ValidationError({"answer": _("Choose an answer first.")})
    return options.get(value, value)


@login_required
@require_POST
def session_answer(request: AuthenticatedRequest, session_id: Any) -> HttpResponse:
    """The no-JavaScript path: record the posted answer and show the next item."""
    session = _refreshed(request, session_id)
    item = selectors.item_payload(session.pending)
    try:
        sequence = int(request.POST.get("sequence", ""))
        item_id = int(request.POST.get("item_id", ""))
    except ValueError:
        return session_page(
            request, session_id, error=_("The form was incomplete."), status=422
        )
    if item is None or item["sequence"] != sequence:
        # A resubmitted form of an answered question: the service decides.
        answer: Any = request.POST.getlist("answer") or request.POST.get("answer")
    else:
        try:
            answer = answer_from_form(item, request.POST)
        except ValidationError as exc:
            return session_page(
                request, session_id, error=" ".join(exc.messages), status=422
            )
    try:
        services.response_record(
            session_id=session.pk,
            user=request.user,
            sequence=sequence,
            item_id=item_id,
            answer=answer,
            client_ts=request.POST.get("client_ts"),
        )
    except ApiError as exc:
        if exc.code == "already_answered":
            return redirect(session.get_absolute_url())
        return session_page(request, session_id, error=exc.message, status=exc.status)
    except ValidationError as exc:
        return session_page(
            request, session_id, error=" ".join(exc.messages), status=422
        )
    return redirect(session.get_absolute_url())


@login_required
@require_POST
def session_end(request: AuthenticatedRequest, session_id: Any) -> HttpResponse:
    """End the test now and see the result of what was answered."""
    try:
        session = services.session_finish(session_id=session_id, user=request.user)
    except ApiError:
        raise Http404 from None
    return redirect("assessment:result", session_id=session.pk)


@login_required
def result_page(request: AuthenticatedRequest, session_id: Any) -> HttpResponse:
    """The level reached, what it means and what to learn next."""
    session = _refreshed(request, session_id)
    if session.status == SessionStatus.IN_PROGRESS:
        return redirect(session.get_absolute_url())
    results = selectors.results_payload(session)
    instrument = session.instrument
    return render(
        request,
        "assessment/result.html",
        {
            "session": session,
            "results": results,
            "instrument_name": selectors.localized(instrument, "name"),
            "questionnaire": instrument.kind == InstrumentKind.QUESTIONNAIRE,
            "measured": all(r["measured"] for r in results),
            "rule": instrument.precision_rule,
            "min_items": instrument.precision_min_items,
        },
    )


@login_required
def history(request: AuthenticatedRequest) -> HttpResponse:
    """The citizen's own results, newest first."""
    rows = []
    for session in selectors.results_history(user=request.user):
        rows.append(
            {
                "session": session,
                "instrument_name": selectors.localized(session.instrument, "name"),
                "results": selectors.results_payload(session),
            }
        )
    try:
        in_progress = list(
            selectors.sessions_visible_to(user=request.user).filter(
                status=SessionStatus.IN_PROGRESS
            )
        )
    except ObjectDoesNotExist:
        in_progress = []
    return render(
        request, "assessment/history.html", {"rows": rows, "in_progress": in_progress}
    )
