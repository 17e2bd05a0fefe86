"""Writes of learning outcomes: platform assessments, institution entries, revocation."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from learning_platform.accounts.models import User
from learning_platform.creditbank.models import (
    CreditEntry,
    IssuedCredential,
    LearningAccount,
    LearningOutcome,
    OutcomeDomainScore,
    OutcomeKind,
)
from learning_platform.creditbank.services.accounts import (
    PLATFORM_SOURCE,
    account_ensure,
    account_writable_check,
)
from learning_platform.creditbank.services.ledger import (
    credit_award_remaining,
    credit_entry_append,
    credits_apply,
)
from learning_platform.errors import ApiError

# --- outcomes ----------------------------------------------------------------


def _finite(value: Any, *, where: str, allow_none: bool = False) -> float | None:
    if value is None and allow_none:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
    ):
        raise ValidationError(
            {
                "domain_scores": _("%(where)s must be a finite number, not %(value)r.")
                % {"where": where, "value": value}
            }
        )
    return float(value)


def _clean_domain_scores(domain_scores: list[dict]) -> list[dict]:
    if not isinstance(domain_scores, list):
        raise ValidationError({"domain_scores": _("domain_scores must be a list.")})
    cleaned: list[dict] = []
    seen: set[str] = set()
    for i, entry in enumerate(domain_scores):
        where = f"domain_scores[{i}]"
        if not isinstance(entry, dict):
            raise ValidationError(
                {"domain_scores": _("%(where)s must be an object.") % {"where": where}}
            )
        code = entry.get("domain_code")
        if not isinstance(code, str) or not code.strip() or len(code) > 40:
            raise ValidationError(
                {
                    "domain_scores": _("%(where)s.domain_code must be a domain code.")
                    % {"where": where}
                }
            )
        if code in seen:
            raise ValidationError(
                {
                    "domain_scores": _("%(where)s repeats the domain %(code)s.")
                    % {"where": where, "code": code}
                }
            )
        seen.add(code)
        theta = _finite(entry.get("theta"), where=f"{where}.theta")
        se = _finite(entry.get("se"), where=f"{where}.se", allow_none=True)
        if se is not None and se < 0:
            raise ValidationError(
                {
                    "domain_scores": _("%(where)s.se must not be negative.")
                    % {"where": where}
                }
            )
        level = entry.get("level_code") or ""
        if not isinstance(level, str) or len(level) > 40:
            raise ValidationError(
                {
                    "domain_scores": _("%(where)s.level_code must be text.")
                    % {"where": where}
                }
            )
        cleaned.append(
            {"domain_code": code, "theta": theta, "se": se, "level_code": level}
        )
    return cleaned


@transaction.atomic
def outcome_record_assessment(
    *,
    user: User,
    source_ref: str,
    instrument_code: str,
    instrument_name: str,
    completed_at: datetime,
    level_code: str,
    level_name: str,
    domain_scores: list[dict],
    parameter_set_id: int | None,
    cut_score_set_id: int | None = None,
) -> LearningOutcome:
    """Record an assessment result from this platform; idempotent on ``source_ref``.

    ``level_code`` is the result's own level, decided by the item bank's cut-score set
    ``cut_score_set_id`` (kept in ``details``); the credit bank never re-levels it.

    Opens the account on first use and applies the conversion rules. Raises
    ``AccountClosed`` (code ``account_closed``) when the account is closed.
    """
    if not source_ref or len(source_ref) > 200:
        raise ValidationError(
            {"source_ref": _("source_ref must be 1 to 200 characters.")}
        )
    existing = LearningOutcome.objects.filter(source_ref=source_ref).first()
    if existing is not None:
        if existing.account.user_id != user.pk:
            raise ValidationError(
                {
                    "source_ref": _("%(ref)s is already recorded for another account.")
                    % {"ref": source_ref}
                }
            )
        return existing
    if not instrument_code:
        raise ValidationError({"instrument_code": _("instrument_code is required.")})
    if not isinstance(completed_at, datetime):
        raise ValidationError(
            {"completed_at": _("completed_at must be a date and time.")}
        )
    if timezone.is_naive(completed_at):
        raise ValidationError(
            {"completed_at": _("completed_at must carry a time zone.")}
        )
    cleaned = _clean_domain_scores(domain_scores)
    account = account_ensure(user=user)
    account_writable_check(account)
    main_domain = cleaned[0]["domain_code"].split(".")[0] if cleaned else ""
    try:
        with transaction.atomic():
            outcome = LearningOutcome.objects.create(
                account=account,
                kind=OutcomeKind.ASSESSMENT,
                title=instrument_name or instrument_code,
                achieved_on=timezone.localdate(completed_at),
                source=PLATFORM_SOURCE,
                source_ref=source_ref,
                domain_code=main_domain,
                level_code=level_code or "",
                level_name=level_name or "",
                instrument_code=instrument_code,
                instrument_name=instrument_name,
                parameter_set_id=parameter_set_id,
                details={
                    "completed_at": completed_at.isoformat(),
                    **(
                        {"cut_score_set_id": cut_score_set_id}
                        if cut_score_set_id
                        else {}
                    ),
                },
            )
    except IntegrityError:
        # The same session recorded concurrently: return the stored row.
        return LearningOutcome.objects.get(source_ref=source_ref)
    OutcomeDomainScore.objects.bulk_create(
        [OutcomeDomainScore(outcome=outcome, **entry) for entry in cleaned]
    )
    credits_apply(outcome=outcome)
    return outcome


INSTITUTION_KINDS = [k for k in OutcomeKind.values if k != OutcomeKind.ASSESSMENT]


def _parse_date(value: Any, *, field: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(
            {field: _("%(value)r is not a date (YYYY-MM-DD).") % {"value": value}}
        ) from None


def _parse_hours(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        hours = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError(
            {"hours": _("%(value)r is not a number.") % {"value": value}}
        ) from None
    if not hours.is_finite() or hours < 0 or hours > 100000:
        raise ValidationError({"hours": _("Hours must be between 0 and 100000.")})
    return hours.quantize(Decimal("0.1"))


@transaction.atomic
def outcome_enter(
    *,
    entered_by: User,
    account_number: str,
    kind: str,
    title: str,
    achieved_on: date | str,
    source: str = "",
    source_ref: str = "",
    evidence_url: str = "",
    evidence_ref: str = "",
    title_en: str = "",
    domain_code: str = "",
    level_code: str = "",
    level_name: str = "",
    hours: Any = None,
) -> LearningOutcome:
    """Record an outcome an authorised institution vouches for, with its source and evidence."""
    errors: dict[str, list[str]] = {}
    if kind not in INSTITUTION_KINDS:
        errors.setdefault("kind", []).append(
            _("%(kind)r is not one of %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(INSTITUTION_KINDS)}
        )
    if not title or not title.strip() or len(title) > 200:
        errors.setdefault("title", []).append(
            _("A title of 1 to 200 characters is required.")
        )
    if not evidence_url and not evidence_ref:
        errors.setdefault("evidence", []).append(
            _("Give the evidence: a URL or a reference such as the certificate number.")
        )
    if evidence_url:
        try:
            URLValidator(schemes=["https", "http"])(evidence_url)
        except ValidationError:
            errors.setdefault("evidence_url", []).append(
                _("%(url)r is not an http(s) URL.") % {"url": evidence_url}
            )
    if len(source_ref) > 200 or len(evidence_ref) > 200:
        errors.setdefault("source_ref", []).append(
            _("References are at most 200 characters.")
        )
    if errors:
        raise ValidationError(errors)
    achieved = _parse_date(achieved_on, field="achieved_on")
    if achieved > timezone.localdate():
        raise ValidationError(
            {"achieved_on": _("An outcome cannot be achieved in the future.")}
        )
    hours_value = _parse_hours(hours)
    account = LearningAccount.objects.filter(number=account_number.strip()).first()
    if account is None:
        raise ApiError(
            "account_not_found",
            _("There is no learning account numbered %(number)s.")
            % {"number": account_number},
            status=404,
        )
    account_writable_check(account)
    if source_ref and LearningOutcome.objects.filter(source_ref=source_ref).exists():
        raise ApiError(
            "duplicate_source_ref",
            _("An outcome with the source reference %(ref)s is already recorded.")
            % {"ref": source_ref},
            status=409,
        )
    outcome = LearningOutcome.objects.create(
        account=account,
        kind=kind,
        title=title.strip(),
        title_en=title_en,
        achieved_on=achieved,
        source=(source or entered_by.display_name or entered_by.username)[:200],
        source_ref=source_ref,
        entered_by=entered_by,
        evidence_url=evidence_url,
        evidence_ref=evidence_ref,
        domain_code=domain_code,
        level_code=level_code,
        level_name=level_name,
        hours=hours_value,
    )
    credits_apply(outcome=outcome)
    return outcome


OUTCOME_IMPORT_FIELDS = (
    "account_number",
    "kind",
    "title",
    "achieved_on",
    "source_ref",
    "evidence_url",
    "evidence_ref",
    "title_en",
    "domain_code",
    "level_code",
    "level_name",
    "hours",
)


@transaction.atomic
def outcomes_import(
    *, entered_by: User, rows: list[dict[str, Any]]
) -> list[LearningOutcome]:
    """Import many institution outcomes at once: all of them, or none with every row's error."""
    if not rows:
        raise ValidationError({"rows": _("There are no rows to import.")})
    created: list[LearningOutcome] = []
    problems: dict[str, list[str]] = {}
    for number, row in enumerate(rows, start=1):
        unknown = sorted(set(row) - set(OUTCOME_IMPORT_FIELDS))
        if unknown:
            problems[f"row {number}"] = [
                _("Unknown columns: %(cols)s.") % {"cols": ", ".join(unknown)}
            ]
            continue
        try:
            with transaction.atomic():
                created.append(
                    outcome_enter(
                        entered_by=entered_by,
                        **{
                            k: ("" if v is None and k != "hours" else v)
                            for k, v in row.items()
                        },
                    )
                )
        except ValidationError as exc:
            problems[f"row {number}"] = (
                [
                    f"{field}: {msg}"
                    for field, msgs in exc.message_dict.items()
                    for msg in msgs
                ]
                if hasattr(exc, "error_dict")
                else exc.messages
            )
        except ApiError as exc:
            problems[f"row {number}"] = [exc.message]
        except TypeError:
            problems[f"row {number}"] = [_("Required columns are missing.")]
    if problems:
        transaction.set_rollback(True)
        raise ValidationError(problems)
    return created


@transaction.atomic
def outcome_revoke(
    *, outcome: LearningOutcome, revoked_by: User | None, reason: str
) -> LearningOutcome:
    """Withdraw an outcome: its credits are reversed and its credentials revoked."""
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("Say why the outcome is revoked.")})
    outcome = LearningOutcome.objects.select_for_update().get(pk=outcome.pk)
    if outcome.revoked_at is not None:
        return outcome
    LearningAccount.objects.select_for_update().get(pk=outcome.account_id)
    now = timezone.now()
    outcome.revoked_at = now
    outcome.revocation_reason = reason.strip()
    outcome.save(update_fields=["revoked_at", "revocation_reason"])
    for award in CreditEntry.objects.filter(
        outcome=outcome, kind=CreditEntry.Kind.AWARD
    ):
        credits, points = credit_award_remaining(award)
        if credits or points:
            credit_entry_append(
                account_id=outcome.account_id,
                kind=CreditEntry.Kind.REVERSAL,
                outcome=outcome,
                rule=award.rule,
                rule_version=award.rule_version,
                corrects=award,
                credits=-credits,
                points=-points,
                period_key=award.period_key,
                reason=(_("Outcome revoked: %(reason)s") % {"reason": reason.strip()})[
                    :300
                ],
                created_by=revoked_by,
            )
    IssuedCredential.objects.filter(outcome=outcome, revoked_at__isnull=True).update(
        revoked_at=now, revocation_reason="outcome revoked"
    )
    return outcome
