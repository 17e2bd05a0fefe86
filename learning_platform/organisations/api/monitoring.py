"""The annual sampled monitoring: a year's sample and the self-assessments (``/monitoring``).

Every read goes through ``selectors.monitoring``: a sampled organisation or a year the
caller may not see answers like a missing one (404).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Router

from learning_platform.errors import NotFound
from learning_platform.organisations.models import (
    AssessmentStatus,
    SampledOrganisation,
)
from learning_platform.organisations.monitoring_states import label
from learning_platform.organisations.schemas import (
    AllocationRowOut,
    AssessmentIn,
    AssessmentOut,
    EventOut,
    EvidenceOut,
    ReviewIn,
    SampledOut,
    SampleOut,
)
from learning_platform.organisations.selectors import monitoring as monitoring_selectors
from learning_platform.organisations.services import monitoring as monitoring_services

router = Router()  # tagged "organisations" where the package mounts it


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
    return monitoring_selectors.sampled_get_for_user(
        user=request.user, sampled_id=sampled_id
    )


def _assessment_out(request, sampled: SampledOrganisation) -> AssessmentOut:
    assessment = monitoring_selectors.assessment_of(sampled=sampled)
    status = assessment.status if assessment else AssessmentStatus.NOT_STARTED
    show = assessment is not None and monitoring_selectors.evidence_visible(
        user=request.user, sampled=sampled
    )
    evidence = []
    if show and assessment is not None:
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
        for e in (
            monitoring_selectors.assessment_events(assessment) if assessment else []
        )
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
    monitoring_year = monitoring_selectors.monitoring_year_for(
        user=request.user, year=year
    )
    city = monitoring_selectors.is_city_user(request.user)
    visible = monitoring_selectors.sampled_in_year(user=request.user, year=year)
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
        for stored in monitoring_selectors.assessment_rows(assessment):
            if stored.evidence:
                ev = stored.evidence
                data[f"statement_{stored.item.code}"] = ev.statement
                data[f"number_{stored.item.code}"] = (
                    "" if ev.number is None else str(ev.number)
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
    assessment = monitoring_selectors.assessment_of(sampled=sampled)
    if assessment is None:  # not filled in yet
        raise NotFound(f"no self-assessment for sampled organisation {sampled_id}")
    monitoring_services.assessment_review(
        assessment=assessment,
        user=request.user,
        approve=payload.approve,
        comment=payload.comment,
    )
    return _assessment_out(request, sampled)
