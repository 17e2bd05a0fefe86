"""Reads of the expert rating: who sees which assignment, which items a round rates, the
disputed items and the agreement report.

Blindness: a rater sees their own scores only. Nothing here hands a rater another rater's
score; researchers see all scores of an assessment, unless they are themselves one of its
raters and have not submitted yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet

from learning_platform.accounts.roles import Role
from learning_platform.accounts.selectors import user_roles
from learning_platform.errors import NotFound
from learning_platform.organisations.models import (
    AssessmentStatus,
    EvidenceKind,
    IndicatorSet,
    ItemEvidence,
    MonitoringYear,
    RaterAssignment,
    Rating,
    SelfAssessment,
    SetItem,
)
from psychometrics.agreement import RaterAgreement, rater_agreement

CITY_ROLES = frozenset({Role.RESEARCHER, Role.ADMINISTRATOR})
# A self-assessment is rated once the organisation has submitted it.
UNSUBMITTED = (AssessmentStatus.NOT_STARTED, AssessmentStatus.DRAFT)
ROUNDS = (1, 2)
THIRD_ROUND = 3


def is_city_user(user) -> bool:
    return bool(CITY_ROLES & set(user_roles(user=user)))


def is_expert(user) -> bool:
    return Role.EXPERT in user_roles(user=user)


def expert_pool() -> QuerySet:
    """Return the active users holding the expert-rater role, in primary-key order."""
    return (
        get_user_model()
        .objects.filter(groups__name=Role.EXPERT, is_active=True)
        .order_by("pk")
    )


def rater_eligible(*, assessment: SelfAssessment, rater) -> bool:
    """Say whether the user may rate this submission (an expert, not of the organisation)."""
    if not is_expert(rater) or not rater.is_active:
        return False
    return not assessment.sampled.organisation.users.filter(pk=rater.pk).exists()


def assessments_to_rate(*, monitoring_year: MonitoringYear) -> QuerySet[SelfAssessment]:
    """Return the submitted self-assessments of a year, in primary-key order."""
    return (
        SelfAssessment.objects.filter(sampled__monitoring_year=monitoring_year)
        .exclude(status__in=UNSUBMITTED)
        .select_related("sampled__organisation__district", "indicator_set")
        .prefetch_related("raters__rater")
        .order_by("pk")
    )


def rated_items(*, indicator_set: IndicatorSet) -> QuerySet[SetItem]:
    """Return the expert-rated items of a set, in the set's order."""
    return (
        SetItem.objects.filter(
            indicator__indicator_set=indicator_set, evidence=EvidenceKind.RATING
        )
        .select_related("indicator")
        .order_by("indicator__sort", "sort")
    )


def _scores(assignment: RaterAssignment | None) -> dict[int, int]:
    if assignment is None:
        return {}
    return dict(assignment.ratings.values_list("item_id", "score"))


def _round(assessment: SelfAssessment, number: int) -> RaterAssignment | None:
    # A fresh query, not a prefetch: a round submitted a moment ago must count.
    return assessment.raters.filter(round=number).first()


def disputed_item_ids(*, assessment: SelfAssessment) -> list[int]:
    """Return the items whose two submitted scores differ by more than the year's threshold."""
    first, second = _round(assessment, 1), _round(assessment, 2)
    if (
        first is None
        or second is None
        or not first.submitted_at
        or not second.submitted_at
    ):
        return []
    threshold = assessment.sampled.monitoring_year.disagreement_threshold
    one, two = _scores(first), _scores(second)
    return [
        item_id
        for item_id in one
        if item_id in two and abs(one[item_id] - two[item_id]) > threshold
    ]


def assignment_items(*, assignment: RaterAssignment) -> list[SetItem]:
    """Return the items this round rates: every expert-rated item, or the disputed ones."""
    items = list(rated_items(indicator_set=assignment.assessment.indicator_set))
    if assignment.round == THIRD_ROUND:
        disputed = set(disputed_item_ids(assessment=assignment.assessment))
        items = [item for item in items if item.pk in disputed]
    return items


def assignments_of_rater(*, user) -> QuerySet[RaterAssignment]:
    """Return the user's own assignments: the only ones a rater ever opens."""
    if not user.is_authenticated:
        return RaterAssignment.objects.none()
    return (
        RaterAssignment.objects.filter(rater=user)
        .select_related(
            "assessment__sampled__organisation__district",
            "assessment__sampled__monitoring_year",
            "assessment__indicator_set",
        )
        .annotate(rated=Count("ratings"))
        .order_by("submitted_at", "-assessment__sampled__monitoring_year__year", "pk")
    )


def assignment_get_for_rater(*, user, assignment_id: int) -> RaterAssignment:
    """Return the user's own assignment; anyone else's is missing (``DoesNotExist``)."""
    return assignments_of_rater(user=user).get(pk=assignment_id)


def own_ratings(*, assignment: RaterAssignment) -> dict[int, Rating]:
    return {r.item_id: r for r in assignment.ratings.all()}


def evidence_by_item(*, assessment: SelfAssessment) -> dict[int, ItemEvidence]:
    return {e.item_id: e for e in assessment.evidence.all()}


def scores_visible(*, user, assessment: SelfAssessment) -> bool:
    """Say whether the user may read every rater's scores of this assessment.

    City users may, except while they are one of its raters and have not submitted.
    """
    if not is_city_user(user):
        return False
    return not assessment.raters.filter(rater=user, submitted_at__isnull=True).exists()


def assessment_get_for_city(*, user, assessment_id: int) -> SelfAssessment:
    """Return a submitted assessment for a city user; missing for anyone else."""
    if not is_city_user(user):
        raise SelfAssessment.DoesNotExist
    return (
        SelfAssessment.objects.exclude(status__in=UNSUBMITTED)
        .select_related(
            "sampled__organisation", "sampled__monitoring_year", "indicator_set"
        )
        .get(pk=assessment_id)
    )


def assessment_scores_for(*, user, assessment_id: int) -> SelfAssessment:
    """Return an assessment whose every score the user may read; missing otherwise.

    A rater who has not submitted gets the DoesNotExist of a missing assessment.
    """
    assessment = assessment_get_for_city(user=user, assessment_id=assessment_id)
    if not scores_visible(user=user, assessment=assessment):
        raise SelfAssessment.DoesNotExist
    return assessment


def monitoring_year_for_city(*, user, year: int) -> MonitoringYear:
    """Return a monitoring year for a city user; ``NotFound`` if missing or for anyone else."""
    monitoring_year = (
        MonitoringYear.objects.filter(year=year).first() if is_city_user(user) else None
    )
    if monitoring_year is None:
        raise NotFound(f"no monitoring year {year}")
    return monitoring_year


def rater_get_for_city(*, user, rater_id: int):
    """Return the user a city user names as a rater; ``NotFound`` if missing or for anyone
    else (whether the user may rate is the service's check)."""
    rater = (
        get_user_model().objects.filter(pk=rater_id).first()
        if is_city_user(user)
        else None
    )
    if rater is None:
        raise NotFound(f"no user {rater_id}")
    return rater


def round_scores(*, assessment: SelfAssessment) -> dict[int, dict[int, int]]:
    """Every submitted round's scores by item: ``{round: {item_id: score}}``.

    Call only for an assessment from :func:`assessment_scores_for`.
    """
    return {
        a.round: _scores(a)
        for a in assessment.raters.filter(submitted_at__isnull=False)
    }


class RatingState:
    """Where a submission stands in the rating (codes; the pages show the labels)."""

    NEEDS_RATERS = "needs_raters"
    RATING = "rating"
    NEEDS_THIRD = (
        "needs_third"  # a disagreement and nobody left in the pool: researcher assigns
    )
    THIRD_RATING = "third_rating"
    DONE = "done"


def rating_state(*, assessment: SelfAssessment) -> str:
    raters = {a.round: a for a in assessment.raters.all()}
    if any(r not in raters for r in ROUNDS):
        return RatingState.NEEDS_RATERS
    if not all(raters[r].submitted_at for r in ROUNDS):
        return RatingState.RATING
    if not disputed_item_ids(assessment=assessment):
        return RatingState.DONE
    third = raters.get(THIRD_ROUND)
    if third is None:
        return RatingState.NEEDS_THIRD
    return RatingState.DONE if third.submitted_at else RatingState.THIRD_RATING


def rater_loads(*, monitoring_year: MonitoringYear) -> dict[int, int]:
    """Return each expert's number of assignments in the year (all rounds)."""
    rows = (
        RaterAssignment.objects.filter(
            assessment__sampled__monitoring_year=monitoring_year
        )
        .values("rater_id")
        .annotate(n=Count("pk"))
    )
    return {row["rater_id"]: row["n"] for row in rows}


# ------------------------------------------------------------------ agreement report


@dataclass
class AgreementRow:
    """One indicator set of one year: the two raters' pairs and the third-rater count."""

    indicator_set: IndicatorSet
    pairs_first: list[int] = field(default_factory=list)
    pairs_second: list[int] = field(default_factory=list)
    max_score: int = 1
    submissions: int = 0
    to_third_items: int = 0
    to_third_submissions: int = 0
    agreement: RaterAgreement | None = None
    error: str = ""

    @property
    def n(self) -> int:
        return len(self.pairs_first)


def agreement_report(*, monitoring_year: MonitoringYear) -> list[AgreementRow]:
    """Per indicator set: quadratic weighted kappa with n, exact agreement and third-rater counts.

    The pairs are the item scores of rounds 1 and 2 of every submission both raters have
    submitted; kappa is computed on the rubric 0..(the set's largest ``max_score``).
    """

    rows: dict[int, AgreementRow] = {}
    assessments = (
        SelfAssessment.objects.filter(sampled__monitoring_year=monitoring_year)
        .filter(raters__round=1, raters__submitted_at__isnull=False)
        .filter(
            pk__in=RaterAssignment.objects.filter(
                round=2, submitted_at__isnull=False
            ).values("assessment_id")
        )
        .select_related("indicator_set", "sampled__monitoring_year")
        .prefetch_related("raters__ratings__item")
        .order_by("indicator_set__kind", "pk")
        .distinct()
    )
    for assessment in assessments:
        row = rows.setdefault(
            assessment.indicator_set_id, AgreementRow(assessment.indicator_set)
        )
        row.submissions += 1
        by_round = {a.round: a for a in assessment.raters.all()}
        one = {r.item_id: r for r in by_round[1].ratings.all()}
        two = {r.item_id: r for r in by_round[2].ratings.all()}
        for item_id in sorted(one.keys() & two.keys()):
            row.pairs_first.append(one[item_id].score)
            row.pairs_second.append(two[item_id].score)
            row.max_score = max(row.max_score, one[item_id].item.max_score)
        disputed = disputed_item_ids(assessment=assessment)
        row.to_third_items += len(disputed)
        row.to_third_submissions += bool(disputed)
    for row in rows.values():
        if row.pairs_first:
            try:
                row.agreement = rater_agreement(
                    row.pairs_first, row.pairs_second, max_score=row.max_score
                )
            except (
                ValueError
            ) as exc:  # a stored score outside the rubric: say so, do not crash
                row.error = str(exc)
    return sorted(
        rows.values(), key=lambda r: (r.indicator_set.kind, -r.indicator_set.version)
    )


def years_with_assessments() -> QuerySet[MonitoringYear]:
    return (
        MonitoringYear.objects.filter(Q(sampled__assessment__isnull=False))
        .distinct()
        .order_by("-year")
    )
