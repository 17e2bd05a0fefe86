"""Signed Open Badges 3.0 and CLR 2.0 credentials and their verification."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from learning_platform.creditbank import credentials as docs
from learning_platform.creditbank.models import (
    AccountStatus,
    CreditEntry,
    IssuedCredential,
    LearningAccount,
    LearningOutcome,
)
from learning_platform.creditbank.services.accounts import account_writable_check
from learning_platform.creditbank.signing import (
    canonical_json,
    proof_add,
    proof_verify,
    signing_key,
)
from learning_platform.errors import ApiError

# --- credentials -------------------------------------------------------------


def _outcome_credits(outcome: LearningOutcome) -> Decimal:
    return CreditEntry.objects.filter(outcome=outcome).exclude(
        kind=CreditEntry.Kind.EXPIRY
    ).aggregate(c=Sum("credits"))["c"] or Decimal("0")


def _issue(
    *, account: LearningAccount, outcome: LearningOutcome | None, fmt: str, build
) -> dict[str, Any]:
    key = signing_key()
    credential_id = uuid.uuid4()
    issued_at = datetime.now(UTC).replace(microsecond=0)
    document = proof_add(build(str(credential_id), issued_at, key.did), key=key)
    IssuedCredential.objects.create(
        id=credential_id,
        account=account,
        outcome=outcome,
        format=fmt,
        issued_at=issued_at,
        key_id=key.verification_method,
        document_sha256=hashlib.sha256(canonical_json(document)).hexdigest(),
    )
    return document


@transaction.atomic
def credential_issue_badge(
    *, outcome: LearningOutcome, base_url: str
) -> dict[str, Any]:
    """Sign and record an Open Badges 3.0 credential for one outcome."""
    outcome.refresh_from_db(fields=["revoked_at"])
    if outcome.revoked_at is not None:
        raise ApiError(
            "outcome_revoked", _("A revoked outcome cannot be exported."), status=409
        )
    account_writable_check(LearningAccount.objects.get(pk=outcome.account_id))
    credits = _outcome_credits(outcome)
    return _issue(
        account=outcome.account,
        outcome=outcome,
        fmt=IssuedCredential.Format.OPEN_BADGE,
        build=lambda cid, at, did: docs.badge_document(
            outcome=outcome,
            credential_id=cid,
            issued_at=at,
            did=did,
            base_url=base_url,
            credits=credits,
        ),
    )


@transaction.atomic
def credential_issue_clr(*, account: LearningAccount, base_url: str) -> dict[str, Any]:
    """Sign and record a CLR 2.0 document of the whole record, with a badge per outcome."""
    account_writable_check(account)
    outcomes = list(
        account.outcomes.filter(revoked_at__isnull=True)
        .prefetch_related("domain_scores")
        .order_by("achieved_on", "pk")
    )
    badges = [credential_issue_badge(outcome=o, base_url=base_url) for o in outcomes]
    total = (
        CreditEntry.objects.filter(account=account).aggregate(c=Sum("credits"))["c"]
        or 0
    )
    return _issue(
        account=account,
        outcome=None,
        fmt=IssuedCredential.Format.CLR,
        build=lambda cid, at, did: docs.clr_document(
            account=account,
            credential_id=cid,
            issued_at=at,
            did=did,
            base_url=base_url,
            badges=badges,
            outcomes=outcomes,
            total_credits=Decimal(total),
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
        return Verification(
            "unknown", _("The credential was not signed with this platform's key.")
        )
    raw_id = str(document.get("id", ""))
    try:
        credential_uuid = uuid.UUID(raw_id.removeprefix("urn:uuid:"))
        credential = IssuedCredential.objects.select_related("account", "outcome").get(
            pk=credential_uuid
        )
    except (ValueError, IssuedCredential.DoesNotExist):
        return Verification(
            "unknown", _("This platform has no record of that credential.")
        )
    kind = credential.get_format_display()
    if (
        credential.document_sha256
        != hashlib.sha256(canonical_json(document)).hexdigest()
    ):
        return Verification(
            "tampered",
            _("The document differs from the one issued."),
            str(credential.pk),
            kind,
        )
    embedded: tuple[Verification, ...] = ()
    if credential.format == IssuedCredential.Format.CLR:
        inner = document.get("credentialSubject", {}).get("verifiableCredential", [])
        embedded = tuple(credential_verify(d) for d in inner if isinstance(d, dict))
    revoked_at = credential.revoked_at
    if (
        revoked_at is None
        and credential.outcome is not None
        and credential.outcome.revoked_at
    ):
        revoked_at = credential.outcome.revoked_at
    if revoked_at is None and credential.account.status == AccountStatus.CLOSED:
        revoked_at = credential.account.closed_at
    if revoked_at is not None:
        return Verification(
            "revoked",
            _("The credential was revoked."),
            str(credential.pk),
            kind,
            credential.issued_at,
            revoked_at,
            embedded,
        )
    if any(e.status != "valid" for e in embedded):
        return Verification(
            "revoked",
            _("A credential inside this record is no longer valid."),
            str(credential.pk),
            kind,
            credential.issued_at,
            None,
            embedded,
        )
    return Verification(
        "valid",
        _("The credential is authentic and in force."),
        str(credential.pk),
        kind,
        credential.issued_at,
        None,
        embedded,
    )
