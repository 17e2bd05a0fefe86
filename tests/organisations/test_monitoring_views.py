"""Pages and API of the sampled monitoring: who sees what, in Chinese, and the chain end to end."""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from learning_platform.organisations.models import (
    AssessmentStatus,
    OrganisationKind,
    SampledOrganisation,
    SelfAssessment,
)
from learning_platform.organisations.services import monitoring as services
from tests.organisations import fixtures_monitoring as fx

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
A, B = "310101", "310104"
PDF = b"%PDF-1.4\n% evidence\n"
RAW_CODES = ("not_started", "first_review", "second_review", "save_draft", "community")


def _visible(html: str) -> str:
    """The page's text as a reader sees it (no style, script or tags)."""
    html = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def year(districts, make_user):
    """Two sampled communities in districts A and B, each with its own user."""
    by_code = {d.code: d for d in districts}
    fx.indicator_set(OrganisationKind.COMMUNITY)
    member_a, member_b = make_user("organisation"), make_user("organisation")
    org_a = fx.organisation(by_code[A], name="黄浦测试社区", users=[member_a])
    org_b = fx.organisation(by_code[B], name="静安测试社区", users=[member_b])
    researcher = make_user("researcher")
    services.sample_draw(year=2026, size=2, seed=5, user=researcher)
    return {
        "researcher": researcher,
        "member_a": member_a,
        "member_b": member_b,
        "a": SampledOrganisation.objects.get(organisation=org_a),
        "b": SampledOrganisation.objects.get(organisation=org_b),
        "liaison_a": make_user("district_liaison", district=by_code[A]),
        "head_a": make_user("district_head", district=by_code[A]),
        "liaison_b": make_user("district_liaison", district=by_code[B]),
    }


def _form(**extra):
    data = {
        "statement_1.1": "有规划",
        "statement_1.2": "特色项目",
        "number_2.1": "123456",
    }
    data.update(extra)
    return data


def test_the_researcher_draws_and_sees_the_allocation_in_chinese(client, year):
    client.force_login(year["researcher"])
    response = client.post(
        "/organisations/monitoring/2027/sample/",
        {"size": "2", "seed": "9", "floor": "1"},
        **ZH,
    )
    assert response.status_code == 302
    text = _visible(
        client.get("/organisations/monitoring/2027/sample/", **ZH).content.decode()
    )
    assert "学习型社区" in text and "黄浦区" in text and "名录组织数" in text
    assert not any(code in text for code in RAW_CODES)
    bad = client.post(
        "/organisations/monitoring/2027/sample/",
        {"size": "50", "seed": "9", "floor": "1"},
        **ZH,
    )
    assert (
        bad.status_code == 400 and "样本量50大于名录中的组织数" in bad.content.decode()
    )


def test_only_the_centre_opens_the_draw(client, year):
    for user in (year["liaison_a"], year["member_a"]):
        client.force_login(user)
        assert client.get("/organisations/monitoring/2026/sample/").status_code == 404


def test_organisation_users_see_only_their_own(client, year):
    client.force_login(year["member_a"])
    text = client.get("/organisations/monitoring/", **ZH).content.decode()
    assert "黄浦测试社区" in text and "静安测试社区" not in text
    assert (
        client.get(f"/organisations/monitoring/assessments/{year['b'].pk}/").status_code
        == 404
    )
    assert (
        client.post(
            f"/organisations/monitoring/assessments/{year['b'].pk}/",
            {"action": "save", **_form()},
        ).status_code
        == 404
    )
    assert (
        client.get(
            f"/api/v1/organisations/monitoring/assessments/{year['b'].pk}"
        ).status_code
        == 404
    )


def test_fill_submit_and_review_through_the_pages(client, year):
    url = f"/organisations/monitoring/assessments/{year['a'].pk}/"
    client.force_login(year["member_a"])
    assert "年度日常运作经费" in client.get(url, **ZH).content.decode()
    bad = client.post(
        url, {"action": "submit", "statement_1.1": "有规划", "number_2.1": "十万"}, **ZH
    )
    text = bad.content.decode()
    assert bad.status_code == 400 and "“十万”不是数字" in text and "1.2" in text
    doc = SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf")
    assert (
        client.post(
            url, {"action": "submit", "document_1.1": doc, **_form()}, **ZH
        ).status_code
        == 302
    )
    text = client.get(url, **ZH).content.decode()
    assert "人均10.29元" in text and "达标" in text and "初审" in text
    evidence = SelfAssessment.objects.get(sampled=year["a"]).evidence.get(
        item__code="1.1"
    )
    file_url = f"/organisations/monitoring/evidence/{evidence.pk}/"
    assert client.get(file_url).status_code == 200

    client.force_login(year["liaison_b"])  # another district sees nothing
    assert (
        client.get(url).status_code == 404 and client.get(file_url).status_code == 404
    )
    client.force_login(year["head_a"])  # not the head's turn yet
    assert (
        "通过"
        not in client.get(url, **ZH)
        .content.decode()
        .split("处理记录")[0]
        .split("审核意见")[0][-20:]
    )
    assert client.post(url, {"action": "approve"}).status_code == 403
    client.force_login(year["liaison_a"])
    assert client.get(file_url).status_code == 200
    assert (
        client.post(url, {"action": "approve", "comment": "材料齐全"}).status_code
        == 302
    )
    client.force_login(year["head_a"])
    assert client.post(url, {"action": "approve"}).status_code == 302
    text = client.get(url, **ZH).content.decode()
    assert "完成</span>" in text
    history = _visible(text.split('id="history"')[1])
    assert "提交" in history and "通过" in history and "材料齐全" in history
    assert not any(code in history for code in RAW_CODES)


def test_drafts_stay_with_the_organisation(client, year):
    url = f"/organisations/monitoring/assessments/{year['a'].pk}/"
    client.force_login(year["member_a"])
    doc = SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf")
    client.post(url, {"action": "save", "document_1.1": doc, **_form()})
    evidence = SelfAssessment.objects.get(sampled=year["a"]).evidence.get(
        item__code="1.1"
    )
    client.force_login(year["liaison_a"])
    text = client.get(url, **ZH).content.decode()
    assert "有规划" not in text and "该组织尚未提交自评" in text
    assert (
        client.get(f"/organisations/monitoring/evidence/{evidence.pk}/").status_code
        == 404
    )


def test_the_api_reads_saves_submits_and_reviews(client, year):
    base = f"/api/v1/organisations/monitoring/assessments/{year['a'].pk}"
    client.force_login(year["member_a"])
    items = [
        {"item_code": "1.1", "statement": "有规划"},
        {"item_code": "1.2", "statement": "特色"},
        {"item_code": "2.1", "number": "119880"},
    ]
    saved = client.put(
        base, json.dumps({"items": items}), content_type="application/json"
    )
    assert saved.status_code == 200
    body = saved.json()
    assert body["status"] == "draft" and body["status_label"]
    funding = next(e for e in body["evidence"] if e["item_code"] == "2.1")
    assert (
        funding["computed"] == pytest.approx(9.99)
        and funding["meets_threshold"] is False
    )
    bad = client.put(
        base,
        json.dumps({"items": [{"item_code": "2.1", "number": "-5"}]}),
        content_type="application/json",
        **ZH,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "2.1"
    submitted = client.post(
        f"{base}/submit", json.dumps({"items": []}), content_type="application/json"
    )
    assert submitted.status_code == 200 and submitted.json()["status"] == "first_review"
    sample = client.get("/api/v1/organisations/monitoring/2026/sample").json()
    assert [s["id"] for s in sample["sampled"]] == [year["a"].pk] and sample[
        "allocation"
    ] == []

    client.force_login(year["liaison_b"])
    assert (
        client.post(
            f"{base}/review",
            json.dumps({"approve": True}),
            content_type="application/json",
        ).status_code
        == 404
    )
    client.force_login(year["liaison_a"])
    returned = client.post(
        f"{base}/review",
        json.dumps({"approve": False, "comment": "补充凭证"}),
        content_type="application/json",
    )
    assert (
        returned.status_code == 200
        and returned.json()["status"] == AssessmentStatus.DRAFT
    )
    client.force_login(year["researcher"])
    sample = client.get("/api/v1/organisations/monitoring/2026/sample").json()
    assert (
        sum(r["population"] for r in sample["allocation"]) == 2
        and len(sample["sampled"]) == 2
    )


def test_an_organisation_user_starts_at_the_monitoring(year):
    from learning_platform.start import header_links, start_url

    assert start_url(user=year["member_a"]) == "/organisations/monitoring/"
    assert any(
        link["url"] == "/organisations/monitoring/"
        for link in header_links(user=year["member_a"])
    )


def test_a_year_or_assessment_the_caller_may_not_see_answers_like_a_missing_one(
    client, year
):
    # member B sees 2026 (their own organisation is sampled), but not A's assessment;
    # district B's liaison sees the year too; nobody sees a year never drawn
    client.force_login(year["member_b"])
    forbidden = client.get(
        f"/api/v1/organisations/monitoring/assessments/{year['a'].pk}"
    )
    missing = client.get("/api/v1/organisations/monitoring/assessments/999999")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json() == missing.json()
    assert forbidden.json()["code"] == "not_found"
    assert client.get("/api/v1/organisations/monitoring/2026/sample").status_code == 200


def test_a_monitoring_year_is_missing_for_whoever_has_no_part_in_it(
    client, year, make_user
):
    from learning_platform.errors import NotFound
    from learning_platform.organisations.selectors import monitoring as selectors

    outsider = make_user("organisation")  # maintains no sampled organisation
    client.force_login(outsider)
    forbidden = client.get("/api/v1/organisations/monitoring/2026/sample")
    missing = client.get("/api/v1/organisations/monitoring/1999/sample")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json() == missing.json()
    with pytest.raises(NotFound):
        selectors.monitoring_year_for(user=outsider, year=2026)
    assert selectors.monitoring_year_for(user=year["member_a"], year=2026).year == 2026
    assert (
        selectors.monitoring_year_for(user=year["researcher"], year=2026).year == 2026
    )
    assert selectors.assessment_of(sampled=year["a"]) is None
