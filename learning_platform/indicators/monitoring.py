"""Reads for the monitoring year: target checks, the collection window and late filings, and the
figures of the annual district monitoring report (``district_report_figures``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from django.db.models import Count, Min
from django.utils import timezone

from learning_platform.districts.models import District
from learning_platform.indicators import targets as target_rules
from learning_platform.indicators.models import (
    CollectionWindow,
    Document,
    FrameworkVersion,
    ItemKind,
    ItemValue,
    ReviewEvent,
    Status,
    Submission,
    Target,
    ValueType,
)
from learning_platform.indicators.services import framework_for_year, plain

DATA_DIR = Path(__file__).resolve().parent / "data"
# Filings the report reads: approved at second review (letter pending) or completed.
APPROVED = (Status.LETTER, Status.DONE)
SUBMITTED = (Status.FIRST_REVIEW, Status.SECOND_REVIEW, Status.LETTER, Status.DONE)


# --- targets -----------------------------------------------------------------------------


def target_specs(version: FrameworkVersion) -> list[target_rules.TargetSpec]:
    return [
        target_rules.TargetSpec(
            code=t.code,
            name_zh=t.name_zh,
            formula=t.formula,
            comparison=t.comparison,
            threshold=t.threshold,
            unit=t.unit,
            source_zh=t.source_zh,
            quote_zh=t.quote_zh,
        )
        for t in Target.objects.filter(version=version)
    ]


def submission_all_values(submission: Submission) -> dict[str, Decimal | None]:
    """Stored values and every computed item of a filing, by code."""
    # lazy: import cycle (learning_platform.indicators.selectors -> learning_platform.indicators.monitoring)
    from learning_platform.indicators.selectors import compute, submission_values

    values = submission_values(submission)
    for code, computed in compute(version=submission.version, values=values).items():
        values[code] = computed.value
    return values


def submission_target_results(
    submission: Submission,
) -> list[target_rules.TargetResult]:
    """Check the filing against every target of its edition (last year's filing for growth)."""
    before = Submission.objects.filter(
        district=submission.district, year=submission.year - 1
    ).first()
    previous = submission_all_values(before) if before is not None else None
    return [
        target_rules.target_evaluate(
            s, submission_all_values(submission), previous=previous
        )
        for s in target_specs(submission.version)
    ]


def missed_targets_by_district(
    *, year: int
) -> dict[int, list[target_rules.TargetResult]]:
    """The targets each district's submitted filing misses (for the city overview)."""
    out = {}
    for sub in Submission.objects.filter(
        year=year, status__in=SUBMITTED
    ).select_related("version", "district"):
        missed = [
            r for r in submission_target_results(sub) if r.status == target_rules.MISSED
        ]
        if missed:
            out[sub.district_id] = missed
    return out


# --- the collection window ---------------------------------------------------------------


@dataclass(frozen=True)
class WindowState:
    window: CollectionWindow | None
    state: str  # not_set | not_open | open | closed
    days_left: int | None = None  # until closing (open) or until opening (not_open)
    days_over: int | None = None  # since closing (closed)


def window_state(*, year: int, today: date | None = None) -> WindowState:
    today = today or timezone.localdate()
    window = CollectionWindow.objects.filter(year=year).first()
    if window is None:
        return WindowState(None, "not_set")
    if today < window.opens_on:
        return WindowState(window, "not_open", days_left=(window.opens_on - today).days)
    if today <= window.closes_on:
        return WindowState(window, "open", days_left=(window.closes_on - today).days)
    return WindowState(window, "closed", days_over=(today - window.closes_on).days)


def first_submitted_at(*, year: int) -> dict[int, datetime]:
    """When each district's filing of ``year`` was first submitted for review."""
    return dict(
        ReviewEvent.objects.filter(submission__year=year, action="submit")
        .values("submission__district_id")
        .annotate(first=Min("at"))
        .values_list("submission__district_id", "first")
    )


@dataclass(frozen=True)
class Timeliness:
    district: District
    status: str
    submitted_on: date | None
    late: bool  # submitted after the closing date
    missing: bool  # not submitted and the window has closed
    days_late: int | None


def filing_timeliness(*, year: int, today: date | None = None) -> list[Timeliness]:
    """Every district's filing against the window: on time, late, or not submitted after the close."""
    state = window_state(year=year, today=today)
    statuses = dict(
        Submission.objects.filter(year=year).values_list("district_id", "status")
    )
    firsts = first_submitted_at(year=year)
    rows = []
    closes = state.window.closes_on if state.window else None
    for district in District.objects.all():
        status = statuses.get(district.pk, Status.NOT_STARTED)
        at = firsts.get(district.pk)
        on = timezone.localdate(at) if at is not None else None
        submitted = status in SUBMITTED or on is not None
        late = bool(closes and on and on > closes)
        missing = bool(closes and not submitted and state.state == "closed")
        days = (on - closes).days if late else (state.days_over if missing else None)
        rows.append(Timeliness(district, status, on, late, missing, days))
    return rows


def late_filings(*, year: int, today: date | None = None) -> list[Timeliness]:
    return [r for r in filing_timeliness(year=year, today=today) if r.late or r.missing]


# --- the annual district monitoring report --------------------------------------------------


def _f(value: Decimal | None) -> float | None:
    return None if value is None else round(float(value), 4)


def unesco_crosswalk() -> dict:
    return json.loads(
        (DATA_DIR / "unesco_key_features.json").read_text(encoding="utf-8")
    )


def _report_items(version: FrameworkVersion, l1_code: str) -> list:
    return [
        i
        for i in version.items.select_related("indicator")
        if i.indicator is not None
        and (i.indicator.code == l1_code or i.indicator.code.startswith(l1_code + "."))
        and not i.parent_code
        and i.kind != ItemKind.BASE
        and i.value_type != ValueType.TEXT
    ]


def _city_values(
    version: FrameworkVersion, per_district: list[dict[str, Decimal | None]]
) -> dict[str, Decimal | None]:
    """City figures: inputs summed over the districts (only when every district has them), each
    computed item's formula on those sums, shares and supplied rates weighted by resident population."""
    # lazy: import cycle (learning_platform.indicators.selectors -> learning_platform.indicators.monitoring)
    from learning_platform.indicators.selectors import compute

    items = list(version.items.all())
    sums: dict[str, Decimal | None] = {}
    for item in items:
        if item.kind == ItemKind.DERIVED or item.value_type == ValueType.TEXT:
            continue
        got = [v.get(item.code) for v in per_district]
        if not got or any(g is None for g in got):
            sums[item.code] = None
        elif item.value_type == ValueType.PERCENT:
            weights = [v.get("resident_population_10k") for v in per_district]
            if any(w is None for w in weights) or not sum(weights):
                sums[item.code] = None
            else:
                sums[item.code] = sum(
                    g * w for g, w in zip(got, weights, strict=True)
                ) / sum(weights)
        else:
            sums[item.code] = sum(got)
    for code, computed in compute(version=version, values=sums).items():
        sums[code] = computed.value
    return sums


def district_report_figures(year: int) -> dict:
    """Every figure of the year's district monitoring report, JSON-ready (the page freezes it).

    Reads approved filings (second review passed or completed) of ``year`` and ``year - 1``,
    the platform-supplied survey figures in them with their 95% intervals, the documents filed
    per first-level indicator, the target checks and the UNESCO crosswalk.
    """

    version = framework_for_year(year=year)
    districts = list(District.objects.all())
    subs = {
        (s.district_id, s.year): s
        for s in Submission.objects.filter(
            year__in=[year, year - 1], status__in=APPROVED
        ).select_related("version", "district")
    }
    values = {key: submission_all_values(s) for key, s in subs.items()}
    fed = {
        (v.submission.district_id, v.submission.year, v.item.code): v
        for v in ItemValue.objects.filter(
            submission__in=subs.values(), item__kind=ItemKind.FED
        ).select_related("item", "submission")
    }
    docs = {
        (r["district_id"], r["indicator_l1__code"]): r["n"]
        for r in Document.objects.filter(year=year)
        .values("district_id", "indicator_l1__code")
        .annotate(n=Count("pk"))
    }
    current = [values[(d.pk, year)] for d in districts if (d.pk, year) in values]
    before = [values[(d.pk, year - 1)] for d in districts if (d.pk, year - 1) in values]
    city_now = _city_values(version, current) if current else {}
    city_before = _city_values(version, before) if before else {}

    def change(now, prev):
        return None if now is None or prev is None else round(now - prev, 4)

    indicators = []
    for l1 in version.indicators.filter(level=1):
        rows = []
        for item in _report_items(version, l1.code):
            cells = {}
            for d in districts:
                if (d.pk, year) not in values:
                    continue
                now = _f(values[(d.pk, year)].get(item.code))
                prev = _f(values.get((d.pk, year - 1), {}).get(item.code))
                cell = {"value": now, "previous": prev, "change": change(now, prev)}
                supplied = fed.get((d.pk, year, item.code))
                if supplied is not None:
                    cell.update(
                        low=supplied.ci_low,
                        high=supplied.ci_high,
                        se=supplied.se,
                        n=supplied.n,
                        suppressed=supplied.suppressed,
                        source=supplied.source,
                    )
                cells[d.code] = cell
            city = _f(city_now.get(item.code))
            city_prev = _f(city_before.get(item.code))
            rows.append(
                {
                    "code": item.code,
                    "name": item.name_zh,
                    "unit": item.unit,
                    "estimated": item.kind == ItemKind.FED,
                    "indicator": item.indicator.code,
                    "city": {
                        "value": city,
                        "previous": city_prev,
                        "change": change(city, city_prev),
                    },
                    "districts": cells,
                }
            )
        indicators.append(
            {
                "code": l1.code,
                "name": l1.name_zh,
                "items": rows,
                "documents": {
                    d.code: docs.get((d.pk, l1.code), 0)
                    for d in districts
                    if (d.pk, year) in values
                },
            }
        )
    specs = target_specs(version)
    targets = []
    for spec in specs:
        results = {}
        for d in districts:
            if (d.pk, year) in values:
                r = target_rules.target_evaluate(
                    spec, values[(d.pk, year)], previous=values.get((d.pk, year - 1))
                )
                results[d.code] = {
                    "status": r.status,
                    "value": _f(r.value),
                    "previous": _f(r.previous),
                }
        targets.append(
            {
                "code": spec.code,
                "name": spec.name_zh,
                "comparison": spec.comparison,
                "threshold": _f(spec.threshold),
                "unit": spec.unit,
                "source": spec.source_zh,
                "quote": spec.quote_zh,
                "results": results,
            }
        )
    return {
        "year": year,
        "framework": {"year": version.year, "title": version.title_zh},
        "taken_at": timezone.now().isoformat(timespec="seconds"),
        "districts": [
            {"code": d.code, "name": d.name_zh, "filed": (d.pk, year) in values}
            for d in districts
        ],
        "filings": [
            {
                "district": s.district.code,
                "year": s.year,
                "id": s.pk,
                "status": s.status,
                "updated_at": s.updated_at.isoformat(timespec="seconds"),
            }
            for s in subs.values()
        ],
        "indicators": indicators,
        "targets": targets,
        "unesco": unesco_crosswalk(),
    }


# --- wording ---------------------------------------------------------------------------


def _num(value) -> str:
    if value is None:
        return "—"
    return plain(Decimal(str(value)).quantize(Decimal("0.01")))


def target_message(
    *,
    name: str,
    status: str,
    comparison: str,
    value,
    threshold,
    unit: str,
    previous=None,
    source: str = "",
) -> str:
    """One sentence on a target check, with the value and the threshold (never colour alone)."""
    from django.utils.translation import gettext as _

    args = {
        "name": name,
        "value": _num(value),
        "threshold": _num(threshold),
        "unit": unit,
        "previous": _num(previous),
        "source": source,
    }
    if status == target_rules.NO_DATA:
        return (
            _(
                "No data to check: %(name)s (target: at least %(threshold)s %(unit)s; %(source)s)"
            )
            % args
            if comparison == target_rules.GTE
            else _("No data to check: %(name)s against last year (%(source)s)") % args
        )
    if comparison == target_rules.NOT_BELOW_LAST_YEAR:
        if status == target_rules.MET:
            return (
                _(
                    "Target met: %(name)s is %(value)s %(unit)s, not below last year's %(previous)s %(unit)s "
                    "(%(source)s)"
                )
                % args
            )
        return (
            _(
                "Target missed: %(name)s is %(value)s %(unit)s, below last year's %(previous)s %(unit)s "
                "(%(source)s)"
            )
            % args
        )
    if status == target_rules.MET:
        return (
            _(
                "Target met: %(name)s is %(value)s %(unit)s, at least %(threshold)s %(unit)s as required "
                "(%(source)s)"
            )
            % args
        )
    return (
        _(
            "Target missed: %(name)s is %(value)s %(unit)s, below the required %(threshold)s %(unit)s "
            "(%(source)s)"
        )
        % args
    )


def result_message(result: target_rules.TargetResult) -> str:
    t = result.target
    return target_message(
        name=t.name_zh,
        status=result.status,
        comparison=t.comparison,
        value=result.value,
        threshold=t.threshold,
        unit=t.unit,
        previous=result.previous,
        source=t.source_zh,
    )


def window_message(state: WindowState, *, submitted: bool = False) -> str:
    """The reminder on the filing list: days left, or overdue in words."""
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    if state.window is None:
        return ""
    args = {
        "opens": state.window.opens_on.isoformat(),
        "closes": state.window.closes_on.isoformat(),
        "n": state.days_left if state.days_left is not None else state.days_over,
    }
    if state.state == "not_open":
        return (
            ngettext(
                "Filing opens on %(opens)s (in %(n)s day).",
                "Filing opens on %(opens)s (in %(n)s days).",
                args["n"],
            )
            % args
        )
    if submitted:
        return _("Submitted. The window closes on %(closes)s.") % args
    if state.state == "open":
        if state.days_left == 0:
            return _("Last day: filing closes today, %(closes)s.") % args
        return (
            ngettext(
                "%(n)s day left: filing closes on %(closes)s.",
                "%(n)s days left: filing closes on %(closes)s.",
                args["n"],
            )
            % args
        )
    return (
        ngettext(
            "Overdue by %(n)s day: filing closed on %(closes)s.",
            "Overdue by %(n)s days: filing closed on %(closes)s.",
            args["n"],
        )
        % args
    )
