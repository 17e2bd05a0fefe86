"""Writes of learning accounts: opening, closure, and the per-district tally of both."""

from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from learning_platform.accounts.models import User
from learning_platform.creditbank.models import (
    AccountStatus,
    DistrictAccountTally,
    IssuedCredential,
    LearningAccount,
)
from learning_platform.creditbank.selectors import account_tally_live_sql
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
    return (
        len(number) == 12
        and number.isdigit()
        and _luhn_digit(number[:-1]) == number[-1]
    )


def _account_number_new() -> str:
    body = "31" + f"{secrets.randbelow(10**9):09d}"
    return body + _luhn_digit(body)


# --- the tally of accounts opened and closed per district and day -------------------

TallyChange = tuple[int, date, int, int]  # district_id, day, opened, closed


def _tally_day(moment: datetime) -> date:
    """The local day (settings.TIME_ZONE, whatever time zone is active) of a moment."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def _tally_changes(
    account: LearningAccount, *, district_id: int | None, sign: int
) -> list[TallyChange]:
    """What the account adds to (``sign`` 1) or takes from (−1) the district's tally."""
    if district_id is None:
        return []
    changes = [(district_id, _tally_day(account.opened_at), sign, 0)]
    if account.closed_at is not None:
        changes.append((district_id, _tally_day(account.closed_at), 0, sign))
    return changes


def _tally_add(changes: list[TallyChange]) -> None:
    """Add the changes to the tally, one atomic upsert per district and day.

    ``INSERT … ON CONFLICT DO UPDATE`` with ``row + EXCLUDED`` adds under concurrency on
    PostgreSQL and SQLite alike (no read–decide–write); rows are written in key order so
    two moves between the same districts cannot deadlock.
    """
    summed: dict[tuple[int, date], list[int]] = defaultdict(lambda: [0, 0])
    for district_id, day, opened, closed in changes:
        summed[(district_id, day)][0] += opened
        summed[(district_id, day)][1] += closed
    table = connection.ops.quote_name(DistrictAccountTally._meta.db_table)
    sql = (
        f"INSERT INTO {table} (district_id, day, opened, closed) VALUES (%s, %s, %s, %s) "
        f"ON CONFLICT (district_id, day) DO UPDATE SET "
        f"opened = {table}.opened + EXCLUDED.opened, "
        f"closed = {table}.closed + EXCLUDED.closed"
    )
    with connection.cursor() as cursor:
        for (district_id, day), (opened, closed) in sorted(summed.items()):
            if opened or closed:
                cursor.execute(
                    sql,
                    [
                        district_id,
                        connection.ops.adapt_datefield_value(day),
                        opened,
                        closed,
                    ],
                )


@transaction.atomic
def account_tally_rebuild() -> int:
    """Recompute the whole tally from the accounts; return the rows written.

    On PostgreSQL the tally is locked against the services' upserts while it is
    rebuilt, so an account opened meanwhile is counted once, before or after.
    """
    table = connection.ops.quote_name(DistrictAccountTally._meta.db_table)
    live_sql, params = account_tally_live_sql(connection)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {table}")
        cursor.execute(
            f"INSERT INTO {table} (district_id, day, opened, closed) "
            f"SELECT district_id, day, opened, closed FROM ({live_sql}) live",
            params,
        )
        return cursor.rowcount


# --- accounts ------------------------------------------------------------------------


@transaction.atomic
def account_open(
    *,
    user: User,
    district: District | None = None,
    via: str = LearningAccount.OpenedVia.EXPLICIT,
) -> LearningAccount:
    """Open the user's learning account, or return the one they have.

    Given another district, the existing account moves there (and its counts in the
    tally with it). A closed account is not reopened here: that is an administrator's
    decision.
    """
    existing = LearningAccount.objects.filter(user=user).first()
    if existing is not None:
        if district is not None and existing.district_id != district.pk:
            existing = _account_district_move(account=existing, district=district)
        return existing
    if not user.is_authenticated or not user.is_active:
        raise ValidationError(_("Only an active user can open a learning account."))
    for _attempt in range(10):
        number = _account_number_new()
        if not LearningAccount.objects.filter(number=number).exists():
            break
    try:
        with transaction.atomic():
            account = LearningAccount.objects.create(
                user=user,
                number=number,
                district=district or user.district,
                opened_via=via,
                opened_at=timezone.now(),
            )
    except IntegrityError:
        # A concurrent request opened it first.
        return LearningAccount.objects.get(user=user)
    _tally_add(_tally_changes(account, district_id=account.district_id, sign=1))
    return account


def _account_district_move(
    *, account: LearningAccount, district: District
) -> LearningAccount:
    """Move the account (locked, so two moves are not both counted) to another district."""
    account = LearningAccount.objects.select_for_update().get(pk=account.pk)
    if account.district_id == district.pk:
        return account
    old_district_id = account.district_id
    account.district = district
    account.save(update_fields=["district"])
    _tally_add(
        _tally_changes(account, district_id=old_district_id, sign=-1)
        + _tally_changes(account, district_id=district.pk, sign=1)
    )
    return account


def account_ensure(*, user: User) -> LearningAccount:
    """Return the user's account, opening it on first use."""
    return account_open(user=user, via=LearningAccount.OpenedVia.FIRST_USE)


@transaction.atomic
def account_closure_request(
    *, account: LearningAccount, reason: str = ""
) -> LearningAccount:
    """Record the citizen's request to close their account; an administrator completes it."""
    account = LearningAccount.objects.select_for_update().get(pk=account.pk)
    if account.status == AccountStatus.CLOSED:
        raise ApiError(
            "account_closed", _("This account is already closed."), status=409
        )
    if len(reason) > 2000:
        raise ValidationError(
            {"reason": _("The reason is too long (at most 2000 characters).")}
        )
    account.status = AccountStatus.CLOSURE_REQUESTED
    account.closure_requested_at = account.closure_requested_at or timezone.now()
    account.closure_reason = reason.strip()
    account.save(update_fields=["status", "closure_requested_at", "closure_reason"])
    return account


@transaction.atomic
def account_close(
    *, account: LearningAccount, closed_by: User | None = None
) -> LearningAccount:
    """Close the account: no new records, and every credential issued from it is revoked."""
    account = LearningAccount.objects.select_for_update().get(pk=account.pk)
    if account.status == AccountStatus.CLOSED:
        return account
    now = timezone.now()
    account.status = AccountStatus.CLOSED
    account.closed_at = now
    account.save(update_fields=["status", "closed_at"])
    if account.district_id is not None:
        _tally_add([(account.district_id, _tally_day(now), 0, 1)])
    IssuedCredential.objects.filter(account=account, revoked_at__isnull=True).update(
        revoked_at=now, revocation_reason="account closed"
    )
    return account


def account_writable_check(account: LearningAccount) -> None:
    """Refuse (``AccountClosed``) a write to a closed account."""
    if account.status == AccountStatus.CLOSED:
        raise AccountClosed(account)
