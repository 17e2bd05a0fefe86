"""Figures of one roll-up as a report shows them, read from a frozen snapshot.

A snapshot is the plain-JSON copy of a roll-up (and its earlier waves) that a
report revision stores, so a published report keeps its numbers when the survey
recalculates. ``cms.selectors.rollup_snapshot`` builds it; this module only reads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from assessment.survey.schemas import RollUpCell

Z95 = 1.959963984540054

# Domain codes of the item bank (see notes/interfaces.md), with names for labels and choices.
DOMAIN_NAMES: dict[str, tuple[str, str]] = {
    "info": ("信息素养", "Information literacy"),
    "info.data": ("信息与数据素养", "Information and data literacy"),
    "info.communication": ("交流与协作", "Communication and collaboration"),
    "info.creation": ("数字内容创作", "Digital content creation"),
    "info.safety": ("安全意识", "Safety"),
    "info.problem": ("问题解决", "Problem solving"),
    "science": ("科学素养", "Science literacy"),
    "health": ("健康素养", "Health literacy"),
    "learning": ("学会学习", "Learning to learn"),
    "needs": ("学习需求", "Learning needs"),
    "needs.topics": ("学习内容需求", "Topics wanted"),
    "needs.modes": ("学习方式需求", "Preferred modes"),
    "needs.times": ("学习时间需求", "Preferred times"),
    "needs.barriers": ("学习障碍", "Barriers to learning"),
    "needs.satisfaction": ("学习服务满意度", "Satisfaction with learning services"),
}

INDICATOR_NAMES: dict[str, tuple[str, str]] = {
    "attainment_rate": ("达标率", "Attainment rate"),
    "mean_theta": ("平均能力值", "Mean ability"),
    "level_share": ("水平分布", "Level distribution"),
    "needs_share": ("需求比例", "Share wanting"),
    "satisfaction_index": ("满意度指数(0–100)", "Satisfaction index (0–100)"),
}

PERCENT_INDICATORS = frozenset({"attainment_rate", "level_share", "needs_share"})


def _pick(pair: tuple[str, str]) -> str:
    return pair[1] if (get_language() or "zh-hans").startswith("en") else pair[0]


def domain_name(code: str) -> str:
    """Return the domain's display name in the active language (its code if unknown)."""
    pair = DOMAIN_NAMES.get(code)
    return _pick(pair) if pair else code


def indicator_name(code: str) -> str:
    pair = INDICATOR_NAMES.get(code)
    return _pick(pair) if pair else code


def moment_display(value: str | None) -> str:
    """Return an ISO timestamp as local (Asia/Shanghai) date and minute, or ""."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return ""
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


class FiguresUnavailable(Exception):
    """A block asked for a figure the report's roll-up does not hold (or there is no roll-up)."""


class Figure(RollUpCell):
    """One roll-up cell as a report shows it: the survey's cell plus the district's name.

    As a ``RollUpCell``, a suppressed figure carries no estimate, SE or interval.
    """

    district_name: str = ""

    @property
    def is_percent(self) -> bool:
        return self.indicator in PERCENT_INDICATORS

    def formatted(self, value: float | None = None) -> str:
        value = self.estimate if value is None else value
        if self.suppressed or value is None:
            return "—"
        return f"{value:.1f}%" if self.is_percent else f"{value:.2f}"

    @property
    def interval_text(self) -> str:
        if self.suppressed or self.ci_low is None or self.ci_high is None:
            return "—"
        unit = "%" if self.is_percent else ""
        return (
            f"{self.ci_low:.1f}–{self.ci_high:.1f}{unit}"
            if self.is_percent
            else (f"{self.ci_low:.2f}–{self.ci_high:.2f}")
        )


@dataclass(frozen=True)
class Change:
    """Difference to the previous wave; significance from the two SEs (independent samples)."""

    previous_year: int
    previous_estimate: float
    difference: float
    se: float | None
    significant: bool

    def formatted(self, percent: bool) -> str:
        sign = "+" if self.difference > 0 else ""
        unit = " pp" if percent else ""
        return (
            f"{sign}{self.difference:.1f}{unit}"
            if percent
            else f"{sign}{self.difference:.2f}"
        )


def _cell_to_figure(cell: dict[str, Any], names: dict[str, str]) -> Figure:
    code = cell.get("district_code")
    return Figure.model_validate(
        {
            # Snapshots of older roll-ups may leave out empty values.
            **dict.fromkeys(("district_code", "category", "estimate", "se")),
            **dict.fromkeys(("ci_low", "ci_high")),
            **cell,
            "n": int(cell.get("n") or 0),
            "suppressed": bool(cell.get("suppressed")),
            "suppression_reason": cell.get("suppression_reason") or "",
            "district_name": names.get(code, code) if code else _("Whole city"),
        }
    )


class Figures:
    """Read access to a snapshot: cells, district rows, changes, levels and trends."""

    def __init__(self, snapshot: dict[str, Any]):
        if not snapshot or "rollup" not in snapshot:
            raise FiguresUnavailable(
                _("This report has no roll-up figures yet; choose a roll-up.")
            )
        self.snapshot = snapshot
        self.rollup: dict[str, Any] = snapshot["rollup"]
        english = (get_language() or "zh-hans").startswith("en")
        self.district_order = [d["code"] for d in snapshot.get("districts", [])]
        self.district_names = {
            d["code"]: (d.get("name_en") if english else d.get("name_zh")) or d["code"]
            for d in snapshot.get("districts", [])
        }
        self._cells = snapshot.get("cells", [])
        self.level_names: dict[str, dict[str, list[str]]] = snapshot.get(
            "level_names", {}
        )

    # -- source -------------------------------------------------------------
    @property
    def source_text(self) -> str:
        """Name the roll-up, its campaign, date and parameter set (invariant 3)."""
        r = self.rollup
        parts = [
            _("Roll-up #%(id)s “%(name)s”") % {"id": r["id"], "name": r["name"]},
            r.get("campaign_name") or "",
            str(r.get("year") or ""),
        ]
        if r.get("parameter_set_id"):
            parts.append(_("parameter set #%(id)s") % {"id": r["parameter_set_id"]})
        # The moment the roll-up froze the figures (Shanghai time), not when this copy was
        # read: a dashboard re-reads the roll-up on every load.
        frozen = moment_display(r.get("created_at") or self.snapshot.get("taken_at"))
        if frozen:
            parts.append(_("figures frozen %(when)s") % {"when": frozen})
        return " · ".join(p for p in parts if p)

    def domains(self) -> list[str]:
        seen: list[str] = []
        for cell in self._cells:
            if cell["domain_code"] not in seen:
                seen.append(cell["domain_code"])
        return seen

    # -- cells --------------------------------------------------------------
    def _match(self, cells, domain, indicator, district, category) -> dict | None:
        for cell in cells:
            if (
                cell["domain_code"] == domain
                and cell["indicator"] == indicator
                and cell.get("district_code") == district
                and cell.get("category") == category
            ):
                return cell
        return None

    def has(self, domain: str, indicator: str) -> bool:
        return any(
            c["domain_code"] == domain and c["indicator"] == indicator
            for c in self._cells
        )

    def require(self, domain: str, indicator: str) -> None:
        if not self.has(domain, indicator):
            raise FiguresUnavailable(
                _("Roll-up #%(id)s holds no “%(indicator)s” for domain “%(domain)s”.")
                % {"id": self.rollup["id"], "indicator": indicator, "domain": domain}
            )

    def cell(
        self,
        domain: str,
        indicator: str,
        district: str | None = None,
        category: str | None = None,
    ) -> Figure:
        found = self._match(self._cells, domain, indicator, district, category)
        if found is None:
            where = (
                self.district_names.get(district, district)
                if district
                else _("Whole city")
            )
            raise FiguresUnavailable(
                _(
                    "Roll-up #%(id)s holds no “%(indicator)s” for domain “%(domain)s” (%(where)s)."
                )
                % {
                    "id": self.rollup["id"],
                    "indicator": indicator,
                    "domain": domain,
                    "where": where,
                }
            )
        return _cell_to_figure(found, self.district_names)

    def district_figures(
        self, domain: str, indicator: str, category: str | None = None
    ) -> list[Figure]:
        """Return one figure per district in district order (those the roll-up holds)."""
        self.require(domain, indicator)
        rows = []
        for code in self.district_order:
            found = self._match(self._cells, domain, indicator, code, category)
            if found is not None:
                rows.append(_cell_to_figure(found, self.district_names))
        return rows

    def categories(
        self, domain: str, indicator: str, district: str | None = None
    ) -> list[Figure]:
        self.require(domain, indicator)
        return [
            _cell_to_figure(c, self.district_names)
            for c in self._cells
            if c["domain_code"] == domain
            and c["indicator"] == indicator
            and c.get("district_code") == district
            and c.get("category") is not None
        ]

    def category_name(self, domain: str, category: str | None) -> str:
        if category is None:
            return ""
        names = self.level_names.get(domain, {}).get(category)
        return _pick(tuple(names)) if names else category

    # -- waves --------------------------------------------------------------
    def waves(self) -> list[dict[str, Any]]:
        """Earlier waves then this one, oldest first."""
        return [*self.snapshot.get("waves", []), {**self.rollup, "cells": self._cells}]

    def change(self, figure: Figure) -> Change | None:
        """Return the change since the previous wave for the same cell, if both show a figure.

        SE of the change = √(SE_now² + SE_before² + linking error²), as the survey's
        ``rollup_changes`` computes it; snapshots made before cells carried a linking
        error count it as 0.
        """
        earlier = self.snapshot.get("waves", [])
        if not earlier or figure.suppressed or figure.estimate is None:
            return None
        prev_wave = earlier[-1]
        prev = self._match(
            prev_wave.get("cells", []),
            figure.domain_code,
            figure.indicator,
            figure.district_code,
            figure.category,
        )
        if prev is None or prev.get("suppressed") or prev.get("estimate") is None:
            return None
        diff = figure.estimate - prev["estimate"]
        se = None
        if figure.se is not None and prev.get("se") is not None:
            # The scales of two waves are linked through common items; that link's error
            # (carried into the cell's units by the roll-up) adds to both sampling errors.
            now = (
                self._match(
                    self._cells,
                    figure.domain_code,
                    figure.indicator,
                    figure.district_code,
                    figure.category,
                )
                or {}
            )
            link = now.get("linking_error") or 0.0
            se = math.sqrt(figure.se**2 + prev["se"] ** 2 + link**2)
        return Change(
            previous_year=int(prev_wave.get("year") or 0),
            previous_estimate=prev["estimate"],
            difference=diff,
            se=se,
            significant=bool(se and abs(diff) > Z95 * se),
        )

    def trend(
        self, domain: str, indicator: str, district: str | None = None
    ) -> list[tuple[int, Figure | None]]:
        """Return (year, figure or None) for each wave, oldest first."""
        self.require(domain, indicator)
        points: list[tuple[int, Figure | None]] = []
        for wave in self.waves():
            found = self._match(
                wave.get("cells", []), domain, indicator, district, None
            )
            figure = _cell_to_figure(found, self.district_names) if found else None
            points.append((int(wave.get("year") or 0), figure))
        return points

    def compared_with_city(self, figure: Figure) -> str:
        """Say in words whether a district differs from the city beyond sampling error."""
        if figure.suppressed or figure.estimate is None or figure.district_code is None:
            return ""
        try:
            city = self.cell(
                figure.domain_code, figure.indicator, None, figure.category
            )
        except FiguresUnavailable:
            return ""
        if city.estimate is None:
            return ""
        diff = figure.estimate - city.estimate
        se = math.sqrt((figure.se or 0) ** 2 + (city.se or 0) ** 2)
        if se > 0 and abs(diff) > Z95 * se:
            return _("above the city") if diff > 0 else _("below the city")
        return _("not distinguishable from the city")
