"""Writes of learning accounts: opening, closure."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from learning_platform.accounts.models import User
from learning_platform.creditbank.models import (
    AccountStatus,
    IssuedCredential,
    LearningAccount,
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
    return (
        len(number) == 12
        and number.isdigit()
        and _luhn_digit(number[:-1]) == number[-1]
    )


def _account_number_new() -> str:
    body = "31" + f"{secrets.randbelow(10**9):09d}"
    return body + _luhn_digit(body)


@transaction.atomic
def account_open(
    *,
    user: User,
    district: District | None = None,
    via: str = LearningAccount.OpenedVia.EXPLICIT,
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
    IssuedCredential.objects.filter(account=account, revoked_at__isnull=True).update(
        revoked_at=now, revocation_reason="account closed"
    )
    return account


def account_writable_check(account: LearningAccount) -> None:
    """Refuse (``AccountClosed``) a write to a closed account."""
    if account.status == AccountStatus.CLOSED:
        raise AccountClosed(account)
