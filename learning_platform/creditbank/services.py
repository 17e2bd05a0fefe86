"""Writes of the credit bank: accounts, outcomes, rules, the credit ledger and credentials."""

from __future__ import annotations

import hashlib
import math
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from learning_platform.accounts.models import User
from learning_platform.creditbank import credentials as docs
from learning_platform.creditbank.models import (
    AccountStatus,
    ConversionRule,
    ConversionRuleVersion,
    CreditEntry,
    IssuedCredential,
    LearningAccount,
    LearningOutcome,
    OutcomeDomainScore,
    OutcomeKind,
    RulePeriod,
)
from learning_platform.creditbank.signing import (
    canonical_json,
    proof_add,
    proof_verify,
    signing_key,
)
from learning_platform.districts.models import District
from learning_platform.errors import ApiError

PLATFORM_SOURCE = "市民终身学习监测平台"


class AccountClosed(ApiError):
    """The account is closed (or its closure is requested) and takes no new outcomes."""

    def __init__(self, account: LearningAccount):
        super().__init__(
            "account_closed",
            _("Learning account %(number)s is closed and takes no new records.")
            % {"number": account.number},
            status=409,
        )


# --- accounts ----------------------------------------------------------------


def _luhn_digit(digits: str) -> str:
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char)
        if i % 2 == 0:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return str((10 - total % 10) % 10)


def account_number_valid(number: str) -> bool:
    """Say whether an account number has the right shape and check digit."""
    return len(number) == 12 and number.isdigit() and _luhn_digit(number[:-1]) == number[-1]


def _account_number_new() -> str:
    body = "31" + f"{secrets.randbelow(10**9):09d}"
    return body + _luhn_digit(body)


@transaction.atomic
def account_open(
    *, user: User, district: District | None = None, via: str = LearningAccount.OpenedVia.EXPLICIT
) -> LearningAccount:
    """Open the user's learning account, or return the one they have.

    A closed account is not reopened here: that is an administrator's decision.
    """
    existing = LearningAccount.objects.filter(user=user).first()
    if existing is not None:
        if district is not None and existing.district_id != district.pk:
            existing.district = district
            existing.save(update_fields=["district"])
        return existing
    if not user.is_authenticated or not user.is_active:
        raise ValidationError(_("Only an active user can open a learning account."))
    for _attempt in range(10):
        number = _account_number_new()
        if not LearningAccount.objects.filter(number=number).exists():
            break
    try:
        with transaction.atomic():
            return LearningAccount.objects.create(
                user=user,
                number=number,
                district=district or user.district,
                opened_via=via,
                opened_at=timezone.now(),
            )
    except IntegrityError:
        # A concurrent request opened it first.
        return LearningAccount.objects.get(user=user)


def account_ensure(*, user: User) -> LearningAccount:
    """Return the user's account, opening it on first use."""
    return account_open(user=user, via=LearningAccount.OpenedVia.FIRST_USE)


@transaction.atomic
def account_closure_request(*, account: LearningAccount, reason: str = "") -> LearningAccount:
    """Record the citizen's request to close their account; an administrator completes it."""
    account = LearningAccount.objects.select_for_update().get(pk=account.pk)
    if account.status == AccountStatus.CLOSED:
        raise ApiError("account_closed", _("This account is already closed."), status=409)
    if len(reason) > 2000:
        raise ValidationError({"reason": _("The reason is too long (at most 2000 characters).")})
    account.status = AccountStatus.CLOSURE_REQUESTED
    account.closure_requested_at = account.closure_requested_at or timezone.now()
    account.closure_reason = reason.strip()
    account.save(update_fields=["status", "closure_requested_at", "closure_reason"])
    return account


@transaction.atomic
def account_close(*, account: LearningAccount, closed_by: User | None = None) -> LearningAccount:
    """Close the account: no new records, and every credential issued from it is revoked."""
    account = LearningAccount.objects.select_for_update().get(pk=account.pk)
    if account.status == AccountStatus.CLOSED:
        return account
    now = timezone.now()
    account.status = AccountStatus.CLOSED
    account.closed_at = now
    account.save(update_fields=["status", "closed_at"])
    IssuedCredential.objects.filter(account=account, revoked_at__isnull=True).update(
        revoked_at=now, revocation_reason="account closed"
    )
    return account


def _account_writable(account: LearningAccount) -> None:
    if account.status == AccountStatus.CLOSED:
        raise AccountClosed(account)


# --- outcomes ----------------------------------------------------------------


def _finite(value: Any, *, where: str, allow_none: bool = False) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValidationError(
            {"domain_scores": _("%(where)s must be a finite number, not %(value)r.")
             % {"where": where, "value": value}}
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
            raise ValidationError({"domain_scores": _("%(where)s must be an object.")
                                   % {"where": where}})
        code = entry.get("domain_code")
        if not isinstance(code, str) or not code.strip() or len(code) > 40:
            raise ValidationError(
                {"domain_scores": _("%(where)s.domain_code must be a domain code.")
                 % {"where": where}}
            )
        if code in seen:
            raise ValidationError(
                {"domain_scores": _("%(where)s repeats the domain %(code)s.")
                 % {"where": where, "code": code}}
            )
        seen.add(code)
        theta = _finite(entry.get("theta"), where=f"{where}.theta")
        se = _finite(entry.get("se"), where=f"{where}.se", allow_none=True)
        if se is not None and se < 0:
            raise ValidationError(
                {"domain_scores": _("%(where)s.se must not be negative.") % {"where": where}}
            )
        level = entry.get("level_code") or ""
        if not isinstance(level, str) or len(level) > 40:
            raise ValidationError(
                {"domain_scores": _("%(where)s.level_code must be text.") % {"where": where}}
            )
        cleaned.append({"domain_code": code, "theta": theta, "se": se, "level_code": level})
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
) -> LearningOutcome:
    """Record an assessment result from this platform; idempotent on ``source_ref``.

    Opens the account on first use and applies the conversion rules. Raises
    ``AccountClosed`` (code ``account_closed``) when the account is closed.
    """
    if not source_ref or len(source_ref) > 200:
        raise ValidationError({"source_ref": _("source_ref must be 1 to 200 characters.")})
    existing = LearningOutcome.objects.filter(source_ref=source_ref).first()
    if existing is not None:
        if existing.account.user_id != user.pk:
            raise ValidationError(
                {"source_ref": _("%(ref)s is already recorded for another account.")
                 % {"ref": source_ref}}
            )
        return existing
    if not instrument_code:
        raise ValidationError({"instrument_code": _("instrument_code is required.")})
    if not isinstance(completed_at, datetime):
        raise ValidationError({"completed_at": _("completed_at must be a date and time.")})
    if timezone.is_naive(completed_at):
        raise ValidationError({"completed_at": _("completed_at must carry a time zone.")})
    cleaned = _clean_domain_scores(domain_scores)
    account = account_ensure(user=user)
    _account_writable(account)
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
                details={"completed_at": completed_at.isoformat()},
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
        raise ValidationError({"hours": _("%(value)r is not a number.") % {"value": value}}) \
            from None
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
            _("%(kind)r is not one of %(kinds)s.") % {"kind": kind, "kinds": ", ".join(INSTITUTION_KINDS)}
        )
    if not title or not title.strip() or len(title) > 200:
        errors.setdefault("title", []).append(_("A title of 1 to 200 characters is required."))
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
        errors.setdefault("source_ref", []).append(_("References are at most 200 characters."))
    if errors:
        raise ValidationError(errors)
    achieved = _parse_date(achieved_on, field="achieved_on")
    if achieved > timezone.localdate():
        raise ValidationError({"achieved_on": _("An outcome cannot be achieved in the future.")})
    hours_value = _parse_hours(hours)
    account = LearningAccount.objects.filter(number=account_number.strip()).first()
    if account is None:
        raise ApiError(
            "account_not_found",
            _("There is no learning account numbered %(number)s.") % {"number": account_number},
            status=404,
        )
    _account_writable(account)
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
    "account_number", "kind", "title", "achieved_on", "source_ref", "evidence_url",
    "evidence_ref", "title_en", "domain_code", "level_code", "level_name", "hours",
)


@transaction.atomic
def outcomes_import(*, entered_by: User, rows: list[dict[str, Any]]) -> list[LearningOutcome]:
    """Import many institution outcomes at once: all of them, or none with every row's error."""
    if not rows:
        raise ValidationError({"rows": _("There are no rows to import.")})
    created: list[LearningOutcome] = []
    problems: dict[str, list[str]] = {}
    for number, row in enumerate(rows, start=1):
        unknown = sorted(set(row) - set(OUTCOME_IMPORT_FIELDS))
        if unknown:
            problems[f"row {number}"] = [_("Unknown columns: %(cols)s.")
                                         % {"cols": ", ".join(unknown)}]
            continue
        try:
            with transaction.atomic():
                created.append(outcome_enter(entered_by=entered_by, **{
                    k: ("" if v is None and k != "hours" else v) for k, v in row.items()
                }))
        except ValidationError as exc:
            problems[f"row {number}"] = [
                f"{field}: {msg}" for field, msgs in exc.message_dict.items() for msg in msgs
            ] if hasattr(exc, "error_dict") else exc.messages
        except ApiError as exc:
            problems[f"row {number}"] = [exc.message]
        except TypeError:
            problems[f"row {number}"] = [_("Required columns are missing.")]
    if problems:
        transaction.set_rollback(True)
        raise ValidationError(problems)
    return created


@transaction.atomic
def outcome_revoke(*, outcome: LearningOutcome, revoked_by: User | None, reason: str) -> LearningOutcome:
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
    for award in CreditEntry.objects.filter(outcome=outcome, kind=CreditEntry.Kind.AWARD):
        credits, points = _award_remaining(award)
        if credits or points:
            _entry_append(
                account_id=outcome.account_id, kind=CreditEntry.Kind.REVERSAL, outcome=outcome,
                rule=award.rule, rule_version=award.rule_version, corrects=award,
                credits=-credits, points=-points, period_key=award.period_key,
                reason=(_("Outcome revoked: %(reason)s") % {"reason": reason.strip()})[:300],
                created_by=revoked_by,
            )
    IssuedCredential.objects.filter(outcome=outcome, revoked_at__isnull=True).update(
        revoked_at=now, revocation_reason="outcome revoked"
    )
    return outcome


# --- conversion rules ----------------------------------------------------------

RULE_FIELDS = (
    "name", "name_en", "outcome_kind", "domain_code", "level_codes", "credits", "points",
    "cap_period", "cap_credits", "cap_points", "valid_months", "valid_from", "valid_to", "active",
)


def _rule_snapshot(rule: ConversionRule) -> dict[str, Any]:
    data: dict[str, Any] = {"code": rule.code}
    for field in RULE_FIELDS:
        value = getattr(rule, field)
        if isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, date):
            value = value.isoformat()
        data[field] = value
    return data


@transaction.atomic
def conversion_rule_save(
    *, code: str, data: dict[str, Any], changed_by: User | None, comment: str = ""
) -> ConversionRule:
    """Create or change a conversion rule, keeping the new state as its next version.

    Outcomes already credited keep their entries; the new version applies from now on.
    """
    unknown = sorted(set(data) - set(RULE_FIELDS))
    if unknown:
        raise ValidationError({f: _("Unknown rule field.") for f in unknown})
    rule = ConversionRule.objects.select_for_update().filter(code=code).first()
    if rule is None:
        rule = ConversionRule(code=code)
    for field, value in data.items():
        setattr(rule, field, value)
    if not isinstance(rule.level_codes, list) or not all(
        isinstance(c, str) and c for c in rule.level_codes
    ):
        raise ValidationError({"level_codes": _("Levels must be a list of level codes.")})
    if rule.valid_from and rule.valid_to and rule.valid_from > rule.valid_to:
        raise ValidationError({"valid_to": _("The rule ends before it begins.")})
    if rule.cap_period == RulePeriod.NONE and (rule.cap_credits is not None or rule.cap_points is not None):
        raise ValidationError({"cap_period": _("A cap needs a period (month or year).")})
    if rule.cap_period != RulePeriod.NONE and rule.cap_credits is None and rule.cap_points is None:
        raise ValidationError({"cap_credits": _("A cap period needs a credit or point cap.")})
    rule.full_clean(exclude=["version"])
    if rule.pk is not None and _rule_snapshot(rule) == ConversionRuleVersion.objects.filter(
        rule=rule
    ).order_by("-version").values_list("data", flat=True).first():
        return rule
    rule.version = (rule.version or 0) + 1
    rule.save()
    ConversionRuleVersion.objects.create(
        rule=rule, version=rule.version, data=_rule_snapshot(rule),
        changed_by=changed_by, comment=comment[:300],
    )
    return rule


# --- the credit ledger ----------------------------------------------------------


def _entry_append(*, account_id: int, credits: Decimal, points: int, **fields: Any) -> CreditEntry:
    """Append one ledger entry and move the account's balances in one F() update."""
    entry = CreditEntry.objects.create(account_id=account_id, credits=credits, points=points,
                                       **fields)
    LearningAccount.objects.filter(pk=account_id).update(
        credits_balance=F("credits_balance") + credits, points_balance=F("points_balance") + points
    )
    return entry


def _period_key(rule: ConversionRule, day: date) -> str:
    if rule.cap_period == RulePeriod.YEAR:
        return f"{day.year}"
    if rule.cap_period == RulePeriod.MONTH:
        return f"{day.year}-{day.month:02d}"
    return ""


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def _rule_matches(rule: ConversionRule, outcome: LearningOutcome) -> bool:
    if not rule.active or rule.outcome_kind != outcome.kind:
        return False
    if rule.valid_from and outcome.achieved_on < rule.valid_from:
        return False
    if rule.valid_to and outcome.achieved_on > rule.valid_to:
        return False
    if rule.domain_code:
        domains = {outcome.domain_code} | {
            s.domain_code for s in outcome.domain_scores.all()
        }
        if rule.domain_code not in domains and not any(
            d.startswith(rule.domain_code + ".") for d in domains if d
        ):
            return False
    if rule.level_codes:
        levels = {outcome.level_code} if outcome.level_code else set()
        if rule.domain_code:
            levels |= {s.level_code for s in outcome.domain_scores.all()
                       if s.domain_code == rule.domain_code and s.level_code}
        if not levels & set(rule.level_codes):
            return False
    return True


def _used_in_period(*, account_id: int, rule: ConversionRule, period_key: str) -> tuple[Decimal, int]:
    # Expiry does not free room under a cap; awards, corrections and reversals count.
    totals = CreditEntry.objects.filter(
        account_id=account_id, rule=rule, period_key=period_key
    ).exclude(kind=CreditEntry.Kind.EXPIRY).aggregate(c=Sum("credits"), p=Sum("points"))
    return totals["c"] or Decimal("0"), totals["p"] or 0


@dataclass(frozen=True)
class RuleApplication:
    rule_code: str
    entry: CreditEntry | None
    capped: bool
    note: str


@transaction.atomic
def credits_apply(*, outcome: LearningOutcome) -> list[RuleApplication]:
    """Apply every matching active rule to an outcome once, within each rule's caps."""
    if outcome.revoked_at is not None:
        return []
    # Lock the account so concurrent awards cannot both fit under one cap.
    account = LearningAccount.objects.select_for_update().get(pk=outcome.account_id)
    if account.status == AccountStatus.CLOSED:
        return []
    applied: list[RuleApplication] = []
    for rule in ConversionRule.objects.filter(active=True, outcome_kind=outcome.kind).order_by("pk"):
        if not _rule_matches(rule, outcome):
            continue
        if CreditEntry.objects.filter(outcome=outcome, rule=rule, kind=CreditEntry.Kind.AWARD).exists():
            continue
        period_key = _period_key(rule, outcome.achieved_on)
        credits, points = rule.credits, rule.points
        capped = False
        if period_key:
            used_c, used_p = _used_in_period(account_id=account.pk, rule=rule, period_key=period_key)
            if rule.cap_credits is not None and credits > rule.cap_credits - used_c:
                credits, capped = max(Decimal("0"), rule.cap_credits - used_c), True
            if rule.cap_points is not None and points > rule.cap_points - used_p:
                points, capped = max(0, rule.cap_points - used_p), True
        if not credits and not points:
            applied.append(RuleApplication(rule.code, None, capped,
                                           _("The cap for this period is reached.")))
            continue
        expires = _add_months(outcome.achieved_on, rule.valid_months) if rule.valid_months else None
        entry = _entry_append(
            account_id=account.pk, kind=CreditEntry.Kind.AWARD, outcome=outcome, rule=rule,
            rule_version=rule.version, credits=credits, points=points, period_key=period_key,
            expires_on=expires,
            reason=(_("Capped at the %(period)s limit") % {"period": rule.get_cap_period_display()}
                    if capped else ""),
        )
        applied.append(RuleApplication(rule.code, entry, capped, entry.reason))
    return applied


def _award_remaining(award: CreditEntry) -> tuple[Decimal, int]:
    totals = CreditEntry.objects.filter(Q(pk=award.pk) | Q(corrects=award)).aggregate(
        c=Sum("credits"), p=Sum("points")
    )
    return totals["c"] or Decimal("0"), totals["p"] or 0


@transaction.atomic
def credit_correct(
    *, entry: CreditEntry, credits: Decimal | int | str, points: int = 0, reason: str,
    corrected_by: User | None,
) -> CreditEntry:
    """Correct an award by appending an entry with the difference; the award stays as it was."""
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("Say why the credits are corrected.")})
    try:
        delta = Decimal(str(credits)).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValidationError({"credits": _("%(v)r is not a number.") % {"v": credits}}) from None
    if not isinstance(points, int) or isinstance(points, bool):
        raise ValidationError({"points": _("Points must be a whole number.")})
    if not delta and not points:
        raise ValidationError({"credits": _("A correction must change something.")})
    award = CreditEntry.objects.get(pk=entry.pk)
    if award.kind != CreditEntry.Kind.AWARD:
        raise ValidationError({"entry": _("Only an award can be corrected.")})
    LearningAccount.objects.select_for_update().get(pk=award.account_id)
    remaining_c, remaining_p = _award_remaining(award)
    if remaining_c + delta < 0 or remaining_p + points < 0:
        raise ValidationError(
            {"credits": _("The correction would take the award below zero "
                          "(%(c)s credits and %(p)s points remain).")
             % {"c": remaining_c, "p": remaining_p}}
        )
    return _entry_append(
        account_id=award.account_id, kind=CreditEntry.Kind.CORRECTION, outcome=award.outcome,
        rule=award.rule, rule_version=award.rule_version, corrects=award, credits=delta,
        points=points, period_key=award.period_key, reason=reason.strip()[:300],
        created_by=corrected_by,
    )


@transaction.atomic
def credits_expire(*, today: date | None = None) -> list[CreditEntry]:
    """Append expiry entries for awards whose validity has run out; running twice adds nothing."""
    today = today or timezone.localdate()
    written: list[CreditEntry] = []
    due = CreditEntry.objects.filter(
        kind=CreditEntry.Kind.AWARD, expires_on__lte=today
    ).exclude(adjustments__kind=CreditEntry.Kind.EXPIRY).order_by("account_id", "pk")
    for award in due:
        LearningAccount.objects.select_for_update().get(pk=award.account_id)
        credits, points = _award_remaining(award)
        if not credits and not points:
            continue
        written.append(_entry_append(
            account_id=award.account_id, kind=CreditEntry.Kind.EXPIRY, outcome=award.outcome,
            rule=award.rule, rule_version=award.rule_version, corrects=award,
            credits=-credits, points=-points, period_key=award.period_key,
            reason=_("Expired on %(day)s") % {"day": award.expires_on.isoformat()},
        ))
    return written


# --- credentials -------------------------------------------------------------


def _outcome_credits(outcome: LearningOutcome) -> Decimal:
    return CreditEntry.objects.filter(outcome=outcome).exclude(
        kind=CreditEntry.Kind.EXPIRY
    ).aggregate(c=Sum("credits"))["c"] or Decimal("0")


def _issue(*, account: LearningAccount, outcome: LearningOutcome | None, fmt: str,
           build) -> dict[str, Any]:
    key = signing_key()
    credential_id = uuid.uuid4()
    issued_at = datetime.now(UTC).replace(microsecond=0)
    document = proof_add(build(str(credential_id), issued_at, key.did), key=key)
    IssuedCredential.objects.create(
        id=credential_id, account=account, outcome=outcome, format=fmt, issued_at=issued_at,
        key_id=key.verification_method,
        document_sha256=hashlib.sha256(canonical_json(document)).hexdigest(),
    )
    return document


@transaction.atomic
def credential_issue_badge(*, outcome: LearningOutcome, base_url: str) -> dict[str, Any]:
    """Sign and record an Open Badges 3.0 credential for one outcome."""
    outcome.refresh_from_db(fields=["revoked_at"])
    if outcome.revoked_at is not None:
        raise ApiError("outcome_revoked", _("A revoked outcome cannot be exported."), status=409)
    _account_writable(LearningAccount.objects.get(pk=outcome.account_id))
    credits = _outcome_credits(outcome)
    return _issue(
        account=outcome.account, outcome=outcome, fmt=IssuedCredential.Format.OPEN_BADGE,
        build=lambda cid, at, did: docs.badge_document(
            outcome=outcome, credential_id=cid, issued_at=at, did=did, base_url=base_url,
            credits=credits,
        ),
    )


@transaction.atomic
def credential_issue_clr(*, account: LearningAccount, base_url: str) -> dict[str, Any]:
    """Sign and record a CLR 2.0 document of the whole record, with a badge per outcome."""
    _account_writable(account)
    outcomes = list(
        account.outcomes.filter(revoked_at__isnull=True).prefetch_related("domain_scores")
        .order_by("achieved_on", "pk")
    )
    badges = [credential_issue_badge(outcome=o, base_url=base_url) for o in outcomes]
    total = CreditEntry.objects.filter(account=account).aggregate(c=Sum("credits"))["c"] or 0
    return _issue(
        account=account, outcome=None, fmt=IssuedCredential.Format.CLR,
        build=lambda cid, at, did: docs.clr_document(
            account=account, credential_id=cid, issued_at=at, did=did, base_url=base_url,
            badges=badges, outcomes=outcomes, total_credits=Decimal(total),
        ),
    )


@transaction.atomic
def credential_revoke(*, credential: IssuedCredential, reason: str) -> IssuedCredential:
    """Revoke one issued credential."""
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("Say why the credential is revoked.")})
    if credential.revoked_at is None:
        credential.revoked_at = timezone.now()
        credential.revocation_reason = reason.strip()[:300]
        credential.save(update_fields=["revoked_at", "revocation_reason"])
    return credential


@dataclass(frozen=True)
class Verification:
    status: str  # "valid" | "tampered" | "revoked" | "unknown"
    message: str
    credential_id: str | None = None
    credential_type: str | None = None
    issued_at: datetime | None = None
    revoked_at: datetime | None = None
    embedded: tuple[Verification, ...] = ()


def credential_verify(document: Any) -> Verification:
    """Check a presented credential: signature, that this platform issued it, revocation."""
    check = proof_verify(document)
    if not check.ok:
        return Verification("tampered", check.reason)
    key = signing_key()
    if check.verification_method != key.verification_method:
        return Verification("unknown", _("The credential was not signed with this platform's key."))
    raw_id = str(document.get("id", ""))
    try:
        credential_uuid = uuid.UUID(raw_id.removeprefix("urn:uuid:"))
        credential = IssuedCredential.objects.select_related("account", "outcome").get(
            pk=credential_uuid
        )
    except (ValueError, IssuedCredential.DoesNotExist):
        return Verification("unknown", _("This platform has no record of that credential."))
    kind = credential.get_format_display()
    if credential.document_sha256 != hashlib.sha256(canonical_json(document)).hexdigest():
        return Verification("tampered", _("The document differs from the one issued."),
                            str(credential.pk), kind)
    embedded: tuple[Verification, ...] = ()
    if credential.format == IssuedCredential.Format.CLR:
        inner = document.get("credentialSubject", {}).get("verifiableCredential", [])
        embedded = tuple(credential_verify(d) for d in inner if isinstance(d, dict))
    revoked_at = credential.revoked_at
    if revoked_at is None and credential.outcome is not None and credential.outcome.revoked_at:
        revoked_at = credential.outcome.revoked_at
    if revoked_at is None and credential.account.status == AccountStatus.CLOSED:
        revoked_at = credential.account.closed_at
    if revoked_at is not None:
        return Verification("revoked", _("The credential was revoked."), str(credential.pk),
                            kind, credential.issued_at, revoked_at, embedded)
    if any(e.status != "valid" for e in embedded):
        return Verification("revoked", _("A credential inside this record is no longer valid."),
                            str(credential.pk), kind, credential.issued_at, None, embedded)
    return Verification("valid", _("The credential is authentic and in force."),
                        str(credential.pk), kind, credential.issued_at, None, embedded)
