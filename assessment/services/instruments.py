"""Instruments, campaigns and delivery's own invitation codes."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assessment import items as bank
from assessment.models import (
    Audience,
    Campaign,
    CampaignKind,
    DeliveryMode,
    Instrument,
    InstrumentKind,
    Invitation,
    PanelAssignment,
)

if TYPE_CHECKING:
    from itembank.models import Blueprint

from assessment.survey.models import SampleDesign
from itembank.services import form_assemble
from psychometrics.cat import (
    Randomesque,
    SympsonHetter,
)

logger = logging.getLogger(__name__)


DEFAULT_MAX_LENGTH = 30
DEFAULT_MIN_LENGTH = 5
DEFAULT_SE_TARGET = 0.3


def _int_list(value: Any, *, field: str) -> list[int]:
    if not isinstance(value, list | tuple) or not value:
        raise ValidationError(
            {
                field: _("%(field)s must be a non-empty list of item ids.")
                % {"field": field}
            }
        )
    out = []
    for position, raw in enumerate(value):
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ValidationError(
                {
                    field: _("%(field)s[%(pos)s] is not an item id: %(value)s.")
                    % {"field": field, "pos": position, "value": str(raw)[:40]}
                }
            )
        out.append(int(raw))
    if len(set(out)) != len(out):
        raise ValidationError(
            {field: _("%(field)s lists an item twice.") % {"field": field}}
        )
    return out


def _check_deliverable(item_ids: list[int], *, field: str) -> None:
    try:
        bank.items_for_delivery(item_ids)
    except bank.not_deliverable_error() as exc:
        raise ValidationError(
            {
                field: _("Item %(item)s is not published, so it cannot be delivered.")
                % {"item": getattr(exc, "item_id", exc)}
            }
        ) from exc


def instrument_settings_clean(
    *, mode: str, settings: dict[str, Any] | None
) -> dict[str, Any]:
    """Return an instrument's delivery settings checked for its mode."""
    data = dict(settings or {})
    if mode not in DeliveryMode.values:
        raise ValidationError(
            {"mode": _("Unknown delivery mode %(mode)s.") % {"mode": mode}}
        )
    limit = data.get("time_limit_seconds")
    if limit is not None and (not isinstance(limit, int) or limit < 30):
        raise ValidationError(
            {
                "settings.time_limit_seconds": _(
                    "The time limit must be a whole number of seconds, at least 30."
                )
            }
        )
    if mode == DeliveryMode.FIXED:
        data["item_ids"] = _int_list(data.get("item_ids"), field="settings.item_ids")
        _check_deliverable(data["item_ids"], field="settings.item_ids")
    elif mode == DeliveryMode.BOOKLET:
        booklets = data.get("booklets")
        if not isinstance(booklets, list) or not booklets:
            raise ValidationError(
                {
                    "settings.booklets": _(
                        "Booklet rotation needs a list of booklets, each a list of item ids."
                    )
                }
            )
        data["booklets"] = [
            _int_list(b, field=f"settings.booklets[{k}]")
            for k, b in enumerate(booklets)
        ]
        for k, booklet in enumerate(data["booklets"]):
            _check_deliverable(booklet, field=f"settings.booklets[{k}]")
    elif mode == DeliveryMode.MULTISTAGE:
        assignment = data.setdefault("panel_assignment", PanelAssignment.ROUND_ROBIN)
        if assignment not in PanelAssignment.values:
            raise ValidationError(
                {
                    "settings.panel_assignment": _(
                        "Panels are assigned round robin or at random."
                    )
                }
            )
    else:
        if data.get("item_ids") is not None:
            data["item_ids"] = _int_list(data["item_ids"], field="settings.item_ids")
        max_length = data.setdefault("max_length", DEFAULT_MAX_LENGTH)
        min_length = data.setdefault("min_length", min(DEFAULT_MIN_LENGTH, max_length))
        se_target = data.setdefault("se_target", DEFAULT_SE_TARGET)
        if not isinstance(max_length, int) or max_length < 1:
            raise ValidationError(
                {"settings.max_length": _("max_length must be at least 1.")}
            )
        if not isinstance(min_length, int) or not 0 <= min_length <= max_length:
            raise ValidationError(
                {
                    "settings.min_length": _(
                        "min_length must lie between 0 and max_length."
                    )
                }
            )
        if se_target is not None and not (
            isinstance(se_target, int | float) and se_target > 0
        ):
            raise ValidationError(
                {"settings.se_target": _("se_target must be positive.")}
            )
        rule = data.setdefault("rule", "mfi")
        if rule not in ("mfi", "kl", "weighted_info"):
            raise ValidationError(
                {"settings.rule": _("rule must be mfi, kl or weighted_info.")}
            )
        exposure = data.setdefault("exposure", {"method": "randomesque", "k": 5})
        exposure_control_build(exposure, None)  # validates
    return data


def exposure_control_build(spec: dict[str, Any] | None, pool: bank.AdaptivePool | None):
    if not spec or spec.get("method") in (None, "none"):
        return None
    method = spec.get("method")
    if method == "randomesque":
        k = spec.get("k", 5)
        if not isinstance(k, int) or k < 1:
            raise ValidationError(
                {"settings.exposure.k": _("k must be a positive whole number.")}
            )
        return Randomesque(k)
    if method == "sympson_hetter":
        k_params = spec.get("k_params")
        if not isinstance(k_params, dict):
            raise ValidationError(
                {
                    "settings.exposure.k_params": _(
                        "Sympson-Hetter needs k_params: item id to a probability in (0, 1]."
                    )
                }
            )
        if pool is None:
            return None
        values = np.array(
            [float(k_params.get(str(i), k_params.get(i, 1.0))) for i in pool.item_ids]
        )
        return SympsonHetter(values)
    raise ValidationError(
        {
            "settings.exposure.method": _(
                "Exposure control must be randomesque, sympson_hetter or none."
            )
        }
    )


def instrument_settings_from_blueprint(
    *, mode: str, settings: dict[str, Any] | None, item_blueprint: Blueprint | None
) -> dict[str, Any]:
    """Return the settings completed from an item-bank blueprint (unchanged without one).

    Adaptive: ``max_length`` defaults to the blueprint's length. Fixed form without
    ``item_ids``: the form is assembled from the blueprint and the active parameter
    set, and ``assembled_from`` names the blueprint.
    """
    data = dict(settings or {})
    if item_blueprint is None:
        return data
    if mode == DeliveryMode.ADAPTIVE:
        data.setdefault("max_length", int(item_blueprint.length))
    elif mode == DeliveryMode.FIXED and not data.get("item_ids"):
        try:
            data["item_ids"] = [int(i) for i in form_assemble(blueprint=item_blueprint)]
        except ValidationError as exc:
            raise ValidationError({"item_blueprint": exc.messages}) from None
        data["assembled_from"] = item_blueprint.code
    return data


# ---------------------------------------------------------------- shared checks


def instrument_fields_check(
    *, kind: str, code: str, instrument: Instrument | None = None
) -> None:
    """Refuse an unknown kind, or a code another instrument already has."""
    if kind not in InstrumentKind.values:
        raise ValidationError(
            {"kind": _("Unknown instrument kind %(kind)s.") % {"kind": kind}}
        )
    others = Instrument.objects.filter(code=code)
    if instrument is not None:
        others = others.exclude(pk=instrument.pk)
    if others.exists():
        raise ValidationError(
            {"code": _("An instrument with code %(code)s exists.") % {"code": code}}
        )


def instrument_blueprint_clean(blueprint: dict[str, Any] | None) -> dict[str, float]:
    """Return the blueprint's shares, each a number >= 0 (``True`` is no number)."""
    cleaned = dict(blueprint or {})
    for area, share in cleaned.items():
        if isinstance(share, bool) or not isinstance(share, int | float) or share < 0:
            raise ValidationError(
                {f"blueprint.{area}": _("A blueprint share must be >= 0.")}
            )
    return cleaned


def campaign_fields_check(
    *,
    kind: str,
    opens_at: datetime,
    closes_at: datetime | None,
    max_attempts: int | None,
) -> None:
    """Refuse an unknown kind, a close before the opening, or fewer than one attempt."""
    if kind not in CampaignKind.values:
        raise ValidationError(
            {"kind": _("Unknown campaign kind %(kind)s.") % {"kind": kind}}
        )
    if closes_at is not None and closes_at <= opens_at:
        raise ValidationError({"closes_at": _("A campaign must close after it opens.")})
    if max_attempts is not None and (
        isinstance(max_attempts, bool)
        or not isinstance(max_attempts, int)
        or max_attempts < 1
    ):
        raise ValidationError(
            {
                "max_attempts": _(
                    "Allow at least one attempt, or leave it empty for no limit."
                )
            }
        )


# ---------------------------------------------------------------- creation


@transaction.atomic
def instrument_create(
    *,
    code: str,
    name_zh: str,
    kind: str,
    domain_code: str,
    mode: str,
    settings: dict[str, Any] | None = None,
    blueprint: dict[str, float] | None = None,
    item_blueprint: Blueprint | None = None,
    name_en: str = "",
    description_zh: str = "",
    description_en: str = "",
    language: str = "zh-hans",
    precision_rule: str | None = None,
    precision_min_items: int | None = None,
    precision_se_target: float | None = None,
) -> Instrument:
    """Create an instrument after checking its settings for the delivery mode.

    ``precision_*`` state when a result measures (invariant 9); None keeps the
    default (at least 5 items in the main domain).

    With ``item_blueprint`` (an item-bank blueprint) an adaptive test balances its
    content and limits difficulty by it and is as long as it (unless
    ``settings.max_length`` says otherwise); a fixed form without ``item_ids`` is
    assembled from it (``itembank.services.form_assemble``). The ``blueprint`` JSON
    of shares keeps working for instruments without one.
    """
    instrument_fields_check(kind=kind, code=code)
    blueprint = instrument_blueprint_clean(blueprint)
    settings = instrument_settings_from_blueprint(
        mode=mode, settings=settings, item_blueprint=item_blueprint
    )
    instrument = Instrument(
        code=code,
        name_zh=name_zh,
        name_en=name_en,
        kind=kind,
        domain_code=domain_code,
        mode=mode,
        blueprint=blueprint,
        item_blueprint=item_blueprint,
        settings=instrument_settings_clean(mode=mode, settings=settings),
        description_zh=description_zh,
        description_en=description_en,
        language=language,
    )
    precision_apply(
        instrument,
        rule=precision_rule,
        min_items=precision_min_items,
        se_target=precision_se_target,
    )
    instrument.full_clean()
    instrument.save()
    return instrument


def precision_apply(
    instrument: Instrument,
    *,
    rule: str | None,
    min_items: int | None,
    se_target: float | None,
) -> None:
    """Set the given precision-rule fields on ``instrument`` (None leaves a field as is)."""
    if rule is not None:
        instrument.precision_rule = rule
    if min_items is not None:
        instrument.precision_min_items = min_items
    if se_target is not None:
        instrument.precision_se_target = se_target


@transaction.atomic
def campaign_create(
    *,
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
    """Open an instrument for a period to a population."""
    campaign_fields_check(
        kind=kind, opens_at=opens_at, closes_at=closes_at, max_attempts=max_attempts
    )
    campaign = Campaign(
        instrument=instrument,
        name_zh=name_zh,
        name_en=name_en,
        kind=kind,
        opens_at=opens_at,
        closes_at=closes_at,
        audience=audience,
        max_attempts=max_attempts,
        year=year,
    )
    campaign.full_clean()
    campaign.save()
    return campaign


@transaction.atomic
def invitations_create(
    *, campaign: Campaign, count: int, district_code: str = "", stratum: str = ""
) -> list[Invitation]:
    """Issue one-time codes for an invited campaign without a survey sample design.

    A campaign has one source of codes. With a sample design
    (``assessment.survey.models.SampleDesign``) the survey issues them per stratum
    (``assessment.survey.services.invitations_issue``, hashed) and session start
    redeems them there, so delivery refuses to issue its own for it.
    """

    if campaign.audience != Audience.INVITED:
        raise ValidationError(
            {"campaign": _("Only an invited campaign takes invitations.")}
        )
    if SampleDesign.objects.filter(campaign_id=campaign.pk).exists():
        raise ValidationError(
            {
                "campaign": _(
                    "This campaign has a survey sample design: issue its codes "
                    "from the sample design."
                )
            }
        )
    if not 1 <= count <= 100_000:
        raise ValidationError({"count": _("count must be between 1 and 100000.")})
    rows = [
        Invitation(
            campaign=campaign,
            code=secrets.token_urlsafe(12),
            district_code=district_code,
            stratum=stratum,
        )
        for _i in range(count)
    ]
    return Invitation.objects.bulk_create(rows)
