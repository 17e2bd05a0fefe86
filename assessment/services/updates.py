"""Changes to instruments and campaigns after they were created.

What citizens already answered must keep its meaning: once an instrument has
sessions its code, kind and delivery mode stay (a session's plan follows the mode,
the credit bank names the code), and a campaign with sessions keeps its
instrument and kind. Everything else may change, checked as on creation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.models import Audience, Campaign, Instrument
from assessment.services.instruments import (
    campaign_fields_check,
    instrument_blueprint_clean,
    instrument_fields_check,
    instrument_settings_clean,
    precision_apply,
)


def _same_k(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    def norm(k):
        return {str(i): round(float(v), 6) for i, v in (k or {}).items()}

    return norm(a) == norm(b)


def _keep_exposure_provenance(
    old: dict[str, Any] | None, settings: dict[str, Any]
) -> dict[str, Any]:
    """Keep where simulated Sympson–Hetter parameters came from while they are unchanged.

    ``exposure_calibrate`` stores the parameter set, target, seed and date with the
    parameters; an edit form sends back only the parameters. When they come back as
    they were, the record of their simulation stays; edited by hand, it goes.
    """
    new = settings.get("exposure") or {}
    old = old or {}
    if new.get("method") == old.get("method") == "sympson_hetter" and _same_k(
        new.get("k_params"), old.get("k_params")
    ):
        settings = {**settings, "exposure": {**old, **new}}
    return settings


@transaction.atomic
def instrument_update(
    *,
    instrument: Instrument,
    code: str,
    name_zh: str,
    kind: str,
    domain_code: str,
    mode: str,
    settings: dict[str, Any] | None = None,
    blueprint: dict[str, float] | None = None,
    name_en: str = "",
    description_zh: str = "",
    description_en: str = "",
    language: str = "zh-hans",
    precision_rule: str | None = None,
    precision_min_items: int | None = None,
    precision_se_target: float | None = None,
) -> Instrument:
    """Replace an instrument's fields and settings, checked as ``instrument_create`` does."""
    locked = Instrument.objects.select_for_update().get(pk=instrument.pk)
    instrument_fields_check(kind=kind, code=code, instrument=locked)
    if locked.sessions.exists():
        fixed = {
            "code": (locked.code, code),
            "kind": (locked.kind, kind),
            "mode": (locked.mode, mode),
        }
        errors = {}
        for field, (old, new) in fixed.items():
            if old == new:
                continue
            model_field = Instrument._meta.get_field(field)
            errors[field] = _(
                "Citizens have taken this instrument, so its %(field)s stays "
                "“%(value)s”; create a new instrument instead."
            ) % {
                "field": model_field.verbose_name,
                "value": dict(model_field.flatchoices).get(old, old),
            }
        if errors:
            raise ValidationError(errors)
    locked.code = code
    locked.name_zh = name_zh
    locked.name_en = name_en
    locked.description_zh = description_zh
    locked.description_en = description_en
    locked.kind = kind
    locked.domain_code = domain_code
    locked.mode = mode
    locked.language = language
    locked.blueprint = instrument_blueprint_clean(blueprint)
    locked.settings = _keep_exposure_provenance(
        (locked.settings or {}).get("exposure"),
        instrument_settings_clean(mode=mode, settings=settings),
    )
    precision_apply(
        locked,
        rule=precision_rule,
        min_items=precision_min_items,
        se_target=precision_se_target,
    )
    locked.full_clean()
    locked.save()
    return locked


@transaction.atomic
def campaign_close(*, campaign: Campaign, now: datetime | None = None) -> Campaign:
    """Close a campaign now: no session starts after this; sessions in progress may finish.

    Refused for a campaign that is already closed or not yet open (a campaign that never
    opened is edited or deleted instead); the error names the time that stands in the way.
    """
    now = now or timezone.now()
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if locked.closes_at is not None and locked.closes_at <= now:
        raise ValidationError(
            {
                "closes_at": _("The campaign already closed at %(at)s.")
                % {
                    "at": timezone.localtime(locked.closes_at).strftime(
                        "%Y-%m-%d %H:%M"
                    )
                }
            }
        )
    if locked.opens_at >= now:
        raise ValidationError(
            {
                "opens_at": _(
                    "The campaign has not opened yet (it opens at %(at)s): change its dates instead."
                )
                % {"at": timezone.localtime(locked.opens_at).strftime("%Y-%m-%d %H:%M")}
            }
        )
    locked.closes_at = now
    locked.full_clean()
    locked.save(update_fields=["closes_at"])
    return locked


@transaction.atomic
def campaign_update(
    *,
    campaign: Campaign,
    instrument: Instrument,
    name_zh: str,
    kind: str,
    opens_at: datetime,
    closes_at: datetime | None = None,
    audience: str = Audience.PUBLIC,
    max_attempts: int | None = None,
    year: int | None = None,
    name_en: str = "",
) -> Campaign:
    """Replace a campaign's fields, checked as ``campaign_create`` does."""
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    campaign_fields_check(
        kind=kind, opens_at=opens_at, closes_at=closes_at, max_attempts=max_attempts
    )
    errors = {}
    if locked.sessions.exists():
        if instrument.pk != locked.instrument_id:
            errors["instrument"] = _(
                "Citizens have taken this campaign, so its instrument "
                "stays; open a new campaign instead."
            )
        if kind != locked.kind:
            errors["kind"] = _("Citizens have taken this campaign, so its kind stays.")
    if (
        audience != locked.audience
        and locked.audience == Audience.INVITED
        and locked.invitations.exists()
    ):
        errors["audience"] = _(
            "Invitation codes were issued for this campaign, so it stays "
            "open to invited respondents only."
        )
    if errors:
        raise ValidationError(errors)
    locked.instrument = instrument
    locked.name_zh = name_zh
    locked.name_en = name_en
    locked.kind = kind
    locked.opens_at = opens_at
    locked.closes_at = closes_at
    locked.audience = audience
    locked.max_attempts = max_attempts
    locked.year = year
    locked.full_clean()
    locked.save()
    return locked
