"""The append-only credit ledger: awards by rule, corrections, expiry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from learning_platform.accounts.models import User
from learning_platform.creditbank.models import (
    AccountStatus,
    ConversionRule,
    CreditEntry,
    ExpiryRun,
    LearningAccount,
    LearningOutcome,
    RulePeriod,
)
from learning_platform.numbers import decimal_check, int_check

# --- the credit ledger ----------------------------------------------------------


def credit_entry_append(
    *, account_id: int, credits: Decimal, points: int, **fields: Any
) -> CreditEntry:
    """Append one ledger entry and move the account's balances in one F() update.

    The entry and the balances it moves must fit their columns, or the account's
    pages could no longer be read; the caller holds the account's row lock.
    """
    credits = decimal_check(credits, field="credits", max_digits=9, decimal_places=2)
    points = int_check(points, field="points")
    balance = LearningAccount.objects.values("credits_balance", "points_balance").get(
        pk=account_id
    )
    decimal_check(
        balance["credits_balance"] + credits,
        field="credits",
        max_digits=10,
        decimal_places=2,
    )
    int_check(balance["points_balance"] + points, field="points")
    entry = CreditEntry.objects.create(
        account_id=account_id, credits=credits, points=points, **fields
    )
    LearningAccount.objects.filter(pk=account_id).update(
        credits_balance=F("credits_balance") + credits,
        points_balance=F("points_balance") + points,
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
            levels |= {
                s.level_code
                for s in outcome.domain_scores.all()
                if s.domain_code == rule.domain_code and s.level_code
            }
        if not levels & set(rule.level_codes):
            return False
    return True


def _used_in_period(
    *, account_id: int, rule: ConversionRule, period_key: str
) -> tuple[Decimal, int]:
    # Expiry does not free room under a cap; awards, corrections and reversals count.
    totals = (
        CreditEntry.objects.filter(
            account_id=account_id, rule=rule, period_key=period_key
        )
        .exclude(kind=CreditEntry.Kind.EXPIRY)
        .aggregate(c=Sum("credits"), p=Sum("points"))
    )
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
    for rule in ConversionRule.objects.filter(
        active=True, outcome_kind=outcome.kind
    ).order_by("pk"):
        if not _rule_matches(rule, outcome):
            continue
        if CreditEntry.objects.filter(
            outcome=outcome, rule=rule, kind=CreditEntry.Kind.AWARD
        ).exists():
            continue
        period_key = _period_key(rule, outcome.achieved_on)
        credits, points = rule.credits, rule.points
        capped = False
        if period_key:
            used_c, used_p = _used_in_period(
                account_id=account.pk, rule=rule, period_key=period_key
            )
            if rule.cap_credits is not None and credits > rule.cap_credits - used_c:
                credits, capped = max(Decimal("0"), rule.cap_credits - used_c), True
            if rule.cap_points is not None and points > rule.cap_points - used_p:
                points, capped = max(0, rule.cap_points - used_p), True
        if not credits and not points:
            applied.append(
                RuleApplication(
                    rule.code, None, capped, _("The cap for this period is reached.")
                )
            )
            continue
        expires = (
            _add_months(outcome.achieved_on, rule.valid_months)
            if rule.valid_months
            else None
        )
        entry = credit_entry_append(
            account_id=account.pk,
            kind=CreditEntry.Kind.AWARD,
            outcome=outcome,
            rule=rule,
            rule_version=rule.version,
            credits=credits,
            points=points,
            period_key=period_key,
            expires_on=expires,
            reason=(
                _("Capped at the %(period)s limit")
                % {"period": rule.get_cap_period_display()}
                if capped
                else ""
            ),
        )
        applied.append(RuleApplication(rule.code, entry, capped, entry.reason))
    return applied


def credit_award_remaining(award: CreditEntry) -> tuple[Decimal, int]:
    """What the award still holds: its own amounts and its adjustments' (one index range)."""
    totals = CreditEntry.objects.filter(corrects_id=award.pk).aggregate(
        c=Sum("credits"), p=Sum("points")
    )
    return award.credits + (totals["c"] or Decimal("0")), award.points + (
        totals["p"] or 0
    )


@transaction.atomic
def credit_correct(
    *,
    entry: CreditEntry,
    credits: Decimal | int | str,
    points: int = 0,
    reason: str,
    corrected_by: User | None,
) -> CreditEntry:
    """Correct an award by appending an entry with the difference; the award stays as it was."""
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("Say why the credits are corrected.")})
    delta = decimal_check(credits, field="credits", max_digits=9, decimal_places=2)
    if not isinstance(points, int) or isinstance(points, bool):
        raise ValidationError({"points": _("Points must be a whole number.")})
    int_check(points, field="points")
    if not delta and not points:
        raise ValidationError({"credits": _("A correction must change something.")})
    award = CreditEntry.objects.get(pk=entry.pk)
    if award.kind != CreditEntry.Kind.AWARD:
        raise ValidationError({"entry": _("Only an award can be corrected.")})
    LearningAccount.objects.select_for_update().get(pk=award.account_id)
    remaining_c, remaining_p = credit_award_remaining(award)
    if remaining_c + delta < 0 or remaining_p + points < 0:
        raise ValidationError(
            {
                "credits": _(
                    "The correction would take the award below zero "
                    "(%(c)s credits and %(p)s points remain)."
                )
                % {"c": remaining_c, "p": remaining_p}
            }
        )
    return credit_entry_append(
        account_id=award.account_id,
        kind=CreditEntry.Kind.CORRECTION,
        outcome=award.outcome,
        rule=award.rule,
        rule_version=award.rule_version,
        corrects=award,
        credits=delta,
        points=points,
        period_key=award.period_key,
        reason=reason.strip()[:300],
        created_by=corrected_by,
    )


def awards_due_to_expire(
    *, today: date, since: ExpiryRun | None = None
) -> QuerySet[CreditEntry]:
    """Awards whose validity has run out by ``today`` and that have not been expired or reversed.

    An expiry or a reversal takes all that is left of an award, so an award with either
    has nothing to expire; leaving both out here keeps revoked outcomes' awards from
    being read again every day. With ``since`` (the last finished run), only awards
    expiring after the day it reached, or appended after it started, are read: along
    the partial index ``cb_award_expiry`` and the primary key, so the lookup does not
    grow with the ledger's history. Without it every award is looked at.
    """
    due = CreditEntry.objects.filter(kind=CreditEntry.Kind.AWARD, expires_on__lte=today)
    if since is not None:
        # The candidates first, each part along its own index; given their ids, the
        # planner knows how few they are and probes their adjustments one by one
        # (over an OR it guessed half a million rows and hashed every adjustment).
        window = due.filter(expires_on__gt=since.through).order_by()
        late = due.filter(pk__gt=since.last_entry_id).order_by()
        ids = window.values_list("pk", flat=True).union(
            late.values_list("pk", flat=True)
        )
        due = CreditEntry.objects.filter(pk__in=list(ids))
    # NOT EXISTS, probed along the index on ``corrects`` for each due award; an exclude()
    # over the relation becomes NOT IN, which hashes every expiry and reversal ever written.
    settled = CreditEntry.objects.filter(
        corrects=OuterRef("pk"),
        kind__in=[CreditEntry.Kind.EXPIRY, CreditEntry.Kind.REVERSAL],
    )
    return due.filter(~Exists(settled)).order_by("account_id", "pk")


def expiry_last_run() -> ExpiryRun | None:
    """The last finished run of the expiry job, or None before the first."""
    return ExpiryRun.objects.order_by("-finished_at", "-id").first()


def credits_expire(
    *, today: date | None = None, full: bool = False
) -> list[CreditEntry]:
    """Append expiry entries for awards whose validity has run out; running twice adds nothing.

    Each award is expired in a transaction of its own under its account's row lock, so
    the job never holds thousands of accounts at once; what remains is read again under
    the lock, so a concurrent run (or a correction) cannot expire an award twice.
    A run starts where the last finished run stopped (``full=True`` looks at every
    award) and records how far it reached only when it has finished, so a run that
    dies is made good by the next.
    """
    today = today or timezone.localdate()
    started_at = timezone.now()
    last_entry_id = (
        CreditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    )
    since = None if full else expiry_last_run()
    written: list[CreditEntry] = []
    due = list(
        awards_due_to_expire(today=today, since=since).select_related("rule", "outcome")
    )
    for award in due:
        with transaction.atomic():
            LearningAccount.objects.select_for_update().get(pk=award.account_id)
            credits, points = credit_award_remaining(award)
            if not credits and not points:
                continue
            written.append(
                credit_entry_append(
                    account_id=award.account_id,
                    kind=CreditEntry.Kind.EXPIRY,
                    outcome=award.outcome,
                    rule=award.rule,
                    rule_version=award.rule_version,
                    corrects=award,
                    credits=-credits,
                    points=-points,
                    period_key=award.period_key,
                    reason=_("Expired on %(day)s")
                    % {"day": award.expires_on.isoformat()},
                )
            )
    if since is None or today >= since.through:
        ExpiryRun.objects.create(
            through=today,
            last_entry_id=last_entry_id,
            started_at=started_at,
            written=len(written),
        )
    return written
