"""Results of the annual sampled monitoring: per organisation and per district × kind.

Only approved self-assessments (status ``done``, the end of the district review) count.
An item is *met* when its number meets the threshold or, for rated and documented items,
when its agreed score reaches ``ITEM_MET_SHARE`` of the rubric's maximum; a first-level
indicator is met when all its scored items are. District × kind shares are design-based:
the sample weights ``N_h / n_h`` are adjusted for the sampled organisations without an
approved self-assessment (``N_h / m_h``) and the SE comes from the stratified estimator
with the finite-population correction (``psychometrics.survey.stratified``). Cells with
fewer than ``SUPPRESSION_THRESHOLD`` organisations show no figure, as in the survey.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet

from learning_platform.districts.models import District
from learning_platform.organisations.models import (
    AssessmentStatus,
    ItemEvidence,
    MonitoringYear,
    Organisation,
    OrganisationKind,
    SampledOrganisation,
    SelfAssessment,
    SetIndicator,
    Tier,
    TierChange,
)
from psychometrics.survey.stratified import stratified_proportion

# The survey's threshold (assessment.survey.pipeline.base.SUPPRESSION_THRESHOLD); the
# organisations app sits below the survey, so a test keeps the two equal.
SUPPRESSION_THRESHOLD = 30
# A rated item counts as met from this share of its rubric's maximum (3 of 4).
ITEM_MET_SHARE = 0.75


def item_met(evidence: ItemEvidence) -> bool | None:
    """Say whether an item is met; None while it has neither a threshold check nor a score."""
    if evidence.meets_threshold is not None:
        return bool(evidence.meets_threshold)
    if evidence.score is None:
        return None
    return evidence.score >= ITEM_MET_SHARE * evidence.item.max_score


def approved_assessments() -> QuerySet[SelfAssessment]:
    return SelfAssessment.objects.filter(status=AssessmentStatus.DONE).select_related(
        "sampled__organisation__district", "sampled__monitoring_year", "indicator_set"
    )


# --- per organisation ------------------------------------------------------------------


@dataclass
class IndicatorProfile:
    code: str
    name_zh: str
    mean_score: float | None  # mean item score as a share of the maximum (0–1)
    share_met: float | None
    met: bool | None
    change: float | None = None  # mean_score minus the previous approved year's


@dataclass
class ItemRow:
    indicator_code: str
    code: str
    text_zh: str
    score: float | None
    max_score: int
    met: bool | None


@dataclass
class YearResult:
    year: int
    set_title: str
    items: list[ItemRow]
    profile: list[IndicatorProfile]
    mean_score: float | None
    indicators_met: int = 0


def _profile(
    items: list[ItemRow], indicators: list[SetIndicator]
) -> list[IndicatorProfile]:
    out = []
    for indicator in indicators:
        rows = [r for r in items if r.indicator_code == indicator.code]
        scored = [
            r.score / r.max_score for r in rows if r.score is not None and r.max_score
        ]
        known = [r.met for r in rows if r.met is not None]
        out.append(
            IndicatorProfile(
                code=indicator.code,
                name_zh=indicator.name_zh,
                mean_score=sum(scored) / len(scored) if scored else None,
                share_met=sum(known) / len(known) if known else None,
                met=all(known) if known else None,
            )
        )
    return out


def organisation_results(*, organisation: Organisation) -> list[YearResult]:
    """Item scores, first-level profiles and growth, per approved year (oldest first)."""
    years: list[YearResult] = []
    assessments = (
        approved_assessments()
        .filter(sampled__organisation=organisation)
        .order_by("sampled__monitoring_year__year")
    )
    for assessment in assessments:
        indicators = list(assessment.indicator_set.indicators.all())
        evidence = {
            e.item_id: e for e in assessment.evidence.select_related("item__indicator")
        }
        items = []
        for indicator in indicators:
            for item in indicator.items.all():
                row = evidence.get(item.pk)
                items.append(
                    ItemRow(
                        indicator_code=indicator.code,
                        code=item.code,
                        text_zh=item.text_zh,
                        score=row.score if row else None,
                        max_score=item.max_score,
                        met=item_met(row) if row else None,
                    )
                )
        profile = _profile(items, indicators)
        scored = [p.mean_score for p in profile if p.mean_score is not None]
        years.append(
            YearResult(
                year=assessment.sampled.monitoring_year.year,
                set_title=assessment.indicator_set.title_zh,
                items=items,
                profile=profile,
                mean_score=sum(scored) / len(scored) if scored else None,
                indicators_met=sum(1 for p in profile if p.met),
            )
        )
    for previous, current in zip(years, years[1:], strict=False):
        before = {p.code: p.mean_score for p in previous.profile}
        for p in current.profile:
            if p.mean_score is not None and before.get(p.code) is not None:
                p.change = p.mean_score - before[p.code]
    return years


# --- per district × kind ---------------------------------------------------------------


@dataclass
class Cell:
    """The share of organisations meeting one indicator in one district × kind (or the city)."""

    district_code: str  # "" for the whole city
    district_name: str
    kind: str
    kind_label: str
    indicator_code: str
    indicator_name: str
    n: int
    estimate: float | None  # share 0–1; None when suppressed
    se: float | None
    suppressed: bool

    @property
    def percent(self) -> str:
        return "" if self.estimate is None else f"{self.estimate * 100:.1f}"

    @property
    def se_percent(self) -> str:
        return "" if self.se is None else f"{self.se * 100:.1f}"


@dataclass
class ResultsTable:
    year: int | None
    threshold: int
    cells: list[Cell] = field(default_factory=list)

    def by_district_kind(self) -> list[tuple[str, str, str, list[Cell]]]:
        groups: dict[tuple[str, str, str], list[Cell]] = defaultdict(list)
        for cell in self.cells:
            groups[(cell.district_code, cell.district_name, cell.kind_label)].append(
                cell
            )
        return [
            (code, name, kind, cells) for (code, name, kind), cells in groups.items()
        ]


def monitoring_years() -> list[int]:
    return list(MonitoringYear.objects.order_by("-year").values_list("year", flat=True))


def _stratum_sizes(
    monitoring_year: MonitoringYear,
) -> tuple[dict[str, float], dict[str, int]]:
    """N_h and the sampled n_h of every stratum."""
    sampled_n: dict[str, int] = defaultdict(int)
    weight_sum: dict[str, float] = defaultdict(float)
    for stratum, weight in SampledOrganisation.objects.filter(
        monitoring_year=monitoring_year
    ).values_list("stratum", "weight"):
        sampled_n[stratum] += 1
        weight_sum[stratum] += weight
    sizes = {k: float(round(v)) for k, v in weight_sum.items()}
    for row in monitoring_year.allocation or []:
        key = f"{row.get('district')}:{row.get('kind')}"
        if row.get("population"):
            sizes[key] = float(row["population"])
    return sizes, dict(sampled_n)


def district_kind_table(
    *,
    year: int | None = None,
    district_code: str = "",
    kind: str = "",
    city: bool = True,
) -> ResultsTable:
    """Share meeting each first-level indicator with its SE, per district × kind (and the city)."""
    monitoring_year = (
        MonitoringYear.objects.filter(year=year).first()
        if year
        else MonitoringYear.objects.order_by("-year").first()
    )
    table = ResultsTable(
        year=monitoring_year.year if monitoring_year else year,
        threshold=SUPPRESSION_THRESHOLD,
    )
    if monitoring_year is None:
        return table
    sizes, sampled_n = _stratum_sizes(monitoring_year)
    assessments = list(
        approved_assessments().filter(sampled__monitoring_year=monitoring_year)
    )
    responding: dict[str, int] = defaultdict(int)
    for a in assessments:
        responding[a.sampled.stratum] += 1
    evidence: dict[int, list[ItemEvidence]] = defaultdict(list)
    for e in ItemEvidence.objects.filter(assessment__in=assessments).select_related(
        "item__indicator"
    ):
        evidence[e.assessment_id].append(e)
    # Per assessment and indicator: met (all known items met) or None.
    met: dict[tuple[int, str], bool] = {}
    for a in assessments:
        per_indicator: dict[str, list[bool]] = defaultdict(list)
        for e in evidence[a.pk]:
            m = item_met(e)
            if m is not None:
                per_indicator[e.item.indicator.code].append(m)
        for code, values in per_indicator.items():
            met[(a.pk, code)] = all(values)
    districts = {d.code: d for d in District.objects.all()}
    kind_labels = dict(OrganisationKind.choices)
    by_kind: dict[str, list[SelfAssessment]] = defaultdict(list)
    for a in assessments:
        by_kind[a.sampled.organisation.kind].append(a)
    kinds = [k for k in OrganisationKind.values if (not kind or k == kind)]
    for k in kinds:
        group = by_kind.get(k, [])
        indicator_sets = {a.indicator_set_id for a in group}
        indicators = list(
            SetIndicator.objects.filter(indicator_set_id__in=indicator_sets).order_by(
                "indicator_set", "sort"
            )
        )
        seen: set[str] = set()
        indicators = [i for i in indicators if not (i.code in seen or seen.add(i.code))]
        district_codes = sorted({a.sampled.organisation.district.code for a in group})
        if district_code:
            district_codes = [district_code]
        scopes = [
            (code, [a for a in group if a.sampled.organisation.district.code == code])
            for code in district_codes
        ]
        if city and not district_code:
            scopes.append(("", group))
        for code, members in scopes:
            name = (
                districts[code].name_zh
                if code in districts
                else ("全市" if not code else code)
            )
            for indicator in indicators:
                rows = [a for a in members if (a.pk, indicator.code) in met]
                n = len(rows)
                cell = Cell(
                    district_code=code,
                    district_name=name,
                    kind=k,
                    kind_label=str(kind_labels[k]),
                    indicator_code=indicator.code,
                    indicator_name=indicator.name_zh,
                    n=n,
                    estimate=None,
                    se=None,
                    suppressed=n < SUPPRESSION_THRESHOLD,
                )
                if not cell.suppressed:
                    strata = [a.sampled.stratum for a in rows]
                    weights = [
                        a.sampled.weight
                        * sampled_n.get(a.sampled.stratum, 1)
                        / max(responding[a.sampled.stratum], 1)
                        for a in rows
                    ]
                    result = stratified_proportion(
                        [1.0 if met[(a.pk, indicator.code)] else 0.0 for a in rows],
                        strata=strata,
                        weights=weights,
                        population_sizes={
                            s: max(sizes.get(s, 0.0), responding[s])
                            for s in set(strata)
                        },
                    )
                    cell.estimate, cell.se = result.estimate, result.se
                table.cells.append(cell)
    return table


# --- register summaries ----------------------------------------------------------------


def tier_kind_counts(
    *, district: District | None = None
) -> list[tuple[str, list[int], int]]:
    """Organisations by kind (rows) and tier (columns), with row totals."""
    rows = Organisation.objects.all()
    if district is not None:
        rows = rows.filter(district=district)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for kind, tier in rows.values_list("kind", "tier"):
        counts[(kind, tier)] += 1
    out = []
    for kind, label in OrganisationKind.choices:
        values = [counts[(kind, tier)] for tier in Tier.values]
        out.append((str(label), values, sum(values)))
    return out


def tier_decisions(
    *, district: District | None = None, year: int | None = None
) -> QuerySet[TierChange]:
    """Tier decisions with their evidence, newest first."""
    rows = TierChange.objects.select_related(
        "organisation", "organisation__district", "decided_by"
    )
    if district is not None:
        rows = rows.filter(organisation__district=district)
    if year:
        rows = rows.filter(year=year)
    return rows.order_by("-decided_at", "-pk")


def dashboard_section(*, district_code: str | None) -> dict:
    """The dashboard's 学习型组织 section: organisations by tier and kind, and the latest year's
    share meeting each first-level indicator with its SE (the whole city when no district)."""
    district = (
        District.objects.filter(code=district_code).first() if district_code else None
    )
    table = district_kind_table(
        district_code=district.code if district else "", city=district is None
    )
    if district is None:
        table.cells = [c for c in table.cells if not c.district_code]
    return {
        "district": district,
        "tiers": [label for _value, label in Tier.choices],
        "counts": tier_kind_counts(district=district),
        "table": table,
        "groups": table.by_district_kind(),
        "total": Organisation.objects.filter(
            **({"district": district} if district else {})
        ).count(),
    }
