"""Rows for the expert-rating tests: one indicator set, organisations, a monitoring year and
submitted self-assessments (helpers, not a conftest, so other modules stay independent)."""

from __future__ import annotations

import itertools

from django.utils import timezone

from learning_platform.organisations.models import (
    AssessmentStatus,
    EvidenceKind,
    IndicatorSet,
    ItemEvidence,
    MonitoringYear,
    Organisation,
    SampledOrganisation,
    SelfAssessment,
    SetIndicator,
    SetItem,
)

_counter = itertools.count(1)


def make_set(
    *, rated: int = 3, max_score: int = 4, kind: str = "community", version: int = 2023
) -> IndicatorSet:
    """A set with one first-level indicator, ``rated`` expert-rated items and a document item."""
    indicator_set, _ = IndicatorSet.objects.get_or_create(
        kind=kind,
        version=version,
        defaults={
            "title_zh": f"学习型社区指标（{version}）",
            "content_sha256": "0" * 64,
        },
    )
    indicator = SetIndicator.objects.create(
        indicator_set=indicator_set,
        code=f"A{next(_counter)}",
        name_zh="组织领导",
        sort=1,
    )
    for n in range(rated):
        SetItem.objects.create(
            indicator=indicator,
            code=f"{indicator.code}.{n + 1}",
            text_zh=f"专家评定指标项 {n + 1}",
            evidence=EvidenceKind.RATING,
            max_score=max_score,
            sort=n + 1,
        )
    SetItem.objects.create(
        indicator=indicator,
        code=f"{indicator.code}.D",
        text_zh="文件材料",
        evidence=EvidenceKind.DOCUMENT,
        sort=99,
    )
    return indicator_set


def make_year(*, year: int = 2025, threshold: int = 1) -> MonitoringYear:
    return MonitoringYear.objects.get_or_create(
        year=year, defaults={"disagreement_threshold": threshold, "seed": 7}
    )[0]


def make_organisation(*, district, kind: str = "community", users=()) -> Organisation:
    n = next(_counter)
    org = Organisation.objects.create(
        kind=kind, name=f"测试社区{n}", district=district, slug=f"rating-org-{n}"
    )
    org.users.add(*users)
    return org


def make_assessment(
    *,
    district,
    indicator_set: IndicatorSet,
    monitoring_year: MonitoringYear,
    status: str = AssessmentStatus.FIRST_REVIEW,
    users=(),
) -> SelfAssessment:
    """A self-assessment (submitted unless ``status`` says otherwise) with a statement per item."""
    org = make_organisation(district=district, kind=indicator_set.kind, users=users)
    sampled = SampledOrganisation.objects.create(
        monitoring_year=monitoring_year,
        organisation=org,
        stratum=f"{district.code}:{org.kind}",
        weight=2.0,
    )
    submitted = status not in (AssessmentStatus.NOT_STARTED, AssessmentStatus.DRAFT)
    assessment = SelfAssessment.objects.create(
        sampled=sampled,
        indicator_set=indicator_set,
        status=status,
        submitted_at=timezone.now() if submitted else None,
    )
    for item in SetItem.objects.filter(indicator__indicator_set=indicator_set):
        ItemEvidence.objects.create(
            assessment=assessment, item=item, statement=f"{org.name}的说明：{item.code}"
        )
    return assessment


def rated_item_ids(indicator_set: IndicatorSet) -> list[int]:
    return list(
        SetItem.objects.filter(
            indicator__indicator_set=indicator_set, evidence=EvidenceKind.RATING
        )
        .order_by("sort")
        .values_list("pk", flat=True)
    )


def rating_world_objects(actors: dict) -> dict:
    """For the security matrix: a submission in district A whose round 1 the ``expert`` actor rates."""
    from learning_platform.districts.models import District
    from learning_platform.organisations.services.rating import rater_assign

    district = District.objects.get(code="310101")
    assessment = make_assessment(
        district=district, indicator_set=make_set(), monitoring_year=make_year()
    )
    assignment = rater_assign(
        assessment=assessment,
        rater=actors["expert"],
        round=1,
        actor=actors["researcher"],
    )
    return {
        "assignment_id": assignment.pk,
        "assessment_id": assessment.pk,
        "item_id": rated_item_ids(assessment.indicator_set)[0],
    }
