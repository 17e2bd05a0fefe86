"""Writes of the annual sampled monitoring: the draw, self-assessments and the district review."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from learning_platform.accounts.roles import Role
from learning_platform.accounts.selectors import user_roles
from learning_platform.organisations import thresholds
from learning_platform.organisations.models import (
    AssessmentEvent,
    AssessmentStatus,
    EvidenceKind,
    IndicatorSet,
    ItemEvidence,
    MonitoringYear,
    Organisation,
    SampledOrganisation,
    SelfAssessment,
    SetItem,
)
from learning_platform.organisations.monitoring_states import (
    EDITABLE,
    REVIEW_STEPS,
    AssessmentAction,
)
from learning_platform.organisations.selectors.monitoring import (
    is_city_user,
    is_member,
    set_items,
)
from psychometrics.survey.org_sample import draw_organisation_sample

SEED_MAX = 2_147_483_647
STATEMENT_MAX_CHARS = 2000
NUMBER_MAX = Decimal("1e12")
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
# Accepted evidence files and the bytes each must start with.
EVIDENCE_TYPES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
}


# --- the sample ------------------------------------------------------------------------


@transaction.atomic
def sample_draw(
    *, year: int, size: int, seed: int, user, floor: int = 1
) -> MonitoringYear:
    """Draw the year's stratified sample (district × kind) and store it with its allocation.

    Drawing again with the same register, size, floor and seed gives the same sample; a
    year whose self-assessments have started keeps its sample.
    """
    if not is_city_user(user):
        raise PermissionDenied(_("Only the monitoring centre draws the sample."))
    errors: dict[str, str] = {}
    if not 2000 <= year <= 2100:
        errors["year"] = _("Enter a year between 2000 and 2100.")
    if not 0 <= seed <= SEED_MAX:
        errors["seed"] = _(
            "The random seed must be a whole number from 0 to 2147483647."
        )
    if floor not in (1, 2):
        errors["floor"] = _("The minimum per stratum must be 1 or 2.")
    if errors:
        raise ValidationError(errors)
    monitoring_year, _created = (
        MonitoringYear.objects.select_for_update().get_or_create(year=year)
    )
    started = (
        SelfAssessment.objects.filter(sampled__monitoring_year=monitoring_year)
        .exclude(status=AssessmentStatus.NOT_STARTED)
        .exists()
        or ItemEvidence.objects.filter(
            assessment__sampled__monitoring_year=monitoring_year
        ).exists()
    )
    if started:
        raise ValidationError(
            {
                "year": _(
                    "Self-assessments for %(year)s have already started, so the sample can no longer be "
                    "drawn again."
                )
                % {"year": year}
            }
        )
    organisations = list(Organisation.objects.select_related("district").order_by("pk"))
    labels = [f"{o.district.code}:{o.kind}" for o in organisations]
    strata = sorted(set(labels))
    minimum = sum(min(floor, labels.count(s)) for s in strata)
    if not organisations:
        raise ValidationError(
            {"size": _("The register has no organisations to sample.")}
        )
    if size > len(organisations):
        raise ValidationError(
            {
                "size": _(
                    "The sample size %(size)s is larger than the register (%(n)s organisations)."
                )
                % {"size": size, "n": len(organisations)}
            }
        )
    if size < minimum:
        raise ValidationError(
            {
                "size": _(
                    "The sample size must be at least %(min)s, so that each of the %(strata)s strata "
                    "(district × kind) gets %(floor)s."
                )
                % {"min": minimum, "strata": len(strata), "floor": floor}
            }
        )
    sample = draw_organisation_sample(labels, size, seed=seed, floor=floor)
    monitoring_year.sampled.all().delete()
    SampledOrganisation.objects.bulk_create(
        [
            SampledOrganisation(
                monitoring_year=monitoring_year,
                organisation=organisations[int(i)],
                stratum=str(sample.strata[int(h)]),
                weight=float(w),
            )
            for i, h, w in zip(
                sample.selected, sample.stratum_of_selected, sample.weights, strict=True
            )
        ]
    )
    names = {o.district.code: o.district.name_zh for o in organisations}
    allocation = []
    for key, population, n in zip(
        sample.strata, sample.population, sample.allocation, strict=True
    ):
        code, kind = str(key).split(":", 1)
        allocation.append(
            {
                "district": code,
                "district_name": names[code],
                "kind": kind,
                "population": int(population),
                "sample": int(n),
                "weight": round(int(population) / int(n), 4),
            }
        )
    monitoring_year.seed = seed
    monitoring_year.sample_size = size
    monitoring_year.allocation = allocation
    monitoring_year.drawn_at = timezone.now()
    monitoring_year.drawn_by = user
    monitoring_year.save()
    return monitoring_year


draw_sample = sample_draw  # the name the issue uses


# --- the self-assessment ---------------------------------------------------------------


def indicator_set_for(*, kind: str, year: int) -> IndicatorSet:
    """Return the kind's newest set in force in ``year`` (the newest at all if none was)."""
    sets = IndicatorSet.objects.filter(kind=kind).order_by("-version")
    found = sets.filter(version__lte=year).first() or sets.first()
    if found is None:
        raise ValidationError(
            _("No indicator set is loaded for this kind of organisation.")
        )
    return found


@transaction.atomic
def assessment_ensure(*, sampled: SampledOrganisation) -> SelfAssessment:
    """Return the sampled organisation's self-assessment, opening it against its set."""
    existing = SelfAssessment.objects.filter(sampled=sampled).first()
    if existing is not None:
        return existing
    iset = indicator_set_for(
        kind=sampled.organisation.kind, year=sampled.monitoring_year.year
    )
    assessment, _created = SelfAssessment.objects.get_or_create(
        sampled=sampled, defaults={"indicator_set": iset}
    )
    return assessment


def _item_name(item: SetItem) -> str:
    return f"{item.code}「{item.text_zh[:20]}{'…' if len(item.text_zh) > 20 else ''}」"


def evidence_file_check(upload: UploadedFile, *, item: SetItem) -> str | None:
    """Return why an evidence file is refused, or None."""
    name = Path(upload.name or "").name
    ext = Path(name).suffix.lower()
    label = _item_name(item)
    if ext not in EVIDENCE_TYPES:
        return _(
            "%(item)s: %(name)s is not accepted; upload a PDF, JPEG, PNG, Word (.docx) or "
            "Excel (.xlsx) file."
        ) % {"item": label, "name": name}
    if upload.size == 0:
        return _("%(item)s: %(name)s is empty.") % {"item": label, "name": name}
    if upload.size > EVIDENCE_MAX_BYTES:
        return _("%(item)s: %(name)s is larger than 10 MB.") % {
            "item": label,
            "name": name,
        }
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in EVIDENCE_TYPES[ext]):
        return _("%(item)s: %(name)s is not really a %(ext)s file.") % {
            "item": label,
            "name": name,
            "ext": ext,
        }
    return None


def _parse_number(raw: str, item: SetItem) -> tuple[Decimal | None, str | None]:
    text = (raw or "").strip().replace(",", "").replace("，", "")
    if not text:
        return None, None
    try:
        value = Decimal(text)
        if not value.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        return None, _("%(item)s: “%(raw)s” is not a number.") % {
            "item": _item_name(item),
            "raw": raw.strip()[:40],
        }
    if value < 0:
        return None, _("%(item)s: the number cannot be negative.") % {
            "item": _item_name(item)
        }
    if abs(value) >= NUMBER_MAX:
        return None, _("%(item)s: the number is too large.") % {
            "item": _item_name(item)
        }
    return value.quantize(Decimal("0.01")), None


def _require_member(user, assessment: SelfAssessment) -> None:
    if not is_member(user=user, organisation=assessment.sampled.organisation):
        raise PermissionDenied(
            _("Only the organisation's own users fill in its self-assessment.")
        )


def _record(
    assessment: SelfAssessment, *, action: str, old: str, actor, comment: str = ""
) -> None:
    AssessmentEvent.objects.create(
        assessment=assessment,
        action=action,
        from_status=old,
        to_status=assessment.status,
        comment=comment,
        actor=actor,
    )


@transaction.atomic
def assessment_save(
    *,
    assessment: SelfAssessment,
    user,
    data: Mapping[str, Any],
    files: Mapping[str, UploadedFile] | None = None,
    submit: bool = False,
) -> SelfAssessment:
    """Save the organisation's evidence as a draft, or submit it for the district's first review.

    ``data`` holds ``statement_<code>`` and ``number_<code>``, ``files`` ``document_<code>``
    per item code. Every check runs first: with any error nothing is written and the
    ``ValidationError`` names each item.
    """
    assessment = (
        SelfAssessment.objects.select_for_update()
        .select_related("sampled__organisation")
        .get(pk=assessment.pk)
    )
    _require_member(user, assessment)
    if assessment.status not in EDITABLE:
        raise PermissionDenied(
            _("This self-assessment has been submitted and can no longer be edited.")
        )
    files = files or {}
    organisation = assessment.sampled.organisation
    stored = {e.item_id: e for e in assessment.evidence.all()}
    errors: dict[str, str] = {}
    planned: list[tuple[SetItem, dict[str, Any], UploadedFile | None]] = []
    for item in set_items(assessment.indicator_set):
        statement = str(data.get(f"statement_{item.code}", "") or "").strip()
        upload = files.get(f"document_{item.code}")
        values: dict[str, Any] = {"statement": statement}
        problem = None
        if len(statement) > STATEMENT_MAX_CHARS:
            problem = _("%(item)s: the statement is longer than 2000 characters.") % {
                "item": _item_name(item)
            }
        if problem is None and upload is not None:
            problem = evidence_file_check(upload, item=item)
        if problem is None and item.evidence == EvidenceKind.NUMBER:
            number, problem = _parse_number(
                str(data.get(f"number_{item.code}", "") or ""), item
            )
            values.update(number=number, computed=None, meets_threshold=None)
            if number is not None and problem is None:
                try:
                    result = thresholds.evaluate(
                        measure=item.measure,
                        number=number,
                        threshold=item.threshold,
                        comparison=item.comparison,
                        residents=organisation.residents,
                    )
                except thresholds.MissingResidents:
                    problem = _(
                        "%(item)s: the funding per resident cannot be computed because the "
                        "organisation's resident population (residents) is missing from the "
                        "register."
                    ) % {"item": _item_name(item)}
                else:
                    values.update(
                        computed=result.computed, meets_threshold=result.meets
                    )
        if problem is None and submit:
            has_document = upload is not None or bool(
                stored.get(item.pk) and stored[item.pk].document
            )
            if item.evidence == EvidenceKind.NUMBER and values.get("number") is None:
                problem = _("%(item)s: enter the number.") % {"item": _item_name(item)}
            elif item.evidence in (EvidenceKind.DOCUMENT, EvidenceKind.RATING) and not (
                statement or has_document
            ):
                problem = _(
                    "%(item)s: give a statement or upload a document as evidence."
                ) % {"item": _item_name(item)}
        if problem:
            errors[item.code] = problem
        planned.append((item, values, upload))
    if errors:
        raise ValidationError(errors)
    for item, values, upload in planned:
        row = stored.get(item.pk) or ItemEvidence(assessment=assessment, item=item)
        for name, value in values.items():
            setattr(row, name, value)
        if upload is not None:
            row.document.save(
                f"{assessment.pk}-{item.pk}{Path(upload.name).suffix.lower()}",
                upload,
                save=False,
            )
        row.save()
    old = assessment.status
    assessment.status = (
        AssessmentStatus.FIRST_REVIEW if submit else AssessmentStatus.DRAFT
    )
    if submit:
        assessment.submitted_at = timezone.now()
    assessment.save(update_fields=["status", "submitted_at", "updated_at"])
    _record(
        assessment,
        action=AssessmentAction.SUBMIT if submit else AssessmentAction.SAVE_DRAFT,
        old=old,
        actor=user,
    )
    return assessment


# --- the district review ---------------------------------------------------------------


@transaction.atomic
def assessment_review(
    *, assessment: SelfAssessment, user, approve: bool, comment: str = ""
) -> SelfAssessment:
    """The district liaison (初审) or head (复审) approves, or returns with a comment."""
    assessment = (
        SelfAssessment.objects.select_for_update()
        .select_related("sampled__organisation")
        .get(pk=assessment.pk)
    )
    step = REVIEW_STEPS.get(assessment.status)
    if step is None:
        raise PermissionDenied(_("This self-assessment is not waiting for a review."))
    role, next_status = step
    if (
        role not in user_roles(user=user)
        or user.district_id != assessment.sampled.organisation.district_id
    ):
        raise PermissionDenied(
            _("Only the district's %(role)s can do this.") % {"role": _role_label(role)}
        )
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError(
            {"comment": _("Say why the self-assessment is returned.")}
        )
    old = assessment.status
    assessment.status = next_status if approve else AssessmentStatus.DRAFT
    assessment.save(update_fields=["status", "updated_at"])
    _record(
        assessment,
        action=AssessmentAction.APPROVE if approve else AssessmentAction.RETURN,
        old=old,
        actor=user,
        comment=comment,
    )
    return assessment


def _role_label(role: str) -> str:
    return str(Role(role).label)
