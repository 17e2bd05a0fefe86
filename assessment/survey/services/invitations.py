"""One-time invitation codes of a sample design: issue (hashed) and redeem."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.models import Campaign
from assessment.survey.models import SampleDesign, Stratum, SurveyInvitation


def invitation_code_hash(code: str) -> str:
    """Return the keyed hash a one-time code is stored and looked up by."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(
        key, b"survey-invitation:" + code.strip().upper().encode(), hashlib.sha256
    ).hexdigest()


@transaction.atomic
def invitations_issue(*, design: SampleDesign) -> list[tuple[str, str]]:
    """Issue one one-time code per allocated person; return ``(stratum, code)`` once.

    Only a keyed hash of each code is stored, so the list returned here is the only
    copy: hand it to the field team.
    """
    if SurveyInvitation.objects.filter(stratum__design=design).exists():
        raise ValidationError(
            {"design": _("Invitations for this design were already issued.")}
        )
    out: list[tuple[str, str]] = []
    rows = []
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    for stratum in design.strata.all():
        for _i in range(stratum.allocation):
            code = "".join(secrets.choice(alphabet) for _j in range(10))
            rows.append(
                SurveyInvitation(stratum=stratum, code_hash=invitation_code_hash(code))
            )
            out.append((stratum.key, code))
    SurveyInvitation.objects.bulk_create(rows, batch_size=2000)
    return out


@transaction.atomic
def invitation_redeem(
    *, campaign: Campaign, code: str, session_id: str = ""
) -> Stratum:
    """Mark a one-time code used (by the session it opened); refuse unknown or used codes."""
    inv = (
        SurveyInvitation.objects.select_for_update()
        .filter(
            code_hash=invitation_code_hash(code or ""),
            stratum__design__campaign=campaign,
        )
        .first()
    )
    if inv is None or inv.redeemed_at is not None:
        raise ValidationError(
            {"code": _("This invitation code is not valid or has been used.")}
        )
    inv.redeemed_at = timezone.now()
    inv.session_id = session_id
    inv.save(update_fields=["redeemed_at", "session_id"])
    return inv.stratum


@transaction.atomic
def invitations_redeem(
    *, campaign: Campaign, codes_with_sessions: Sequence[tuple[str, str]]
) -> int:
    """Redeem many one-time codes at once, each by the session it opened.

    As :func:`invitation_redeem`, for a batch: one query looks the codes up (rows locked
    in primary-key order) and one bulk update marks them used. An unknown or used code,
    or a code given twice in the batch, refuses the whole batch with the error
    ``invitation_redeem`` gives, naming the code(s); nothing is changed. Returns the
    number of codes redeemed.
    """
    pairs = [
        (str(code or ""), str(session_id or ""))
        for code, session_id in codes_with_sessions
    ]
    if not pairs:
        return 0
    hashes = [invitation_code_hash(code) for code, _sid in pairs]
    found: dict[str, SurveyInvitation] = {}
    unique = list(dict.fromkeys(hashes))
    # one query (per 20,000 codes: SQLite and PostgreSQL take that many parameters)
    locked = (
        SurveyInvitation.objects.select_for_update(of=("self",))
        .filter(stratum__design__campaign=campaign)
        .order_by("pk")
    )
    for lo in range(0, len(unique), 20_000):
        for inv in locked.filter(code_hash__in=unique[lo : lo + 20_000]):
            found[inv.code_hash] = inv
    bad, seen = [], set()
    for (code, _sid), h in zip(pairs, hashes, strict=True):
        inv = found.get(h)
        if inv is None or inv.redeemed_at is not None or h in seen:
            bad.append(code)
        seen.add(h)
    if bad:
        message = _("This invitation code is not valid or has been used.")
        shown = [f"{code}: {message}" if code else message for code in bad[:10]]
        if len(bad) > 10:
            shown.append(f"… (+{len(bad) - 10})")
        raise ValidationError({"code": shown})
    now = timezone.now()
    rows = []
    for h, (_code, session_id) in zip(hashes, pairs, strict=True):
        inv = found[h]
        inv.redeemed_at, inv.session_id = now, session_id
        rows.append(inv)
    SurveyInvitation.objects.bulk_update(
        rows, ["redeemed_at", "session_id"], batch_size=2000
    )
    return len(rows)
