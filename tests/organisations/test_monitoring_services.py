"""The annual sampled monitoring: the draw, the self-assessment and the district review."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from learning_platform.organisations.models import (
    AssessmentEvent,
    AssessmentStatus,
    ItemEvidence,
    MonitoringYear,
    OrganisationKind,
    SampledOrganisation,
)
from learning_platform.organisations.services import monitoring as services
from tests.organisations import fixtures_monitoring as fx

pytestmark = pytest.mark.django_db

A, B = "310101", "310104"
PDF = b"%PDF-1.4\n% evidence\n"


def _register(districts):
    return fx.register(
        districts,
        {
            (A, "community"): 12,
            (A, "family"): 5,
            (B, "community"): 7,
            (B, "family"): 1,
            (B, "agency"): 3,
        },
    )


def test_same_seed_draws_the_same_sample(districts, make_user):
    researcher = make_user("researcher")
    _register(districts)
    services.draw_sample(year=2026, size=12, seed=42, user=researcher)
    first = sorted(
        SampledOrganisation.objects.values_list("organisation_id", flat=True)
    )
    services.draw_sample(year=2026, size=12, seed=42, user=researcher)
    again = sorted(
        SampledOrganisation.objects.values_list("organisation_id", flat=True)
    )
    services.draw_sample(year=2026, size=12, seed=43, user=researcher)
    other = sorted(
        SampledOrganisation.objects.values_list("organisation_id", flat=True)
    )
    assert first == again and len(first) == 12
    assert first != other


def test_weights_add_up_to_the_register_per_stratum_and_in_total(districts, make_user):
    researcher = make_user("researcher")
    orgs = _register(districts)
    year = services.sample_draw(year=2026, size=12, seed=7, user=researcher)
    rows = {(r["district"], r["kind"]): r for r in year.allocation}
    assert sum(r["sample"] for r in year.allocation) == 12
    assert rows[(B, "family")] == {
        "district": B,
        "district_name": rows[(B, "family")]["district_name"],
        "kind": "family",
        "population": 1,
        "sample": 1,
        "weight": 1.0,
    }
    for (code, kind), row in rows.items():
        sampled = SampledOrganisation.objects.filter(
            monitoring_year=year, stratum=f"{code}:{kind}"
        )
        assert sampled.count() == row["sample"] >= 1
        total = sum(s.weight for s in sampled)
        assert total == pytest.approx(
            sum(1 for o in orgs if o.district.code == code and o.kind == kind)
        )
    assert sum(
        SampledOrganisation.objects.values_list("weight", flat=True)
    ) == pytest.approx(len(orgs))
    assert year.seed == 7 and year.sample_size == 12 and year.drawn_by == researcher


def test_a_floor_of_two_and_bad_sizes_are_explained_in_chinese(
    districts, make_user, settings
):
    settings.LANGUAGE_CODE = "zh-hans"
    researcher = make_user("researcher")
    _register(districts)
    year = services.sample_draw(year=2026, size=12, seed=1, user=researcher, floor=2)
    assert min(r["sample"] for r in year.allocation if r["population"] >= 2) == 2
    with pytest.raises(ValidationError) as too_big:
        services.sample_draw(year=2026, size=99, seed=1, user=researcher)
    assert "样本量" in too_big.value.message_dict["size"][0]
    with pytest.raises(ValidationError) as too_small:
        services.sample_draw(year=2026, size=3, seed=1, user=researcher)
    assert "5" in too_small.value.message_dict["size"][0]


def test_only_the_centre_draws(districts, make_user):
    _register(districts)
    officer = make_user("district_officer", district=districts[0])
    with pytest.raises(PermissionDenied):
        services.sample_draw(year=2026, size=10, seed=1, user=officer)
    assert not MonitoringYear.objects.exists()


def _sampled_community(districts, make_user, *, residents=12000):
    researcher = make_user("researcher")
    fx.indicator_set(OrganisationKind.COMMUNITY)
    member = make_user("organisation")
    by_code = {d.code: d for d in districts}
    org = fx.organisation(
        by_code[A], OrganisationKind.COMMUNITY, residents=residents, users=[member]
    )
    services.sample_draw(year=2026, size=1, seed=1, user=researcher)
    sampled = SampledOrganisation.objects.get(organisation=org)
    return sampled, member, researcher


def _complete(**extra):
    data = {
        "statement_1.1": "领导小组已成立，见附件。",
        "statement_1.2": "特色活动五项。",
        "number_2.1": "123456",
    }
    data.update(extra)
    return data


def test_a_redraw_is_refused_once_self_assessments_started(
    districts, make_user, settings
):
    settings.LANGUAGE_CODE = "zh-hans"
    sampled, member, researcher = _sampled_community(districts, make_user)
    assessment = services.assessment_ensure(sampled=sampled)
    services.draw_sample(
        year=2026, size=1, seed=2, user=researcher
    )  # not started yet: allowed
    sampled = SampledOrganisation.objects.get()
    assessment = services.assessment_ensure(sampled=sampled)
    services.assessment_save(assessment=assessment, user=member, data=_complete())
    with pytest.raises(ValidationError) as refused:
        services.draw_sample(year=2026, size=1, seed=3, user=researcher)
    assert (
        "开始自评" in refused.value.message_dict["year"][0]
        and "不能再重新抽样" in refused.value.message_dict["year"][0]
    )
    assert SampledOrganisation.objects.get().pk == sampled.pk


def test_self_assessment_computes_the_per_resident_funding_and_submits(
    districts, make_user
):
    sampled, member, _r = _sampled_community(districts, make_user)
    assessment = services.assessment_ensure(sampled=sampled)
    doc = SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf")
    services.assessment_save(
        assessment=assessment,
        user=member,
        data=_complete(),
        files={"document_1.1": doc},
        submit=True,
    )
    assessment.refresh_from_db()
    assert (
        assessment.status == AssessmentStatus.FIRST_REVIEW and assessment.submitted_at
    )
    funding = ItemEvidence.objects.get(assessment=assessment, item__code="2.1")
    assert funding.number == Decimal("123456.00")
    assert funding.computed == Decimal("10.2880") and funding.meets_threshold is True
    plan = ItemEvidence.objects.get(assessment=assessment, item__code="1.1")
    assert plan.document.name.endswith(".pdf")
    assert [
        e.action for e in AssessmentEvent.objects.filter(assessment=assessment)
    ] == ["submit"]


def test_below_ten_yuan_is_stored_as_not_met(districts, make_user):
    sampled, member, _r = _sampled_community(districts, make_user)
    assessment = services.assessment_ensure(sampled=sampled)
    services.assessment_save(
        assessment=assessment, user=member, data=_complete(**{"number_2.1": "119880"})
    )
    funding = ItemEvidence.objects.get(assessment=assessment, item__code="2.1")
    assert funding.computed == Decimal("9.9900") and funding.meets_threshold is False
    assert assessment.__class__.objects.get().status == AssessmentStatus.DRAFT


def test_missing_residents_is_named_and_nothing_is_saved(
    districts, make_user, settings
):
    settings.LANGUAGE_CODE = "zh-hans"
    sampled, member, _r = _sampled_community(districts, make_user, residents=None)
    assessment = services.assessment_ensure(sampled=sampled)
    with pytest.raises(ValidationError) as refused:
        services.assessment_save(assessment=assessment, user=member, data=_complete())
    message = refused.value.message_dict["2.1"][0]
    assert "常住人口" in message and "2.1" in message
    assert not ItemEvidence.objects.exists()


def test_submit_names_every_item_without_evidence_in_chinese(
    districts, make_user, settings
):
    settings.LANGUAGE_CODE = "zh-hans"
    sampled, member, _r = _sampled_community(districts, make_user)
    assessment = services.assessment_ensure(sampled=sampled)
    with pytest.raises(ValidationError) as refused:
        services.assessment_save(
            assessment=assessment,
            user=member,
            data={"statement_1.1": "有规划", "number_2.1": "abc"},
            submit=True,
        )
    errors = refused.value.message_dict
    assert set(errors) == {"1.2", "2.1"}
    assert "不是数字" in errors["2.1"][0]
    assert "1.2" in errors["1.2"][0] and "说明" in errors["1.2"][0]
    assert not ItemEvidence.objects.exists()
    assert assessment.__class__.objects.get().status == AssessmentStatus.NOT_STARTED


def test_evidence_files_are_checked(districts, make_user, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    sampled, member, _r = _sampled_community(districts, make_user)
    assessment = services.assessment_ensure(sampled=sampled)
    fake = SimpleUploadedFile(
        "plan.pdf", b"MZ not a pdf", content_type="application/pdf"
    )
    exe = SimpleUploadedFile("tool.exe", b"MZ", content_type="application/octet-stream")
    with pytest.raises(ValidationError) as refused:
        services.assessment_save(
            assessment=assessment,
            user=member,
            data=_complete(),
            files={"document_1.1": fake, "document_1.2": exe},
        )
    errors = refused.value.message_dict
    assert "plan.pdf" in errors["1.1"][0] and "tool.exe" in errors["1.2"][0]
    big = SimpleUploadedFile(
        "big.pdf", b"%PDF-" + b"0" * (services.EVIDENCE_MAX_BYTES), "application/pdf"
    )
    with pytest.raises(ValidationError) as too_big:
        services.assessment_save(
            assessment=assessment,
            user=member,
            data=_complete(),
            files={"document_1.1": big},
        )
    assert "10 MB" in too_big.value.message_dict["1.1"][0]


def test_only_the_organisations_own_users_fill_it_in(districts, make_user):
    sampled, _member, _r = _sampled_community(districts, make_user)
    outsider = make_user("organisation")
    statistician = make_user(
        "district_statistician", district=sampled.organisation.district
    )
    assessment = services.assessment_ensure(sampled=sampled)
    for user in (outsider, statistician):
        with pytest.raises(PermissionDenied):
            services.assessment_save(assessment=assessment, user=user, data=_complete())


def _submitted(districts, make_user):
    sampled, member, _r = _sampled_community(districts, make_user)
    assessment = services.assessment_ensure(sampled=sampled)
    services.assessment_save(
        assessment=assessment, user=member, data=_complete(), submit=True
    )
    district = sampled.organisation.district
    liaison = make_user("district_liaison", district=district)
    head = make_user("district_head", district=district)
    return assessment, member, liaison, head


def test_the_review_chain_runs_like_the_district_filing(districts, make_user):
    assessment, member, liaison, head = _submitted(districts, make_user)
    with pytest.raises(PermissionDenied):  # the head waits for the first review
        services.assessment_review(assessment=assessment, user=head, approve=True)
    services.assessment_review(
        assessment=assessment, user=liaison, approve=True, comment="材料齐全"
    )
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SECOND_REVIEW
    with pytest.raises(PermissionDenied):
        services.assessment_save(assessment=assessment, user=member, data=_complete())
    services.assessment_review(assessment=assessment, user=head, approve=True)
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DONE
    events = list(
        AssessmentEvent.objects.filter(assessment=assessment).values_list(
            "action", "from_status", "to_status"
        )
    )
    assert events == [
        ("submit", "not_started", "first_review"),
        ("approve", "first_review", "second_review"),
        ("approve", "second_review", "done"),
    ]
    with pytest.raises(PermissionDenied):
        services.assessment_review(assessment=assessment, user=head, approve=True)


def test_a_return_needs_a_comment_and_reopens_the_form(districts, make_user, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    assessment, member, liaison, _head = _submitted(districts, make_user)
    with pytest.raises(ValidationError) as refused:
        services.assessment_review(
            assessment=assessment, user=liaison, approve=False, comment=" "
        )
    assert "退回" in refused.value.message_dict["comment"][0]
    services.assessment_review(
        assessment=assessment, user=liaison, approve=False, comment="请补充经费凭证"
    )
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT
    services.assessment_save(
        assessment=assessment, user=member, data=_complete(), submit=True
    )
    assert assessment.__class__.objects.get().status == AssessmentStatus.FIRST_REVIEW


def test_reviewers_of_another_district_cannot_act(districts, make_user):
    assessment, _m, _l, _h = _submitted(districts, make_user)
    other = next(d for d in districts if d.code == B)
    liaison_b = make_user("district_liaison", district=other)
    with pytest.raises(PermissionDenied):
        services.assessment_review(assessment=assessment, user=liaison_b, approve=True)
