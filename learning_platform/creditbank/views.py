"""Pages and downloads of the credit bank; each calls a selector or a service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from learning_platform.accounts.requests import AuthenticatedRequest
from learning_platform.creditbank import selectors, services
from learning_platform.creditbank.charts import legend, results_chart_svg
from learning_platform.creditbank.models import (
    AccountStatus,
    LearningAccount,
    LearningOutcome,
)
from learning_platform.creditbank.signing import proof_limits_errors
from learning_platform.districts.models import District
from learning_platform.downloads import json_download
from learning_platform.errors import ApiError
from learning_platform.jsonbounds import JsonInputError, loads_bounded

MAX_VERIFY_BYTES = 2_000_000


def _download(document: dict, filename: str) -> HttpResponse:
    return json_download(document, filename=filename, indent=2)


@login_required
def profile(request: AuthenticatedRequest) -> HttpResponse:
    """Show the citizen's own learning account, or the form that opens one."""
    try:
        account = selectors.account_for_user(user=request.user)
    except LearningAccount.DoesNotExist:
        return render(
            request,
            "creditbank/open.html",
            {
                "districts": District.objects.all(),
                "default_district": request.user.district_id,
            },
        )
    language = get_language() or "zh-hans"
    data = selectors.profile_for_account(account=account, language=language, fresh=True)
    top = {
        code: [(p.day, p.theta, p.se) for p in points]
        for code, points in data.series.items()
        if "." not in code
    }
    chart = results_chart_svg(
        top,
        data.domain_names,
        title=_("Results over time per domain"),
        axis_label=_("ability (θ)"),
    )
    return render(
        request,
        "creditbank/profile.html",
        {
            "account": account,
            "profile": data,
            "chart": chart,
            "legend": legend(list(top), data.domain_names),
            "levels": [
                {
                    "name": data.domain_names.get(code, code),
                    "day": point.day,
                    "level": selectors.level_name(
                        domain_code=code, level_code=point.level_code, language=language
                    ),
                }
                for code, point in data.latest
            ],
            "closed": account.status == AccountStatus.CLOSED,
            "closure_requested": account.status == AccountStatus.CLOSURE_REQUESTED,
        },
    )


@login_required
@require_POST
def account_open(request: AuthenticatedRequest) -> HttpResponse:
    code = request.POST.get("district", "")
    district = District.objects.filter(code=code).first() if code else None
    if code and district is None:
        messages.error(request, _("Choose a district from the list."))
        return redirect("creditbank:profile")
    services.account_open(user=request.user, district=district)
    messages.success(request, _("Your learning account is open."))
    return redirect("creditbank:profile")


@login_required
@require_POST
def closure_request(request: HttpRequest) -> HttpResponse:
    try:
        account = selectors.account_for_user(user=request.user)
        services.account_closure_request(
            account=account, reason=request.POST.get("reason", "")
        )
    except LearningAccount.DoesNotExist:
        raise Http404 from None
    except (ValidationError, ApiError) as exc:
        messages.error(
            request, getattr(exc, "message", None) or "; ".join(exc.messages)
        )
        return redirect("creditbank:profile")
    messages.success(
        request,
        _(
            "Your request to close the account is recorded. "
            "An administrator will complete it."
        ),
    )
    return redirect("creditbank:profile")


@login_required
def data_download(request: HttpRequest) -> HttpResponse:
    try:
        account = selectors.account_for_user(user=request.user)
    except LearningAccount.DoesNotExist:
        raise Http404 from None
    return _download(
        selectors.account_data_export(account=account),
        f"learning-account-{account.number}.json",
    )


@login_required
def clr_download(request: HttpRequest) -> HttpResponse:
    try:
        account = selectors.account_for_user(user=request.user)
        document = services.credential_issue_clr(
            account=account, base_url=request.build_absolute_uri("/")
        )
    except LearningAccount.DoesNotExist:
        raise Http404 from None
    except ApiError as exc:
        messages.error(request, exc.message)
        return redirect("creditbank:profile")
    return _download(document, f"clr-{account.number}.json")


@login_required
def badge_download(request: HttpRequest, outcome_id: int) -> HttpResponse:
    try:
        outcome = selectors.outcome_get_own(user=request.user, outcome_id=outcome_id)
        document = services.credential_issue_badge(
            outcome=outcome, base_url=request.build_absolute_uri("/")
        )
    except LearningOutcome.DoesNotExist:
        raise Http404 from None
    except ApiError as exc:
        messages.error(request, exc.message)
        return redirect("creditbank:profile")
    return _download(document, f"badge-{outcome.pk}.json")


@login_required
def district_counts(request: HttpRequest) -> HttpResponse:
    """Show accounts open per district and 学分银行开户数占比; no person is named."""
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    try:
        rows = selectors.account_counts_by_district(user=request.user, year=year)
    except ValidationError:
        year = timezone.localdate().year
        rows = selectors.account_counts_by_district(user=request.user, year=year)
    return render(
        request,
        "creditbank/district_counts.html",
        {
            "rows": rows,
            "year": year,
            "data_item": selectors.DATA_ITEM_ACCOUNT_SHARE,
        },
    )


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Let anyone check a credential by pasting it or uploading the file."""
    result = None
    error = ""
    text = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is not None:
            raw = upload.read(MAX_VERIFY_BYTES + 1)
        else:
            raw = request.POST.get("document", "").encode()
        text = raw.decode("utf-8", errors="replace")[:MAX_VERIFY_BYTES]
        if len(raw) > MAX_VERIFY_BYTES:
            error = _("The file is larger than 2 MB.")
        else:
            try:
                document = loads_bounded(raw)
            except UnicodeDecodeError:
                error = _("This file is not UTF-8 text, so it cannot be a credential.")
            except JsonInputError:
                error = _(
                    "This document nests too deeply or holds broken characters, so "
                    "it cannot be a credential."
                )
            except ValueError as exc:
                # The parser's message is English; give the position in words instead.
                error = _(
                    "This is not a JSON document (the text stops making sense at line %(line)s, "
                    "column %(column)s). Paste the whole credential file."
                ) % {
                    "line": getattr(exc, "lineno", 1),
                    "column": getattr(exc, "colno", 1),
                }
            else:
                too_long = proof_limits_errors(document)
                if too_long:
                    error = _(
                        "The proof holds values too long to be read: %(fields)s"
                    ) % {"fields": ", ".join(e["field"] for e in too_long)}
                else:
                    result = services.credential_verify(document)
    return render(
        request,
        "creditbank/verify.html",
        {"result": result, "error": error, "text": text if not result else ""},
        status=400 if error else 200,
    )
