"""API of the learning organisations (``/api/v1/organisations/``)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router

from learning_platform.organisations.models import (
    AssessmentStatus,
    MonitoringYear,
    SampledOrganisation,
    SelfAssessment,
)
from learning_platform.organisations.monitoring_states import label
from learning_platform.organisations.schemas import (
    AgreementRowOut,
    AllocationRowOut,
    AssessmentIn,
    AssessmentOut,
    AssessmentRatingsOut,
    EventOut,
    EvidenceOut,
    OrganisationDetailOut,
    OrganisationIn,
    OrganisationOut,
    OrganisationPatch,
    RandomAssignIn,
    RaterAssignIn,
    RatingAssignmentDetailOut,
    RatingAssignmentOut,
    RatingsIn,
    RegisterFilter,
    ResultsTableOut,
    ReviewIn,
    SampledOut,
    SampleOut,
    SpaceOut,
    SpaceSummaryOut,
    TierChangeIn,
    TierChangeOut,
    YearResultOut,
)
from learning_platform.organisations.selectors import monitoring as monitoring_selectors
from learning_platform.organisations.services import monitoring as monitoring_services
from learning_platform.private_files import private_file_response

router = Router(tags=["organisations"])


# ======================================================================================# register: organisations, their entries and tier decisions (``/register``)
# =============================================================================================


from ninja import Query  # noqa: E402
from ninja.responses import Status  # noqa: E402

from learning_platform.accounts.selectors import user_roles  # noqa: E402
from learning_platform.organisations.models import Organisation, TierChange  # noqa: E402
from learning_platform.organisations.selectors import register as register_selectors  # noqa: E402
from learning_platform.organisations.services import register as register_services  # noqa: E402

REGISTER_API_ROLES = (
    register_selectors.CITY_ROLES
    | register_selectors.DISTRICT_STAFF
    | register_selectors.MEMBER_ROLES
)


def _organisation_out(org: Organisation) -> dict:
    return {
        "id": org.pk,
        "slug": org.slug,
        "name": org.name,
        "kind": org.kind,
        "kind_label": str(org.get_kind_display()),
        "district_code": org.district.code,
        "district_name": org.district.name_zh,
        "street": org.street,
        "contact_name": org.contact_name,
        "contact_phone": org.contact_phone,
        "contact_email": org.contact_email,
        "residents": org.residents,
        "members": org.members,
        "tier": org.tier,
        "tier_label": str(org.get_tier_display()),
        "updated_at": org.updated_at,
    }


def _tier_change_out(change: TierChange) -> dict:
    return {
        "from_tier": change.from_tier,
        "to_tier": change.to_tier,
        "year": change.year,
        "evidence": change.evidence,
        "decided_by": change.decided_by.username if change.decided_by else None,
        "decided_at": change.decided_at,
    }


def _organisation_detail_out(user, org: Organisation) -> dict:
    manages = register_selectors.may_manage_district(user, org.district_id)
    return {
        **_organisation_out(org),
        "users": sorted(org.users.values_list("username", flat=True))
        if manages
        else [],
        "tier_changes": [
            _tier_change_out(c) for c in org.tier_changes.select_related("decided_by")
        ],
    }


def _require_register_role(request) -> None:
    if not REGISTER_API_ROLES & set(user_roles(user=request.user)):
        raise PermissionDenied(
            _(
                "The register of learning organisations is for districts, the monitoring "
                "centre and the organisations themselves."
            )
        )


@router.get(
    "/register",
    response=list[OrganisationOut],
    url_name="organisations_register_list",
    operation_id="organisations_register_list",
)
def register_list(request, filters: Query[RegisterFilter]):
    """Return the organisations the caller may see, filtered and paged (limit/offset)."""
    _require_register_role(request)
    queryset = register_selectors.organisations_filter(
        register_selectors.organisations_visible_to(request.user),
        district=filters.district,
        kind=filters.kind,
        tier=filters.tier,
        q=filters.q,
    )
    return [
        _organisation_out(o)
        for o in queryset[filters.offset : filters.offset + filters.limit]
    ]


@router.post(
    "/register",
    response={201: OrganisationDetailOut},
    url_name="organisations_register_create",
    operation_id="organisations_register_create",
)
def register_create(request, payload: OrganisationIn):
    """Register an organisation (district staff in their own district, or the city)."""
    org = register_services.organisation_create(
        user=request.user, data=payload.model_dump()
    )
    return Status(201, _organisation_detail_out(request.user, org))


@router.get(
    "/register/{org_id}",
    response=OrganisationDetailOut,
    url_name="organisations_register_detail",
    operation_id="organisations_register_detail",
)
def register_detail(request, org_id: int):
    """Return one organisation with its tier decisions; one the caller may not see is 404."""
    org = register_selectors.organisation_get_for_user(user=request.user, org_id=org_id)
    return _organisation_detail_out(request.user, org)


@router.patch(
    "/register/{org_id}",
    response=OrganisationDetailOut,
    url_name="organisations_register_update",
    operation_id="organisations_register_update",
)
def register_update(request, org_id: int, payload: OrganisationPatch):
    """Change an entry; the organisation's own users change only contact and size details."""
    org = register_selectors.organisation_get_for_user(user=request.user, org_id=org_id)
    org = register_services.organisation_update(
        user=request.user, org=org, data=payload.model_dump(exclude_unset=True)
    )
    return _organisation_detail_out(request.user, org)


@router.post(
    "/register/{org_id}/tier",
    response={201: TierChangeOut},
    url_name="organisations_register_tier",
    operation_id="organisations_register_tier",
)
def register_tier(request, org_id: int, payload: TierChangeIn):
    """Record a tier decision with its year and evidence (district or city only)."""
    org = register_selectors.organisation_get_for_user(user=request.user, org_id=org_id)
    change = register_services.organisation_tier_change(
        user=request.user,
        org=org,
        to_tier=payload.to_tier,
        year=payload.year,
        evidence=payload.evidence,
    )
    return Status(201, _tier_change_out(change))


# ============================================================================ end of register
# --- monitoring ------------------------------------------------------------------------


def _sampled_out(s: SampledOrganisation) -> SampledOut:
    assessment = getattr(s, "assessment", None)
    status = assessment.status if assessment else AssessmentStatus.NOT_STARTED
    return SampledOut(
        id=s.pk,
        organisation_id=s.organisation_id,
        organisation=s.organisation.name,
        district=s.organisation.district.code,
        kind=s.organisation.kind,
        stratum=s.stratum,
        weight=s.weight,
        status=status,
        status_label=label(AssessmentStatus, status),
    )


def _sampled(request, sampled_id: int) -> SampledOrganisation:
    try:
        return monitoring_selectors.sampled_get_for_user(
            user=request.user, sampled_id=sampled_id
        )
    except SampledOrganisation.DoesNotExist as exc:
        raise Http404("No such sampled organisation") from exc


def _assessment_out(request, sampled: SampledOrganisation) -> AssessmentOut:
    assessment = (
        SelfAssessment.objects.filter(sampled=sampled)
        .select_related("indicator_set")
        .first()
    )
    status = assessment.status if assessment else AssessmentStatus.NOT_STARTED
    show = assessment is not None and monitoring_selectors.evidence_visible(
        user=request.user, sampled=sampled
    )
    evidence = []
    if show:
        for row in monitoring_selectors.assessment_rows(assessment):
            ev = row.evidence
            evidence.append(
                EvidenceOut(
                    item_code=row.item.code,
                    evidence_kind=row.item.evidence,
                    statement=ev.statement if ev else "",
                    number=float(ev.number) if ev and ev.number is not None else None,
                    computed=float(ev.computed)
                    if ev and ev.computed is not None
                    else None,
                    meets_threshold=ev.meets_threshold if ev else None,
                    has_document=bool(ev and ev.document),
                )
            )
    history = [
        EventOut(
            action=e.action,
            from_status=e.from_status,
            to_status=e.to_status,
            comment=e.comment,
            at=e.at.isoformat(),
        )
        for e in (assessment.events.order_by("at", "pk") if assessment else [])
    ]
    return AssessmentOut(
        sampled_id=sampled.pk,
        organisation=sampled.organisation.name,
        year=sampled.monitoring_year.year,
        indicator_set=assessment.indicator_set.title_zh if assessment else "",
        status=status,
        status_label=label(AssessmentStatus, status),
        evidence=evidence,
        history=history,
    )


@router.get(
    "/monitoring/{year}/sample",
    response=SampleOut,
    url_name="organisations_monitoring_sample",
    operation_id="organisations_monitoring_sample",
)
def monitoring_sample(request, year: int):
    """A year's sample: the allocation (centre) and the sampled organisations the caller may see."""
    monitoring_year = MonitoringYear.objects.filter(year=year).first()
    visible = monitoring_selectors.sampled_visible_to(user=request.user).filter(
        monitoring_year__year=year
    )
    city = monitoring_selectors.is_city_user(request.user)
    if monitoring_year is None or not (city or visible.exists()):
        raise Http404("No such monitoring year")
    return SampleOut(
        year=year,
        seed=monitoring_year.seed if city else None,
        sample_size=monitoring_year.sample_size,
        allocation=[AllocationRowOut(**row) for row in monitoring_year.allocation]
        if city
        else [],
        sampled=[_sampled_out(s) for s in visible],
    )


@router.get(
    "/monitoring/assessments/{sampled_id}",
    response=AssessmentOut,
    url_name="organisations_monitoring_assessment",
    operation_id="organisations_monitoring_assessment",
)
def monitoring_assessment(request, sampled_id: int):
    """A self-assessment: its status and history, and its evidence once the caller may see it."""
    return _assessment_out(request, _sampled(request, sampled_id))


def _save(
    request, sampled_id: int, payload: AssessmentIn, *, submit: bool
) -> AssessmentOut:
    sampled = _sampled(request, sampled_id)
    if not monitoring_selectors.is_member(
        user=request.user, organisation=sampled.organisation
    ):
        raise PermissionDenied(
            _("Only the organisation's own users fill in its self-assessment.")
        )
    assessment = monitoring_services.assessment_ensure(sampled=sampled)
    data: dict[str, str] = {}
    for row in payload.items:
        data[f"statement_{row.item_code}"] = row.statement
        data[f"number_{row.item_code}"] = row.number
    if not payload.items and submit:  # submit what is stored
        for row in monitoring_selectors.assessment_rows(assessment):
            if row.evidence:
                data[f"statement_{row.item.code}"] = row.evidence.statement
                data[f"number_{row.item.code}"] = (
                    "" if row.evidence.number is None else str(row.evidence.number)
                )
    monitoring_services.assessment_save(
        assessment=assessment, user=request.user, data=data, submit=submit
    )
    return _assessment_out(request, sampled)


@router.put(
    "/monitoring/assessments/{sampled_id}",
    response=AssessmentOut,
    url_name="organisations_monitoring_assessment_save",
    operation_id="organisations_monitoring_assessment_save",
)
def monitoring_assessment_save(request, sampled_id: int, payload: AssessmentIn):
    """Save the organisation's statements and numbers as a draft (documents go through the page)."""
    return _save(request, sampled_id, payload, submit=False)


@router.post(
    "/monitoring/assessments/{sampled_id}/submit",
    response=AssessmentOut,
    url_name="organisations_monitoring_assessment_submit",
    operation_id="organisations_monitoring_assessment_submit",
)
def monitoring_assessment_submit(request, sampled_id: int, payload: AssessmentIn):
    """Submit for the district's first review (``items`` empty: submit what is saved)."""
    return _save(request, sampled_id, payload, submit=True)


@router.post(
    "/monitoring/assessments/{sampled_id}/review",
    response=AssessmentOut,
    url_name="organisations_monitoring_assessment_review",
    operation_id="organisations_monitoring_assessment_review",
)
def monitoring_assessment_review(request, sampled_id: int, payload: ReviewIn):
    """The district liaison (first review) or head (second review) approves or returns."""
    sampled = _sampled(request, sampled_id)
    assessment = SelfAssessment.objects.filter(sampled=sampled).first()
    if assessment is None:
        raise Http404("Not filled in yet")
    monitoring_services.assessment_review(
        assessment=assessment,
        user=request.user,
        approve=payload.approve,
        comment=payload.comment,
    )
    return _assessment_out(request, sampled)


# ------------------------------------------------------------------ rating (expert raters)
# A rater reads and writes only their own assignments (anyone else's answers 404); no
# operation returns another rater's score to a rater. Researchers assign and read the report.

from django.contrib.auth import get_user_model  # noqa: E402

from learning_platform.organisations.selectors import rating as rating_selectors  # noqa: E402
from learning_platform.organisations.services import rating as rating_services  # noqa: E402


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
    rater = get_user_model().objects.get(pk=payload.rater_id)
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
    monitoring_year = MonitoringYear.objects.get(year=year)
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
    monitoring_year = MonitoringYear.objects.get(year=year)
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
    by_round = {
        a.round: dict(a.ratings.values_list("item_id", "score"))
        for a in assessment.raters.filter(submitted_at__isnull=False)
    }
    finals = {e.item_id: e.score for e in assessment.evidence.all()}
    items = [
        {
            "item_id": item.pk,
            "code": item.code,
            "scores": {str(n): by_round.get(n, {}).get(item.pk) for n in (1, 2, 3)},
            "final": finals.get(item.pk),
        }
        for item in rating_selectors.rated_items(indicator_set=assessment.indicator_set)
    ]
    return {
        "assessment_id": assessment.pk,
        "state": rating_selectors.rating_state(assessment=assessment),
        "disputed_item_ids": rating_selectors.disputed_item_ids(assessment=assessment),
        "items": items,
    }


# --- space --------------------------------------------------------------------------------
# Read API of the spaces: what the pages show, scoped by the same selectors (nothing pending
# reaches anyone but the organisation's users and its district's staff).


from learning_platform.auth import public  # noqa: E402
from learning_platform.organisations.models import Organisation as _Organisation  # noqa: E402
from learning_platform.organisations.models import SpaceEntry as _SpaceEntry  # noqa: E402
from learning_platform.organisations.selectors import results as _results  # noqa: E402
from learning_platform.organisations.selectors import space as _space  # noqa: E402


def _summary(o: _Organisation) -> dict:
    return {
        "slug": o.slug,
        "name": o.name,
        "kind": o.kind,
        "kind_label": str(o.get_kind_display()),
        "district_code": o.district.code,
        "district_name": o.district.name_zh,
        "street": o.street,
        "tier": o.tier,
        "tier_label": str(o.get_tier_display()),
    }


def _year_results(o: _Organisation) -> list[dict]:
    return [
        {
            "year": r.year,
            "set_title": r.set_title,
            "mean_score": r.mean_score,
            "indicators_met": r.indicators_met,
            "profile": [vars(p) for p in r.profile],
            "items": [
                {
                    "indicator_code": i.indicator_code,
                    "code": i.code,
                    "score": i.score,
                    "max_score": i.max_score,
                    "met": i.met,
                }
                for i in r.items
            ],
        }
        for r in _results.organisation_results(organisation=o)
    ]


@router.get(
    "/spaces",
    response=list[SpaceSummaryOut],
    url_name="organisations_spaces",
    operation_id="organisations_spaces",
    auth=public,
)
def spaces(request, district: str = "", kind: str = "", tier: str = "", q: str = ""):
    """The public spaces (something on them is approved), filtered."""
    return [
        _summary(o)
        for o in _space.space_index(district=district, kind=kind, tier=tier, q=q[:60])[
            :500
        ]
    ]


@router.get(
    "/spaces/{slug}",
    response=SpaceOut,
    url_name="organisations_space",
    operation_id="organisations_space",
    auth=public,
)
def space(request, slug: str):
    """One space: its entries the caller may see and its approved yearly results."""
    try:
        o = _space.space_get_for_user(user=request.user, slug=slug)
    except _Organisation.DoesNotExist as exc:
        raise Http404("No such space") from exc
    entries = [
        {
            "id": e.pk,
            "kind": e.kind,
            "title": e.title,
            "body": e.body,
            "happened_on": e.happened_on.isoformat() if e.happened_on else None,
            "alt_text": e.alt_text,
            "status": e.status,
            "file_url": f"/api/v1/organisations/spaces/entries/{e.pk}/file"
            if e.file
            else None,
        }
        for e in _space.space_entries_for_user(user=request.user, organisation=o)
    ]
    return {**_summary(o), "entries": entries, "results": _year_results(o)}


@router.get(
    "/spaces/entries/{entry_id}/file",
    url_name="organisations_space_file",
    operation_id="organisations_space_file",
    auth=public,
)
def space_file(request, entry_id: int):
    """An entry's file, under the same rule as the page."""

    try:
        entry = _space.space_entry_get_for_user(user=request.user, entry_id=entry_id)
    except _SpaceEntry.DoesNotExist as exc:
        raise Http404("No such file") from exc
    if not entry.file:
        raise Http404("No such file")
    return private_file_response(
        entry.file,
        filename=entry.file.name.rsplit("/", 1)[-1],
        as_attachment=entry.kind != "photo",
    )


# --- results ------------------------------------------------------------------------------


@router.get(
    "/results",
    response=ResultsTableOut,
    url_name="organisations_results",
    operation_id="organisations_results",
    auth=public,
)
def results_table(request, year: int | None = None, district: str = "", kind: str = ""):
    """Share of organisations meeting each first-level indicator per district × kind (and the
    city), with design-based SEs; cells under the suppression threshold carry no figure."""
    table = _results.district_kind_table(
        year=year, district_code=district[:12], kind=kind
    )
    return {
        "year": table.year,
        "suppression_threshold": table.threshold,
        "cells": [
            {
                "district_code": c.district_code,
                "district_name": c.district_name,
                "kind": c.kind,
                "indicator_code": c.indicator_code,
                "indicator_name": c.indicator_name,
                "n": c.n,
                "share": c.estimate,
                "se": c.se,
                "suppressed": c.suppressed,
            }
            for c in table.cells
        ],
    }


@router.get(
    "/results/organisations/{slug}",
    response=list[YearResultOut],
    url_name="organisations_results_organisation",
    operation_id="organisations_results_organisation",
    auth=public,
)
def results_organisation(request, slug: str):
    """An organisation's approved yearly results (item scores, profiles, growth)."""
    try:
        o = _space.space_get_for_user(user=request.user, slug=slug)
    except _Organisation.DoesNotExist as exc:
        raise Http404("No such organisation") from exc
    return _year_results(o)
