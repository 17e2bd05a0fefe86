"""The expert rating (``/rating``).

A rater reads and writes only their own assignments (anyone else's answers 404); no
operation returns another rater's score to a rater. Researchers assign and read the report.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from ninja import Router
from ninja.responses import Status

from learning_platform.organisations.schemas import (
    AgreementRowOut,
    AssessmentRatingsOut,
    RandomAssignIn,
    RaterAssignIn,
    RatingAssignmentDetailOut,
    RatingAssignmentOut,
    RatingsIn,
)
from learning_platform.organisations.selectors import rating as rating_selectors
from learning_platform.organisations.services import rating as rating_services

router = Router()  # tagged "organisations" where the package mounts it


def _assignment_out(assignment) -> dict:
    sampled = assignment.assessment.sampled
    return {
        "id": assignment.pk,
        "year": sampled.monitoring_year.year,
        "organisation": sampled.organisation.name,
        "district_code": sampled.organisation.district.code,
        "indicator_set": assignment.assessment.indicator_set.title_zh,
        "round": assignment.round,
        "submitted_at": assignment.submitted_at.isoformat()
        if assignment.submitted_at
        else None,
    }


def _assignment_detail(assignment) -> dict:
    own = rating_selectors.own_ratings(assignment=assignment)
    evidence = rating_selectors.evidence_by_item(assessment=assignment.assessment)
    items = []
    for item in rating_selectors.assignment_items(assignment=assignment):
        ev, mine = evidence.get(item.pk), own.get(item.pk)
        items.append(
            {
                "item_id": item.pk,
                "code": item.code,
                "text_zh": item.text_zh,
                "indicator_zh": item.indicator.name_zh,
                "max_score": item.max_score,
                "statement": ev.statement if ev else "",
                "has_document": bool(ev and ev.document),
                "score": mine.score if mine else None,
                "comment": mine.comment if mine else "",
            }
        )
    return {**_assignment_out(assignment), "items": items}


def _require_city(request) -> None:
    if not rating_selectors.is_city_user(request.user):
        raise PermissionDenied("Only researchers of the monitoring centre may do this.")


@router.get(
    "/rating/assignments",
    response=list[RatingAssignmentOut],
    url_name="organisations_rating_assignments",
    operation_id="organisations_rating_assignments",
)
def rating_assignments(request):
    """The caller's own rating assignments (empty for anyone who rates nothing)."""
    return [
        _assignment_out(a)
        for a in rating_selectors.assignments_of_rater(user=request.user)
    ]


@router.get(
    "/rating/assignments/{assignment_id}",
    response=RatingAssignmentDetailOut,
    url_name="organisations_rating_assignment",
    operation_id="organisations_rating_assignment",
)
def rating_assignment(request, assignment_id: int):
    """One own assignment: its items, the organisation's evidence and the caller's own scores."""
    assignment = rating_selectors.assignment_get_for_rater(
        user=request.user, assignment_id=assignment_id
    )
    return _assignment_detail(assignment)


@router.put(
    "/rating/assignments/{assignment_id}",
    response=RatingAssignmentDetailOut,
    url_name="organisations_rating_save",
    operation_id="organisations_rating_save",
)
def rating_save(request, assignment_id: int, payload: RatingsIn):
    """Save the caller's scores, and submit them with ``submit: true``; all or nothing."""
    assignment = rating_selectors.assignment_get_for_rater(
        user=request.user, assignment_id=assignment_id
    )
    rating_services.ratings_save(
        assignment=assignment,
        user=request.user,
        scores={r.item_id: r.score for r in payload.ratings},
        comments={r.item_id: r.comment for r in payload.ratings},
        submit=payload.submit,
    )
    assignment = rating_selectors.assignment_get_for_rater(
        user=request.user, assignment_id=assignment_id
    )
    return _assignment_detail(assignment)


@router.post(
    "/rating/raters",
    response={201: RatingAssignmentOut},
    url_name="organisations_rating_assign",
    operation_id="organisations_rating_assign",
)
def rating_assign(request, payload: RaterAssignIn):
    """Researchers: assign an expert to one round (1, 2 or 3) of a submitted self-assessment."""
    _require_city(request)
    assessment = rating_selectors.assessment_get_for_city(
        user=request.user, assessment_id=payload.assessment_id
    )
    rater = rating_selectors.rater_get_for_city(
        user=request.user, rater_id=payload.rater_id
    )
    assignment = rating_services.rater_assign(
        assessment=assessment, rater=rater, round=payload.round, actor=request.user
    )
    return Status(201, _assignment_out(assignment))


@router.post(
    "/rating/years/{year}/assign-random",
    response={201: list[RatingAssignmentOut]},
    url_name="organisations_rating_assign_random",
    operation_id="organisations_rating_assign_random",
)
def rating_assign_random(request, year: int, payload: RandomAssignIn):
    """Researchers: give every submission of the year its missing raters, balanced, by seed."""
    _require_city(request)
    monitoring_year = rating_selectors.monitoring_year_for_city(
        user=request.user, year=year
    )
    made = rating_services.raters_assign_randomly(
        monitoring_year=monitoring_year, seed=payload.seed, actor=request.user
    )
    return Status(201, [_assignment_out(a) for a in made])


@router.get(
    "/rating/years/{year}/agreement",
    response=list[AgreementRowOut],
    url_name="organisations_rating_agreement",
    operation_id="organisations_rating_agreement",
)
def rating_agreement(request, year: int):
    """Researchers: quadratic weighted kappa, exact agreement and third-rater counts per set."""
    _require_city(request)
    monitoring_year = rating_selectors.monitoring_year_for_city(
        user=request.user, year=year
    )
    out = []
    for row in rating_selectors.agreement_report(monitoring_year=monitoring_year):
        result = row.agreement
        kappa = (
            result.kappa_quadratic if result and not result.undefined_reason else None
        )
        out.append(
            {
                "indicator_set": row.indicator_set.title_zh,
                "kind": row.indicator_set.kind,
                "submissions": row.submissions,
                "n": row.n,
                "kappa_quadratic": kappa,
                "exact_agreement": result.exact if result else None,
                "items_to_third_rater": row.to_third_items,
                "submissions_with_third_rater": row.to_third_submissions,
            }
        )
    return out


@router.get(
    "/rating/assessments/{assessment_id}",
    response=AssessmentRatingsOut,
    url_name="organisations_rating_assessment",
    operation_id="organisations_rating_assessment",
)
def rating_assessment(request, assessment_id: int):
    """Researchers: every round's scores and the final score of each expert-rated item.

    A researcher who is one of the assessment's raters and has not submitted sees 404."""
    assessment = rating_selectors.assessment_scores_for(
        user=request.user, assessment_id=assessment_id
    )
    by_round = rating_selectors.round_scores(assessment=assessment)
    evidence = rating_selectors.evidence_by_item(assessment=assessment)
    items = [
        {
            "item_id": item.pk,
            "code": item.code,
            "scores": {str(n): by_round.get(n, {}).get(item.pk) for n in (1, 2, 3)},
            "final": evidence[item.pk].score if item.pk in evidence else None,
        }
        for item in rating_selectors.rated_items(indicator_set=assessment.indicator_set)
    ]
    return {
        "assessment_id": assessment.pk,
        "state": rating_selectors.rating_state(assessment=assessment),
        "disputed_item_ids": rating_selectors.disputed_item_ids(assessment=assessment),
        "items": items,
    }
