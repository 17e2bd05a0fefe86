"""The citizen's pages: profile, downloads, closure request, the public verification page."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from learning_platform.creditbank.models import AccountStatus, LearningAccount

pytestmark = pytest.mark.django_db


def test_profile_requires_login(client):
    response = client.get("/creditbank/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_without_account_the_page_offers_to_open_one(client, citizen):
    client.force_login(citizen)
    response = client.get("/creditbank/")
    assert "开通".encode() in response.content or b"Open" in response.content
    response = client.post("/creditbank/open/", {"district": "310104"})
    assert response.status_code == 302
    assert LearningAccount.objects.get(user=citizen).district.code == "310104"


def test_open_with_unknown_district_is_refused(client, citizen):
    client.force_login(citizen)
    client.post("/creditbank/open/", {"district": "000000"})
    assert not LearningAccount.objects.exists()


def test_profile_shows_chart_levels_credits_and_suggestions(
    client, citizen, record, info_rule, institution
):
    record(theta=-0.8, level="L2", day=(2025, 3, 1))
    record(theta=0.6, level="L3", day=(2026, 3, 1))
    from learning_platform.creditbank.services import outcome_enter

    outcome_enter(
        entered_by=institution,
        account_number=citizen.learning_account.number,
        kind="certificate",
        title="老年大学结业证书",
        achieved_on="2025-07-01",
        evidence_ref="LN-77",
    )
    client.force_login(citizen)
    html = client.get("/creditbank/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "<svg" in html and 'data-domain="info"' in html
    assert html.count("<circle") == 2  # top-level domain only, two results
    assert citizen.learning_account.number in html
    assert "老年大学结业证书" in html and "LN-77" in html
    assert "1.00" in html  # credits
    assert "数据分析" in html  # suggestion for a result above the mean


def test_profile_escapes_outcome_text(client, citizen, institution):
    from learning_platform.creditbank.services import account_open, outcome_enter

    account = account_open(user=citizen)
    outcome_enter(
        entered_by=institution,
        account_number=account.number,
        kind="course",
        title="<script>alert(1)</script>",
        achieved_on="2025-01-01",
        evidence_ref="x",
    )
    client.force_login(citizen)
    html = client.get("/creditbank/").content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


def test_downloads_are_own_only(client, citizen, other_citizen, record):
    mine = record()
    theirs = record(other_citizen)
    client.force_login(citizen)
    badge = client.get(f"/creditbank/outcomes/{mine.pk}/badge.json")
    assert badge.status_code == 200 and "attachment" in badge["Content-Disposition"]
    assert client.get(f"/creditbank/outcomes/{theirs.pk}/badge.json").status_code == 404
    clr = client.get("/creditbank/record.clr.json").json()
    assert clr["type"][-1] == "ClrCredential"
    data = client.get("/creditbank/my-data.json").json()
    assert [o["id"] for o in data["outcomes"]] == [mine.pk]


def test_closure_request_page(client, citizen, record):
    record()
    client.force_login(citizen)
    client.post("/creditbank/closure/", {"reason": "不再需要"})
    account = LearningAccount.objects.get(user=citizen)
    assert account.status == AccountStatus.CLOSURE_REQUESTED
    assert account.closure_reason == "不再需要"


def test_verify_page_by_paste_and_upload(client, citizen, record):
    outcome = record()
    client.force_login(citizen)
    badge = client.get(f"/creditbank/outcomes/{outcome.pk}/badge.json").json()
    client.logout()
    response = client.post("/creditbank/verify/", {"document": json.dumps(badge)})
    assert b'data-status="valid"' in response.content
    badge["name"] = "伪造"
    upload = SimpleUploadedFile(
        "b.json", json.dumps(badge).encode(), "application/json"
    )
    response = client.post("/creditbank/verify/", {"file": upload})
    assert b'data-status="tampered"' in response.content
    response = client.post("/creditbank/verify/", {"document": "{oops"})
    assert response.status_code == 400


def test_verify_page_explains_failures_in_chinese(client, citizen, record):
    """A tampered badge and a non-JSON paste get Chinese messages, never the parser's English."""
    outcome = record()
    client.force_login(citizen)
    badge = client.get(f"/creditbank/outcomes/{outcome.pk}/badge.json").json()
    client.logout()
    badge["name"] = "伪造"
    html = client.post(
        "/creditbank/verify/", {"document": json.dumps(badge)}
    ).content.decode()
    assert "签名与文件内容不符" in html and "The signature does not match" not in html
    html = client.post("/creditbank/verify/", {"document": "not json"}).content.decode()
    assert "这不是 JSON 文件（第 1 行第 1 列起无法解析）" in html
    assert "Expecting value" not in html and "line 1 column 1" not in html
    html = client.post(
        "/creditbank/verify/", {"document": "not json"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "This is not a JSON document" in html


def test_district_counts_page_shows_only_own_district_to_an_officer(
    client, make_user, districts, record
):
    record()
    officer = make_user("district_officer", district=districts[0])
    client.force_login(officer)
    html = client.get("/creditbank/districts/?year=2026").content.decode()
    assert html.count("data-district=") == 1 and 'data-district="310101"' in html
    assert "学分银行开户数占比" in html
    assert "alice" not in html
    assert client.get("/creditbank/districts/?year=abc").status_code == 200


def test_district_counts_page_is_refused_to_citizens(client, citizen):
    client.force_login(citizen)
    assert client.get("/creditbank/districts/").status_code == 403


def test_profile_names_levels_and_shows_no_theta_column(client, citizen, record):
    from itembank.models import Domain, ProficiencyLevel

    info = Domain.objects.get_or_create(
        code="info", defaults={"name_zh": "信息素养", "kind": "ability"}
    )[0]
    Domain.objects.get_or_create(
        code="info.data",
        defaults={"name_zh": "数据", "parent": info, "kind": "ability"},
    )
    ProficiencyLevel.objects.create(
        domain=info,
        order=4,
        code="L4",
        min_theta=1.0,
        name_zh="熟练应用",
        name_en="Proficient",
    )
    record(theta=1.2, level="L4", day=(2026, 3, 1))
    client.force_login(citizen)
    html = client.get("/creditbank/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    levels = html[html.index('class="cb-levels"') :]
    levels = levels[: levels.index("</table>")]
    assert "熟练应用" in levels and ">L4<" not in levels
    assert "θ" not in levels and "SE" not in levels
    assert 'class="cb-date"' in levels
