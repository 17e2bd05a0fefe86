"""The credit bank's API for the learning network; every route checks who asks."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.responses import Status

from learning_platform.accounts.roles import Role
from learning_platform.accounts.selectors import user_has_role
from learning_platform.creditbank import selectors, services
from learning_platform.creditbank.models import (
    CreditEntry,
    LearningAccount,
    LearningOutcome,
)
from learning_platform.creditbank.schemas import (
    AccountOpenIn,
    AccountOut,
    ClosureIn,
    CorrectionIn,
    CountsQuery,
    CredentialStatusOut,
    CreditEntryOut,
    DistrictCountOut,
    ImportOut,
    LedgerQuery,
    OutcomeImportIn,
    OutcomeIn,
    OutcomeOut,
    RevokeIn,
    RuleOut,
    VerificationOut,
)
from learning_platform.creditbank.signing import proof_limits_errors
from learning_platform.districts.models import District
from learning_platform.districts.selectors import district_get
from learning_platform.downloads import json_download
from learning_platform.errors import ApiError
from learning_platform.jsonbounds import JsonInputError, loads_bounded

router = Router(tags=["creditbank"])


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def account_out(account: LearningAccount) -> dict[str, Any]:
    totals = selectors.account_summary_totals(account=account)
    return {
        "number": account.number,
        "district_code": account.district.code if account.district else None,
        "district_name": account.district.name_zh if account.district else None,
        "status": account.status,
        "opened_via": account.opened_via,
        "opened_at": account.opened_at,
        "closure_requested_at": account.closure_requested_at,
        "closed_at": account.closed_at,
        "credits_balance": account.credits_balance,
        "points_balance": account.points_balance,
        "outcomes": totals["outcomes"],
        "hours": totals["hours"],
    }


def outcome_out(outcome: LearningOutcome) -> dict[str, Any]:
    return {
        **{
            f: getattr(outcome, f)
            for f in (
                "kind",
                "title",
                "title_en",
                "achieved_on",
                "source",
                "source_ref",
                "evidence_url",
                "evidence_ref",
                "domain_code",
                "level_code",
                "level_name",
                "hours",
                "instrument_code",
                "instrument_name",
                "parameter_set_id",
                "revoked_at",
            )
        },
        "id": outcome.pk,
        "account_number": outcome.account.number,
        "domain_scores": [
            {
                "domain_code": s.domain_code,
                "theta": s.theta,
                "se": s.se,
                "level_code": s.level_code,
            }
            for s in outcome.domain_scores.all()
        ],
    }


def entry_out(entry: CreditEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "kind": entry.kind,
        "outcome_id": entry.outcome_id,
        "rule_code": entry.rule.code if entry.rule else None,
        "rule_version": entry.rule_version,
        "corrects_id": entry.corrects_id,
        "credits": entry.credits,
        "points": entry.points,
        "period": entry.period_key,
        "expires_on": entry.expires_on,
        "reason": entry.reason,
        "created_at": entry.created_at,
    }


def _require_institution(request: HttpRequest) -> None:
    if not (
        user_has_role(user=request.user, role=Role.INSTITUTION)
        or user_has_role(user=request.user, role=Role.ADMINISTRATOR)
    ):
        raise PermissionDenied(
            _("Only authorised learning institutions enter outcomes.")
        )


# --- the citizen's own account -------------------------------------------------


@router.get(
    "/account",
    response=AccountOut,
    url_name="creditbank_account",
    operation_id="creditbank_account",
)
def account_summary(request):
    """Return the caller's own learning account."""
    return account_out(selectors.account_for_user(user=request.user))


@router.post(
    "/account",
    response={200: AccountOut, 201: AccountOut},
    url_name="creditbank_account_open",
    operation_id="creditbank_account_open",
)
def account_open(request, payload: AccountOpenIn):
    """Open the caller's learning account (or return it), with the district of residence."""
    district = None
    if payload.district_code:
        try:
            district = district_get(code=payload.district_code)
        except District.DoesNotExist:
            raise ApiError(
                "unknown_district",
                _("There is no district with the code %(code)s.")
                % {"code": payload.district_code},
                status=422,
            ) from None
    existed = selectors.account_exists_for(user=request.user)
    account = services.account_open(user=request.user, district=district)
    return Status(200 if existed else 201, account_out(account))


@router.post(
    "/account/closure",
    response=AccountOut,
    url_name="creditbank_account_closure",
    operation_id="creditbank_account_closure",
)
def account_closure(request, payload: ClosureIn):
    """Ask for the caller's account to be closed."""
    account = selectors.account_for_user(user=request.user)
    return account_out(
        services.account_closure_request(account=account, reason=payload.reason)
    )


@router.get(
    "/account/data",
    url_name="creditbank_account_data",
    operation_id="creditbank_account_data",
)
def account_data(request):
    """Download everything held in the caller's account as JSON."""
    account = selectors.account_for_user(user=request.user)
    return json_download(
        selectors.account_data_export(account=account),
        filename=f"learning-account-{account.number}.json",
        indent=2,
    )


@router.get(
    "/account/clr",
    url_name="creditbank_account_clr",
    operation_id="creditbank_account_clr",
)
def account_clr(request):
    """Export the caller's whole record as a signed CLR 2.0 credential."""
    account = selectors.account_for_user(user=request.user)
    document = services.credential_issue_clr(
        account=account, base_url=base_url(request)
    )
    return json_download(document, filename=f"clr-{account.number}.json")


@router.get(
    "/credits",
    response=list[CreditEntryOut],
    url_name="creditbank_credits",
    operation_id="creditbank_credits",
)
def credit_list(request, query: Query[LedgerQuery]):
    """Return the caller's credit ledger, oldest first, a page at a time.

    A page holds up to ``limit`` entries (at most 500); pass the last entry's id as
    ``after`` for the next page (keyset pagination: every page costs the same).
    """
    account = selectors.account_for_user(user=request.user)
    return [
        entry_out(e)
        for e in selectors.ledger_after(
            account=account, after=query.after, limit=query.limit
        )
    ]


@router.post(
    "/credits/{entry_id}/corrections",
    response={201: CreditEntryOut},
    url_name="creditbank_credit_correct",
    operation_id="creditbank_credit_correct",
)
def credit_correct(request, entry_id: int, payload: CorrectionIn):
    """Correct an award with a new ledger entry (administrators only)."""
    # anyone else gets the 404 of a missing entry
    entry = selectors.credit_entry_for(user=request.user, entry_id=entry_id)
    correction = services.credit_correct(
        entry=entry,
        credits=payload.credits,
        points=payload.points,
        reason=payload.reason,
        corrected_by=request.user,
    )
    return Status(201, entry_out(correction))


# --- outcomes --------------------------------------------------------------------


@router.get(
    "/outcomes",
    response=list[OutcomeOut],
    url_name="creditbank_outcomes",
    operation_id="creditbank_outcomes",
)
def outcome_list(request):
    """Return the outcomes the caller may read: their own, or those their institution entered."""
    outcomes = selectors.outcomes_visible_to(user=request.user).prefetch_related(
        "domain_scores"
    )
    return [outcome_out(o) for o in outcomes[:1000]]


@router.post(
    "/outcomes",
    response={201: OutcomeOut},
    url_name="creditbank_outcome_create",
    operation_id="creditbank_outcome_create",
)
def outcome_create(request, payload: OutcomeIn):
    """Enter an outcome an institution vouches for, with its evidence."""
    _require_institution(request)
    outcome = services.outcome_enter(entered_by=request.user, **payload.dict())
    return Status(201, outcome_out(outcome))


@router.post(
    "/outcomes/import",
    response={201: ImportOut},
    url_name="creditbank_outcome_import",
    operation_id="creditbank_outcome_import",
)
def outcome_import(request, payload: OutcomeImportIn):
    """Import many outcomes: all rows or none, with each bad row's error."""
    _require_institution(request)
    created = services.outcomes_import(entered_by=request.user, rows=payload.rows)
    return Status(201, {"created": [o.pk for o in created]})


@router.get(
    "/outcomes/{outcome_id}",
    response=OutcomeOut,
    url_name="creditbank_outcome",
    operation_id="creditbank_outcome",
)
def outcome_detail(request, outcome_id: int):
    """Return one outcome the caller may read."""
    return outcome_out(
        selectors.outcome_get_for_user(user=request.user, outcome_id=outcome_id)
    )


@router.post(
    "/outcomes/{outcome_id}/revoke",
    response=OutcomeOut,
    url_name="creditbank_outcome_revoke",
    operation_id="creditbank_outcome_revoke",
)
def outcome_revoke(request, outcome_id: int, payload: RevokeIn):
    """Withdraw an outcome the caller's institution entered; its credits are reversed."""
    outcome = selectors.outcome_get_for_user(user=request.user, outcome_id=outcome_id)
    is_admin = user_has_role(user=request.user, role=Role.ADMINISTRATOR)
    if not is_admin and outcome.entered_by_id != request.user.pk:
        raise PermissionDenied(
            _("Only the institution that entered an outcome can revoke it.")
        )
    outcome = services.outcome_revoke(
        outcome=outcome, revoked_by=request.user, reason=payload.reason
    )
    return outcome_out(outcome)


@router.get(
    "/outcomes/{outcome_id}/badge",
    url_name="creditbank_outcome_badge",
    operation_id="creditbank_outcome_badge",
)
def outcome_badge(request, outcome_id: int):
    """Export one of the caller's outcomes as a signed Open Badges 3.0 credential."""
    outcome = selectors.outcome_get_own(user=request.user, outcome_id=outcome_id)
    document = services.credential_issue_badge(
        outcome=outcome, base_url=base_url(request)
    )
    return json_download(document, filename=f"badge-{outcome.pk}.json")


# --- public: rules and verification -------------------------------------------------


@router.get(
    "/rules",
    response=list[RuleOut],
    auth=None,
    url_name="creditbank_rules",
    operation_id="creditbank_rules",
)
def rule_list(request):
    """List the published conversion rules."""
    return list(selectors.conversion_rules_published())


def verification_out(result: services.Verification) -> dict[str, Any]:
    return {
        "status": result.status,
        "message": str(result.message),
        "credential_id": result.credential_id,
        "credential_type": str(result.credential_type)
        if result.credential_type
        else None,
        "issued_at": result.issued_at,
        "revoked_at": result.revoked_at,
        "embedded": [
            {
                "credential_id": e.credential_id,
                "status": e.status,
                "message": str(e.message),
            }
            for e in result.embedded
        ],
    }


@router.post(
    "/verify",
    response=VerificationOut,
    auth=None,
    url_name="creditbank_verify",
    operation_id="creditbank_verify",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "description": "An Open Badges 3.0 or CLR 2.0 credential.",
                    }
                }
            },
        }
    },
)
def credential_verify(request):
    """Verify a credential issued here: valid, tampered, revoked or unknown. Open to anyone."""
    try:
        document = loads_bounded(request.body or b"")
    except JsonInputError as exc:
        raise ApiError(
            "invalid_input",
            _("The body is not acceptable JSON: %(error)s") % {"error": exc},
            status=422,
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(
            "invalid_json",
            _("The body is not JSON: %(error)s") % {"error": exc},
            status=400,
        ) from None
    if not isinstance(document, dict):
        raise ApiError(
            "invalid_input",
            _("The body must be a JSON object (a credential)."),
            status=422,
        )
    too_long = proof_limits_errors(document)
    if too_long:
        raise ApiError(
            "invalid_input",
            _("The proof holds values too long to be read."),
            status=422,
            errors=too_long,
        )
    return verification_out(services.credential_verify(document))


@router.get(
    "/credentials/{credential_id}/status",
    response=CredentialStatusOut,
    auth=None,
    url_name="creditbank_credential_status",
    operation_id="creditbank_credential_status",
)
def credential_status(request, credential_id: str):
    """Say whether a credential issued here is still in force (its revocation status)."""
    try:
        uuid.UUID(credential_id)
    except ValueError:
        raise LearningOutcome.DoesNotExist from None
    credential = selectors.credential_status(credential_id=credential_id)
    revoked_at = (
        credential.revoked_at
        or (credential.outcome.revoked_at if credential.outcome else None)
        or credential.account.closed_at
    )
    return {
        "id": str(credential.pk),
        "status": "revoked" if revoked_at else "valid",
        "revoked_at": revoked_at,
    }


# --- district counts ------------------------------------------------------------------


@router.get(
    "/district-counts",
    response=list[DistrictCountOut],
    url_name="creditbank_district_counts",
    operation_id="creditbank_district_counts",
)
def district_counts(request, query: Query[CountsQuery]):
    """Accounts open per district and 学分银行开户数占比; district staff see their own district."""
    rows = selectors.account_counts_by_district(user=request.user, year=query.year)
    return [
        {**row.__dict__, "data_item": selectors.DATA_ITEM_ACCOUNT_SHARE} for row in rows
    ]
