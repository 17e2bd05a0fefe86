"""Reads of the credit bank; each one that reaches a citizen's data takes the asking user.

Citizens see their own account, institutions the outcomes they entered,
administrators everything, district roles only counts. A row the user may not
see raises the same ``DoesNotExist`` as a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from itembank.selectors import level_display_name
from learning_platform.accounts.models import User
from learning_platform.accounts.roles import Role
from learning_platform.accounts.selectors import (
    user_acting_district_id,
    user_is_researcher,
    user_roles,
)
from learning_platform.creditbank.models import (
    AccountStatus,
    ConversionRule,
    CreditEntry,
    DistrictAccountTally,
    IssuedCredential,
    LearningAccount,
    LearningOutcome,
    OutcomeKind,
)
from learning_platform.creditbank.suggestions import (
    Suggestion,
    domain_name,
    suggestions_for,
)
from learning_platform.districts.models import District, DistrictYearFigure
from learning_platform.errors import NotFound

DATA_ITEM_ACCOUNT_SHARE = "学分银行开户数占比"


def _is_admin(user: User | AnonymousUser) -> bool:
    return Role.ADMINISTRATOR in user_roles(user=user)


def account_for_user(*, user: User | AnonymousUser) -> LearningAccount:
    """Return the user's own account; ``LearningAccount.DoesNotExist`` when there is none."""
    if not user.is_authenticated:
        raise LearningAccount.DoesNotExist
    return LearningAccount.objects.select_related("district", "user").get(user=user)


def account_exists_for(*, user: User | AnonymousUser) -> bool:
    """Whether the user has opened a learning account."""
    return user.is_authenticated and LearningAccount.objects.filter(user=user).exists()


def credit_entry_for(*, user: User | AnonymousUser, entry_id: int) -> CreditEntry:
    """Return a ledger entry an administrator may correct; ``NotFound`` if it is missing
    or the user is no administrator (a citizen's entries are reached through their
    account, never by id)."""
    entry = (
        CreditEntry.objects.filter(pk=entry_id).first()
        if user.is_authenticated and _is_admin(user)
        else None
    )
    if entry is None:
        raise NotFound(f"no credit entry {entry_id}")
    return entry


def outcomes_visible_to(*, user: User | AnonymousUser) -> QuerySet[LearningOutcome]:
    """Return the outcomes the user may read: their own, those they entered, or all (admin)."""
    outcomes = LearningOutcome.objects.select_related("account", "account__user")
    if not user.is_authenticated:
        return outcomes.none()
    if _is_admin(user):
        return outcomes
    roles = user_roles(user=user)
    condition = Q(account__user=user)
    if Role.INSTITUTION in roles:
        condition |= Q(entered_by=user)
    return outcomes.filter(condition)


def outcome_get_for_user(
    *, user: User | AnonymousUser, outcome_id: int
) -> LearningOutcome:
    """Return one outcome the user may read, or raise ``LearningOutcome.DoesNotExist``."""
    return (
        outcomes_visible_to(user=user)
        .prefetch_related("domain_scores")
        .get(pk=outcome_id)
    )


def outcome_get_own(*, user: User | AnonymousUser, outcome_id: int) -> LearningOutcome:
    """Return one outcome in the user's own account (for exports only the holder may make)."""
    if not user.is_authenticated:
        raise LearningOutcome.DoesNotExist
    return (
        LearningOutcome.objects.select_related("account", "account__user")
        .prefetch_related("domain_scores")
        .get(pk=outcome_id, account__user=user)
    )


PROFILE_LEDGER_ENTRIES = 20
LEDGER_PAGE_MAX = 500


def credit_entries_for_account(*, account: LearningAccount) -> QuerySet[CreditEntry]:
    return CreditEntry.objects.filter(account=account).select_related("rule", "outcome")


def ledger_page(
    *,
    account: LearningAccount,
    limit: int = PROFILE_LEDGER_ENTRIES,
    before: int | None = None,
) -> QuerySet[CreditEntry]:
    """The account's latest entries, newest first; ``before`` (an entry id) pages back.

    Keyset pagination on ``(created_at, id)`` along the index
    ``cb_entry_account_latest``: a page costs the same on the first and the
    hundredth page, and whatever the size of the bank.
    """
    entries = credit_entries_for_account(account=account)
    if before is not None:
        anchor = (
            CreditEntry.objects.filter(account=account, pk=before)
            .values("created_at")
            .first()
        )
        if anchor is None:
            raise ValidationError(
                {
                    "before": _("There is no entry %(id)s in this account.")
                    % {"id": before}
                }
            )
        entries = entries.filter(
            Q(created_at__lt=anchor["created_at"])
            | Q(created_at=anchor["created_at"], pk__lt=before)
        )
    return entries.order_by("-created_at", "-pk")[:limit]


def ledger_after(
    *, account: LearningAccount, after: int | None = None, limit: int = LEDGER_PAGE_MAX
) -> QuerySet[CreditEntry]:
    """The account's entries oldest first, from the one after ``after`` (an entry id) on.

    Entries are appended, so ids grow with time: keyset pagination on the id.
    """
    entries = credit_entries_for_account(account=account)
    if after is not None:
        entries = entries.filter(pk__gt=after)
    return entries.order_by("pk")[:limit]


def credits_expiring(*, account: LearningAccount, today: date) -> QuerySet[CreditEntry]:
    """Awards of the account that still hold credits and will expire, soonest first."""
    return (
        credit_entries_for_account(account=account)
        .filter(kind=CreditEntry.Kind.AWARD, expires_on__gt=today)
        .exclude(
            adjustments__kind__in=[CreditEntry.Kind.EXPIRY, CreditEntry.Kind.REVERSAL]
        )
        .order_by("expires_on", "pk")
    )


def conversion_rules_published() -> QuerySet[ConversionRule]:
    """Return the active rules, which are public."""
    return ConversionRule.objects.filter(active=True).order_by("outcome_kind", "code")


# --- district counts --------------------------------------------------------------


@dataclass(frozen=True)
class DistrictAccountCount:
    district_code: str
    district_name: str
    year: int
    accounts: int
    resident_population: int | None
    population_year: int | None
    share_percent: (
        Decimal | None
    )  # 学分银行开户数占比 (%), accounts ÷ resident population × 100


def _counts_scope(user: User | AnonymousUser) -> QuerySet[District]:
    if user_is_researcher(user=user):
        return District.objects.all()
    district_id = user_acting_district_id(user=user)
    if district_id:
        return District.objects.filter(pk=district_id)
    raise PermissionDenied(_("Only district staff and researchers see account counts."))


def account_counts_queryset(
    *, year: int, district_ids: list[int] | None = None
) -> QuerySet:
    """Accounts open at the end of ``year``, grouped by district: rows of ``district_id``, ``n``.

    Read from the tally (``DistrictAccountTally``), not the accounts: Σ opened − Σ closed
    over the days before 1 January of ``year + 1`` (local days in settings.TIME_ZONE), so
    the cost grows with days × districts, not with the accounts. A district whose every
    account was closed or moved away may appear with ``n`` = 0.
    """
    tallies = DistrictAccountTally.objects.filter(day__lt=date(year + 1, 1, 1))
    if district_ids is not None:
        tallies = tallies.filter(district_id__in=district_ids)
    return (
        tallies.values("district_id")
        .annotate(n=Sum("opened") - Sum("closed"))
        .order_by("district_id")
    )


def account_tally_live_sql(connection: Any) -> tuple[str, list[Any]]:
    """SQL (and its parameters) giving rows of district_id, day, opened, closed live from the
    accounts, days local in settings.TIME_ZONE; accounts without a district are left out.

    One pass over the accounts grouped in the database: ``account_tally_rebuild`` inserts
    its rows, ``account_tally_differences`` compares them with the tally.
    """
    table = connection.ops.quote_name(LearningAccount._meta.db_table)
    tz = settings.TIME_ZONE
    opened_day, opened_params = connection.ops.datetime_cast_date_sql(
        "opened_at", (), tz
    )
    closed_day, closed_params = connection.ops.datetime_cast_date_sql(
        "closed_at", (), tz
    )
    sql = (
        "SELECT district_id, day, SUM(opened) AS opened, SUM(closed) AS closed FROM ("
        f"SELECT district_id, {opened_day} AS day, 1 AS opened, 0 AS closed FROM {table} "
        "WHERE district_id IS NOT NULL "
        f"UNION ALL SELECT district_id, {closed_day} AS day, 0 AS opened, 1 AS closed "
        f"FROM {table} WHERE district_id IS NOT NULL AND closed_at IS NOT NULL"
        ") changes GROUP BY district_id, day"
    )
    return sql, [*opened_params, *closed_params]


@dataclass(frozen=True)
class TallyDifference:
    """One district and day where the tally and the accounts disagree."""

    district_code: str
    day: date
    opened_tally: int
    opened_live: int
    closed_tally: int
    closed_live: int

    def __str__(self) -> str:
        return (
            f"district {self.district_code} on {self.day}: opened {self.opened_tally} in "
            f"the tally, {self.opened_live} live; closed {self.closed_tally} in the tally, "
            f"{self.closed_live} live"
        )


def account_tally_differences() -> list[TallyDifference]:
    """Where the tally disagrees with a live count of the accounts, by district and day."""
    sql, params = account_tally_live_sql(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        live = {
            (district_id, _as_date(day)): (int(o), int(c))
            for district_id, day, o, c in cursor.fetchall()
        }
    tally = {
        (district_id, day): (o, c)
        for district_id, day, o, c in DistrictAccountTally.objects.values_list(
            "district_id", "day", "opened", "closed"
        )
    }
    codes = dict(District.objects.values_list("pk", "code"))
    differences = []
    for key in sorted(live.keys() | tally.keys()):
        have, want = tally.get(key, (0, 0)), live.get(key, (0, 0))
        if have != want:
            differences.append(
                TallyDifference(
                    district_code=codes.get(key[0], str(key[0])),
                    day=key[1],
                    opened_tally=have[0],
                    opened_live=want[0],
                    closed_tally=have[1],
                    closed_live=want[1],
                )
            )
    return differences


def _as_date(value: date | str) -> date:
    # SQLite returns the cast day as text
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def account_counts_by_district(
    *, user: User | AnonymousUser, year: int | None = None
) -> list[DistrictAccountCount]:
    """Count accounts open at the end of a year per district, with their share of residents.

    District roles see their own district only; nobody sees who holds an account.
    """
    year = year or timezone.localdate().year
    if year < 2000 or year > 2100:
        raise ValidationError({"year": _("The year must be between 2000 and 2100.")})
    districts = list(_counts_scope(user))
    counts = dict(
        account_counts_queryset(
            year=year, district_ids=[d.pk for d in districts]
        ).values_list("district_id", "n")
    )
    figures: dict[int, DistrictYearFigure] = {}
    for figure in DistrictYearFigure.objects.filter(
        district__in=districts, year__lte=year
    ).order_by("district_id", "-year"):
        figures.setdefault(figure.district_id, figure)
    rows = []
    for district in districts:
        figure = figures.get(district.pk)
        population = int(figure.resident_population_10k * 10000) if figure else None
        share = None
        if population:
            share = (Decimal(counts.get(district.pk, 0)) * 100 / population).quantize(
                Decimal("0.0001"), rounding=ROUND_HALF_UP
            )
        rows.append(
            DistrictAccountCount(
                district_code=district.code,
                district_name=district.name_zh,
                year=year,
                accounts=counts.get(district.pk, 0),
                resident_population=population,
                population_year=figure.year if figure else None,
                share_percent=share,
            )
        )
    return rows


# --- the citizen's profile ---------------------------------------------------------


@dataclass(frozen=True)
class ScorePoint:
    day: date
    theta: float
    se: float | None
    level_code: str
    instrument_name: str


@dataclass
class Profile:
    account: LearningAccount
    series: dict[str, list[ScorePoint]]
    domain_names: dict[str, str]
    latest: list[tuple[str, ScorePoint]]
    outcomes: list[LearningOutcome]
    certificates: list[LearningOutcome]
    entries: list[CreditEntry]
    credits_total: Decimal
    points_total: int
    credits_expiring: list[CreditEntry]
    suggestions: list[Suggestion] = field(default_factory=list)


def _is_needs(domain_code: str) -> bool:
    return domain_code == "needs" or domain_code.startswith("needs.")


def profile_for_account(
    *, account: LearningAccount, language: str = "zh-hans", fresh: bool = False
) -> Profile:
    """Gather what the profile page shows: results over time, levels, credits, certificates.

    ``entries`` holds the latest ledger entries only (``ledger_page``). ``fresh``: the
    caller has just read ``account`` from the database (else its balances are re-read).
    """
    if not fresh:
        # Balances move by F() updates elsewhere; read them fresh.
        account.refresh_from_db(fields=["credits_balance", "points_balance", "status"])
    outcomes = list(
        account.outcomes.filter(revoked_at__isnull=True)
        .prefetch_related("domain_scores")
        .order_by("achieved_on", "pk")
    )
    series: dict[str, list[ScorePoint]] = {}
    for outcome in outcomes:
        for score in outcome.domain_scores.all():
            # Top-level domains make the chart; sub-domains stay in the table.
            series.setdefault(score.domain_code, []).append(
                ScorePoint(
                    outcome.achieved_on,
                    score.theta,
                    score.se,
                    score.level_code,
                    outcome.instrument_name or outcome.title,
                )
            )
    # Needs questionnaires are profiles, not abilities: no line, level or ability advice.
    series = {code: points for code, points in series.items() if not _is_needs(code)}
    latest = [(code, points[-1]) for code, points in sorted(series.items())]
    # The page shows the latest entries (the rest are in the ledger API and the download),
    # so its cost does not grow with the account's history: one index range each.
    entries = list(ledger_page(account=account, limit=PROFILE_LEDGER_ENTRIES))
    expiring = list(credits_expiring(account=account, today=timezone.localdate())[:5])
    needs = [o for o in outcomes if o.details.get("needs_topics")]
    profile = Profile(
        account=account,
        series=series,
        domain_names={code: domain_name(code, language=language) for code in series},
        latest=latest,
        outcomes=list(reversed(outcomes)),
        certificates=[
            o for o in reversed(outcomes) if o.kind != OutcomeKind.ASSESSMENT
        ],
        entries=entries,
        credits_total=account.credits_balance,
        points_total=account.points_balance,
        credits_expiring=expiring,
    )
    profile.suggestions = suggestions_for(
        latest=[(code, p.theta, p.level_code) for code, p in latest if "." not in code],
        needs_topics=needs[-1].details.get("needs_topics", []) if needs else [],
        language=language,
    )
    return profile


# --- the full data download ------------------------------------------------------


def _iso(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def account_data_export(*, account: LearningAccount) -> dict[str, Any]:
    """Return everything the platform holds in the user's account, as JSON-ready data."""
    user = account.user
    outcomes = account.outcomes.prefetch_related("domain_scores").order_by(
        "achieved_on", "pk"
    )
    return {
        "format": "creditbank-account-export/1",
        "exported_at": timezone.now().isoformat(),
        "user": {
            "username": user.username,
            "display_name": user.display_name,
            "email": user.email,
            "date_joined": _iso(user.date_joined),
        },
        "account": {
            "number": account.number,
            "district": account.district.code if account.district else None,
            "status": account.status,
            "opened_via": account.opened_via,
            "opened_at": _iso(account.opened_at),
            "closure_requested_at": _iso(account.closure_requested_at),
            "closure_reason": account.closure_reason,
            "closed_at": _iso(account.closed_at),
            "credits_balance": _iso(account.credits_balance),
            "points_balance": account.points_balance,
        },
        "outcomes": [
            {
                "id": o.pk,
                "kind": o.kind,
                "title": o.title,
                "title_en": o.title_en,
                "achieved_on": _iso(o.achieved_on),
                "source": o.source,
                "source_ref": o.source_ref,
                "evidence_url": o.evidence_url,
                "evidence_ref": o.evidence_ref,
                "domain_code": o.domain_code,
                "level_code": o.level_code,
                "level_name": o.level_name,
                "hours": _iso(o.hours),
                "instrument_code": o.instrument_code,
                "instrument_name": o.instrument_name,
                "parameter_set_id": o.parameter_set_id,
                "details": o.details,
                "created_at": _iso(o.created_at),
                "revoked_at": _iso(o.revoked_at),
                "revocation_reason": o.revocation_reason,
                "domain_scores": [
                    {
                        "domain_code": s.domain_code,
                        "theta": s.theta,
                        "se": s.se,
                        "level_code": s.level_code,
                    }
                    for s in o.domain_scores.all()
                ],
            }
            for o in outcomes
        ],
        "credit_entries": [
            {
                "id": e.pk,
                "kind": e.kind,
                "outcome_id": e.outcome_id,
                "rule": e.rule.code if e.rule else None,
                "rule_version": e.rule_version,
                "corrects_id": e.corrects_id,
                "credits": _iso(e.credits),
                "points": e.points,
                "period": e.period_key,
                "expires_on": _iso(e.expires_on),
                "reason": e.reason,
                "created_at": _iso(e.created_at),
            }
            for e in credit_entries_for_account(account=account).order_by("pk")
        ],
        "credentials": [
            {
                "id": str(c.id),
                "format": c.format,
                "outcome_id": c.outcome_id,
                "issued_at": _iso(c.issued_at),
                "revoked_at": _iso(c.revoked_at),
                "revocation_reason": c.revocation_reason,
            }
            for c in IssuedCredential.objects.filter(account=account).order_by(
                "issued_at"
            )
        ],
    }


def credential_status(*, credential_id: str) -> IssuedCredential:
    """Return an issued credential by id (public: its status reveals no personal data)."""
    return IssuedCredential.objects.select_related("account", "outcome").get(
        pk=credential_id
    )


def account_summary_totals(*, account: LearningAccount) -> dict[str, Any]:
    totals = account.outcomes.aggregate(
        outcomes=Count("pk", filter=Q(revoked_at__isnull=True)),
        hours=Sum("hours", filter=Q(revoked_at__isnull=True)),
    )
    return {
        "outcomes": totals["outcomes"] or 0,
        "hours": totals["hours"] or Decimal("0"),
        "closed": account.status == AccountStatus.CLOSED,
    }


def level_name(*, domain_code: str, level_code: str, language: str = "zh-hans") -> str:
    """The name of a domain's level (its code when the bank no longer has it)."""
    if not level_code:
        return ""

    english = language.startswith("en")
    return level_display_name(domain_code, level_code, english=english) or level_code
