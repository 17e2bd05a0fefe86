"""Reads of the annual sampled monitoring, scoped by role, district and organisation.

Organisation users see only the organisations they maintain (``Organisation.users``),
district staff their district, the monitoring centre everything. Missing and forbidden
raise the same ``DoesNotExist``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from learning_platform.accounts.roles import Role
from learning_platform.accounts.selectors import user_roles
from learning_platform.errors import NotFound
from learning_platform.organisations.models import (
    AssessmentStatus,
    IndicatorSet,
    ItemEvidence,
    MonitoringYear,
    Organisation,
    SampledOrganisation,
    SelfAssessment,
    SetIndicator,
    SetItem,
)
from learning_platform.organisations.monitoring_states import (
    EDITABLE,
    REVIEW_STEPS,
    AssessmentAction,
    label,
)

CITY_ROLES = frozenset({Role.RESEARCHER, Role.ADMINISTRATOR})
DISTRICT_STAFF = frozenset(
    {
        Role.DISTRICT_OFFICER,
        Role.DISTRICT_STATISTICIAN,
        Role.DISTRICT_LIAISON,
        Role.DISTRICT_HEAD,
    }
)


def is_city_user(user) -> bool:
    return bool(user.is_authenticated and CITY_ROLES & set(user_roles(user=user)))


def is_district_staff(user) -> bool:
    return bool(
        user.is_authenticated
        and user.district_id
        and DISTRICT_STAFF & set(user_roles(user=user))
    )


def is_member(*, user, organisation: Organisation) -> bool:
    """Whether the user maintains the organisation (local rule until the register's helper lands)."""
    return bool(
        user.is_authenticated and organisation.users.filter(pk=user.pk).exists()
    )


def member_organisations(*, user) -> QuerySet[Organisation]:
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(users=user)


def sampled_visible_to(*, user) -> QuerySet[SampledOrganisation]:
    qs = SampledOrganisation.objects.select_related(
        "monitoring_year", "organisation__district", "assessment"
    )
    if not user.is_authenticated:
        return qs.none()
    if is_city_user(user):
        return qs
    scope = Q(organisation__users=user)
    if is_district_staff(user):
        scope |= Q(organisation__district_id=user.district_id)
    return qs.filter(scope).distinct()


def sampled_get_for_user(*, user, sampled_id: int) -> SampledOrganisation:
    return sampled_visible_to(user=user).get(pk=sampled_id)


def sampled_in_year(*, user, year: int) -> QuerySet[SampledOrganisation]:
    """The sampled organisations of a year that the user may see."""
    return sampled_visible_to(user=user).filter(monitoring_year__year=year)


def monitoring_year_for(*, user, year: int) -> MonitoringYear:
    """Return a monitoring year the user may read, or raise ``NotFound``.

    The centre reads every year; anyone else only a year in which they see a sampled
    organisation, so a year they have no part in answers like a missing one.
    """
    monitoring_year = MonitoringYear.objects.filter(year=year).first()
    if monitoring_year is None or not (
        is_city_user(user) or sampled_in_year(user=user, year=year).exists()
    ):
        raise NotFound(f"no monitoring year {year}")
    return monitoring_year


def assessment_of(*, sampled: SampledOrganisation) -> SelfAssessment | None:
    """The self-assessment of a sampled organisation already reached through a scoped
    selector (``None`` before anyone started it)."""
    return (
        SelfAssessment.objects.filter(sampled=sampled)
        .select_related("indicator_set")
        .first()
    )


def assessment_events(assessment: SelfAssessment) -> QuerySet:
    """The review events of a self-assessment, oldest first (codes, for the API)."""
    return assessment.events.order_by("at", "pk")


def evidence_visible(*, user, sampled: SampledOrganisation) -> bool:
    """Members see their draft; the district and the centre see it once submitted."""
    if is_member(user=user, organisation=sampled.organisation):
        return True
    assessment = getattr(sampled, "assessment", None)
    return assessment is not None and assessment.status not in EDITABLE


def may_fill(*, user, sampled: SampledOrganisation) -> bool:
    assessment = SelfAssessment.objects.filter(sampled=sampled).first()
    status = assessment.status if assessment else AssessmentStatus.NOT_STARTED
    return status in EDITABLE and is_member(
        user=user, organisation=sampled.organisation
    )


def may_review(*, user, assessment: SelfAssessment | None) -> bool:
    if assessment is None or assessment.status not in REVIEW_STEPS:
        return False
    role, _next = REVIEW_STEPS[assessment.status]
    return (
        role in user_roles(user=user)
        and user.district_id == assessment.sampled.organisation.district_id
    )


def evidence_file_get_for_user(*, user, evidence_id: int) -> ItemEvidence:
    """An evidence document, for the organisation's users, and for the district and the
    centre once submitted."""
    row = ItemEvidence.objects.select_related("assessment__sampled__organisation").get(
        pk=evidence_id
    )
    sampled = sampled_visible_to(user=user).get(pk=row.assessment.sampled_id)
    if not row.document or not evidence_visible(user=user, sampled=sampled):
        raise ItemEvidence.DoesNotExist
    return row


def monitoring_years() -> QuerySet[MonitoringYear]:
    return MonitoringYear.objects.all()


def set_items(indicator_set: IndicatorSet) -> list[SetItem]:
    return list(
        SetItem.objects.filter(indicator__indicator_set=indicator_set)
        .select_related("indicator")
        .order_by("indicator__sort", "sort", "pk")
    )


@dataclass(frozen=True)
class EvidenceRow:
    indicator: SetIndicator
    item: SetItem
    evidence: ItemEvidence | None


def assessment_rows(assessment: SelfAssessment) -> list[EvidenceRow]:
    stored = {e.item_id: e for e in assessment.evidence.all()}
    return [
        EvidenceRow(indicator=i.indicator, item=i, evidence=stored.get(i.pk))
        for i in set_items(assessment.indicator_set)
    ]


@dataclass(frozen=True)
class EventRow:
    at: object
    actor: str
    action: str
    from_status: str
    to_status: str
    comment: str


def assessment_history(assessment: SelfAssessment) -> list[EventRow]:
    """The review history in the reader's language (labels, never stored codes)."""
    return [
        EventRow(
            at=e.at,
            actor=(e.actor.get_full_name() or e.actor.username) if e.actor else "",
            action=label(AssessmentAction, e.action),
            from_status=label(AssessmentStatus, e.from_status) if e.from_status else "",
            to_status=label(AssessmentStatus, e.to_status),
            comment=e.comment,
        )
        for e in assessment.events.select_related("actor").order_by("at", "pk")
    ]


def status_label(sampled: SampledOrganisation) -> str:
    assessment = getattr(sampled, "assessment", None)
    return label(
        AssessmentStatus,
        assessment.status if assessment else AssessmentStatus.NOT_STARTED,
    )
