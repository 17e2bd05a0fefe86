"""Reads of the cms app, and the one place that calls the survey's roll-up selectors.

Reports never hold typed-in numbers: they name a roll-up, and a revision stores a
snapshot of its figures (``rollup_snapshot``) so a published report does not
change when the survey recalculates.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.models import Audience, Campaign, CampaignKind
from assessment.survey import selectors as survey_selectors
from assessment.survey.schemas import RollUpCell
from cms.models import InstrumentPage, SurveyReportPage
from itembank.selectors import domain_levels
from learning_platform.db_router import read_replica
from learning_platform.districts.models import District

# How many earlier waves a snapshot keeps for trend charts.
MAX_EARLIER_WAVES = 6
# Earlier waves keep only the indicators that trends and "change since last wave" read.
WAVE_INDICATORS = frozenset({"attainment_rate", "mean_theta"})


class RollUpMissing(Exception):
    """The chosen roll-up does not exist (or the survey has none)."""

    def __init__(self, rollup_id: int | None):
        self.rollup_id = rollup_id
        if rollup_id is None:
            message = _("No roll-up is chosen.")
        else:
            message = _("Roll-up #%(id)s does not exist or is not finished.") % {
                "id": rollup_id
            }
        super().__init__(message)


# -- adapter over assessment.survey.selectors ---------------------------------
def rollup_choices() -> list[tuple[int, str]]:
    """Return (id, label) of every finished roll-up, newest first, for choosers."""
    views = survey_selectors.rollups_available()
    views = sorted(views, key=lambda v: (v.year, v.created_at), reverse=True)
    return [(v.id, f"#{v.id} {v.name} · {v.campaign_name} · {v.year}") for v in views]


def rollup_latest_id() -> int | None:
    choices = rollup_choices()
    return choices[0][0] if choices else None


def rollup_view(rollup_id: int | None):
    """Return the survey's RollUpView, or raise RollUpMissing."""
    if rollup_id is None:
        raise RollUpMissing(None)
    try:
        return survey_selectors.rollup_get(rollup_id)
    except (ObjectDoesNotExist, LookupError) as exc:
        raise RollUpMissing(rollup_id) from exc


def rollup_earlier_views(rollup_id: int) -> list:
    """Return earlier waves of a roll-up, oldest first (at most MAX_EARLIER_WAVES)."""
    earlier = []
    current = rollup_id
    seen = {rollup_id}
    while len(earlier) < MAX_EARLIER_WAVES:
        prev = survey_selectors.rollup_previous(current)
        if prev is None or prev.id in seen:
            break
        earlier.append(prev)
        seen.add(prev.id)
        current = prev.id
    return list(reversed(earlier))


@read_replica()
def rollup_snapshot(rollup_id: int | None) -> dict[str, Any]:
    """Return the JSON snapshot of a roll-up and its earlier waves, or raise RollUpMissing."""
    view = rollup_view(rollup_id)
    if not view.cells:  # rollups_available() may omit cells; rollup_get must not
        view = survey_selectors.rollup_get(view.id)
    return snapshot_from_views(view, rollup_earlier_views(view.id))


# -- snapshots ---------------------------------------------------------------
# Snapshots hold headline cells only, so they leave out the breakdown fields.
SNAPSHOT_OMITS = frozenset({"breakdown", "breakdown_value"})


def _cell_dict(cell) -> dict[str, Any]:
    """Return a cell as snapshot JSON, in the survey's one cell shape (``RollUpCell``).

    A suppressed cell is stored without any figure, so no later template can show one.
    """

    if not isinstance(cell, RollUpCell):
        cell = RollUpCell.model_validate(dict(cell))
    return cell.model_dump(exclude=set(SNAPSHOT_OMITS))


def _rollup_dict(view) -> dict[str, Any]:
    created = view.created_at
    return {
        "id": view.id,
        "name": view.name,
        "campaign_name": view.campaign_name,
        "year": view.year,
        "created_at": created.isoformat()
        if hasattr(created, "isoformat")
        else str(created),
        "parameter_set_id": view.parameter_set_id,
        "method": dict(view.method or {}),
        "provenance": dict(getattr(view, "provenance", None) or {}),
    }


def _districts() -> list[dict[str, str]]:
    return list(
        District.objects.order_by("sort_order", "code").values(
            "code", "name_zh", "name_en"
        )
    )


def _level_names(domains: list[str]) -> dict[str, dict[str, list[str]]]:
    """Level names per domain from the item bank, when it provides them."""
    names: dict[str, dict[str, list[str]]] = {}
    for domain in domains:
        try:
            with (
                transaction.atomic()
            ):  # a savepoint, so a failed read cannot spoil the caller's
                levels = domain_levels(domain)
        except Exception:  # noqa: BLE001 - a domain without levels just shows codes
            continue
        names[domain] = {
            lvl.code: [lvl.name_zh or lvl.code, lvl.name_en or lvl.code]
            for lvl in levels
        }
    return names


def _needs_option_names(view) -> dict[str, dict[str, list[str]]]:
    """Names of the needs questionnaire's options the roll-up recorded (for needs profiles)."""
    names = (view.method or {}).get("needs_options") or {}
    return {
        str(domain): {
            str(code): [str(pair[0]), str(pair[-1])] for code, pair in options.items()
        }
        for domain, options in names.items()
        if isinstance(options, dict)
    }


def _names_with_needs(
    names: dict[str, dict[str, list[str]]], view
) -> dict[str, dict[str, list[str]]]:
    """Add the needs options' names where the item bank names no levels for the domain."""
    for domain, options in _needs_option_names(view).items():
        if not names.get(domain):
            names[domain] = options
    return names


def snapshot_from_views(view, earlier: list) -> dict[str, Any]:
    """Freeze a RollUpView (and earlier waves, oldest first) into plain JSON."""
    cells = [_cell_dict(c) for c in view.cells]
    domains = sorted({c["domain_code"] for c in cells})
    return {
        "rollup": _rollup_dict(view),
        "cells": cells,
        "waves": [
            {
                **{k: v for k, v in _rollup_dict(w).items() if k != "method"},
                "cells": [
                    _cell_dict(c) for c in w.cells if c.indicator in WAVE_INDICATORS
                ],
            }
            for w in earlier
        ],
        "districts": _districts(),
        "level_names": _names_with_needs(_level_names(domains), view),
        "taken_at": timezone.now().isoformat(),
    }


# -- delivery ----------------------------------------------------------------
def instrument_start_url(code: str) -> str:
    """Return where a landing page's start button goes for an instrument code.

    The newest public campaign of that instrument open now (open practice first),
    else delivery's campaign list.
    """
    from django.db.models import Q
    from django.urls import NoReverseMatch, reverse

    now = timezone.now()
    campaign = (
        Campaign.objects.filter(
            instrument__code=code, audience=Audience.PUBLIC, opens_at__lte=now
        )
        .filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now))
        .order_by("-opens_at")
    )
    chosen = campaign.filter(kind=CampaignKind.PRACTICE).first() or campaign.first()
    try:
        if chosen is not None:
            return reverse("assessment:campaign", kwargs={"campaign_id": chosen.pk})
        return reverse("assessment:index") + f"?instrument={code}"
    except NoReverseMatch:
        return f"/assessment/?instrument={code}"


# -- pages -------------------------------------------------------------------
def reports_latest(*, limit: int = 3):
    return (
        SurveyReportPage.objects.live().public().order_by("-first_published_at")[:limit]
    )


def instruments_open():
    return InstrumentPage.objects.live().public().filter(is_open=True).order_by("path")


def reports_filtered(*, parent=None, year: int | None = None, topic: str | None = None):
    pages = SurveyReportPage.objects.live().public()
    if parent is not None:
        pages = pages.descendant_of(parent)
    if year:
        pages = pages.filter(year=year)
    if topic:
        pages = pages.filter(topic=topic)
    return pages.order_by("-year", "-first_published_at")
