"""Documents (type, size, tags, indicators, related) and the pages with district scoping."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from learning_platform.indicators import services
from learning_platform.indicators.models import (
    Document,
    DocumentFile,
    Indicator,
    Status,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n"


def pdf(name="a.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def indicators(framework):
    return (
        Indicator.objects.get(version=framework, code="5"),
        Indicator.objects.get(version=framework, code="5.1"),
    )


def fields(indicators, **extra):
    l1, l2 = indicators
    base = {
        "doc_type": "work_file",
        "title": "2022年全民终身学习活动周工作方案",
        "year": "2022",
        "occurred_on": "2022-10-20",
        "summary": "活动周安排",
        "category": "工作方案",
        "indicator_l1": str(l1.pk),
        "indicator_l2": str(l2.pk),
        "tags": "学习周 读书节",
    }
    base.update(extra)
    return base


def test_document_per_type_with_related_and_secondary_files(indicators, staff, hp):
    work = services.document_save(
        user=staff["stat"], district=hp, fields=fields(indicators), main_file=pdf()
    )
    assert (
        work.tags == ["学习周", "读书节"] and work.files.get().original_name == "a.pdf"
    )
    chronicle = services.document_save(
        user=staff["liaison"],
        district=hp,
        fields=fields(
            indicators, doc_type="chronicle", title="活动周开幕", ended_on="2022-10-27"
        ),
        main_file=pdf("main.pdf"),
        secondary_files=[
            SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff\xe0photo"),
            SimpleUploadedFile("cert.png", b"\x89PNG\r\n\x1a\nxx"),
        ],
        related_ids=[work.pk],
    )
    assert list(chronicle.related.all()) == [work]
    assert chronicle.files.filter(primary=False).count() == 2
    minutes = services.document_save(
        user=staff["head"],
        district=hp,
        fields=fields(
            indicators,
            doc_type="minutes",
            title="区学促委大会",
            agenda="一、…",
            minutes="会议记录…",
        ),
        main_file=SimpleUploadedFile("m.docx", b"PK\x03\x04docx"),
    )
    assert minutes.agenda == "一、…" and minutes.summary == ""


@pytest.mark.parametrize(
    "extra, upload, field",
    [
        ({"tags": "社区教育读书节"}, None, "tags"),
        ({"title": ""}, None, "title"),
        ({"occurred_on": "2022-13-40"}, None, "occurred_on"),
        ({"year": "abc"}, None, "year"),
        ({"doc_type": "chronicle", "ended_on": "2022-01-01"}, None, "ended_on"),
        ({}, SimpleUploadedFile("virus.exe", b"MZ\x90\x00"), "file"),
        ({}, SimpleUploadedFile("fake.pdf", b"<html>not a pdf"), "file"),
        ({}, SimpleUploadedFile("empty.pdf", b""), "file"),
        (
            {},
            SimpleUploadedFile("big.pdf", PDF + b"0" * services.DOCUMENT_MAX_BYTES),
            "file",
        ),
        ({"doc_type": "bogus"}, None, "doc_type"),
    ],
)
def test_bad_documents_are_refused_and_nothing_is_written(
    indicators, staff, hp, extra, upload, field
):
    with pytest.raises(ValidationError) as exc:
        services.document_save(
            user=staff["stat"],
            district=hp,
            fields=fields(indicators, **extra),
            main_file=upload or pdf(),
        )
    assert field in exc.value.message_dict
    assert not Document.objects.exists() and not DocumentFile.objects.exists()


def test_second_level_must_sit_under_the_first_level(framework, staff, hp):
    l1 = Indicator.objects.get(version=framework, code="1")
    l2 = Indicator.objects.get(version=framework, code="5.1")
    with pytest.raises(ValidationError) as exc:
        services.document_save(
            user=staff["stat"], district=hp, fields=fields((l1, l2)), main_file=pdf()
        )
    assert "indicator_l2" in exc.value.message_dict


def test_documents_stay_in_their_district(indicators, staff, hp, xh):
    theirs = services.document_save(
        user=staff["stat_xh"], district=xh, fields=fields(indicators), main_file=pdf()
    )
    with pytest.raises(PermissionDenied):
        services.document_save(
            user=staff["stat"], district=xh, fields=fields(indicators), main_file=pdf()
        )
    with pytest.raises(ValidationError) as exc:
        services.document_save(
            user=staff["stat"],
            district=hp,
            fields=fields(indicators),
            main_file=pdf(),
            related_ids=[theirs.pk],
        )
    assert "related" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.document_save(
            user=staff["researcher"],
            district=hp,
            fields=fields(indicators),
            main_file=pdf(),
        )


# --- pages ----------------------------------------------------------------------------


def login(client, user):
    client.force_login(user)
    return client


def test_cross_district_pages_answer_404(client, framework, staff, hp, indicators):
    services.submission_ensure(district=hp, year=2022)
    doc = services.document_save(
        user=staff["stat"], district=hp, fields=fields(indicators), main_file=pdf()
    )
    login(client, staff["stat_xh"])
    for url in [
        reverse("indicators:form", args=["310101", 2022]),
        reverse("indicators:documents", args=["310101"]),
        reverse("indicators:document_edit", args=["310101", doc.pk]),
        reverse("indicators:document_file", args=[doc.files.get().pk]),
        reverse("indicators:letter", args=["310101", 2022]),
        reverse("indicators:overview", args=[2022]),
    ]:
        assert client.get(url).status_code == 404, url
    response = client.post(
        reverse("indicators:form", args=["310101", 2022]), {"action": "save"}
    )
    assert response.status_code == 404


def test_statistician_form_round_trip_and_bad_input_keeps_what_was_typed(
    client, framework, staff, full_form
):
    login(client, staff["stat"])
    url = reverse("indicators:form", args=["310101", 2022])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("v_resident_population_10k") < html.index(
        "v_special_budget"
    )  # base table first
    assert "市民信息素养的达标率(%)" in html
    response = client.post(url, dict(full_form, action="save"))
    assert response.status_code == 302
    bad = client.post(
        url,
        dict(full_form, v_library_area="-5", v_special_budget="2000", action="submit"),
    )
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "图书馆总建筑面积：" in text and "（library_area）" not in text
    assert 'value="2000"' in text and 'value="-5"' in text
    assert (
        client.get(url).content.decode().count('value="1850"') == 1
    )  # saved value untouched
    response = client.post(url, dict(full_form, action="submit"))
    assert response.status_code == 302


def test_liaison_sees_no_draft_then_reviews(client, framework, staff, hp, full_form):
    sub = services.submission_ensure(district=hp, year=2022)
    services.entry_save(submission=sub, user=staff["stat"], data=full_form)
    login(client, staff["liaison"])
    url = reverse("indicators:form", args=["310101", 2022])
    html = client.get(url).content.decode()
    assert "1850" not in html and 'name="action" value="approve"' not in html
    services.entry_save(submission=sub, user=staff["stat"], data=full_form, submit=True)
    html = client.get(url).content.decode()
    assert (
        "1850" in html
        and 'value="approve"' in html
        and 'name="v_special_budget"' not in html
    )
    assert client.post(url, {"action": "return", "comment": ""}).status_code == 400
    assert client.post(url, {"action": "approve", "comment": "同意"}).status_code == 302
    sub.refresh_from_db()
    assert sub.status == Status.SECOND_REVIEW
    # the liaison cannot act for the head
    assert (
        client.post(url, {"action": "approve", "comment": "again"}).status_code == 403
    )


def test_head_downloads_the_letter_and_uploads_it_signed(
    client, framework, staff, hp, full_form
):
    sub = services.submission_ensure(district=hp, year=2022)
    services.entry_save(submission=sub, user=staff["stat"], data=full_form, submit=True)
    services.review_decide(
        submission=sub, user=staff["liaison"], approve=True, comment=""
    )
    services.review_decide(submission=sub, user=staff["head"], approve=True, comment="")
    login(client, staff["head"])
    letter = client.get(reverse("indicators:letter", args=["310101", 2022]))
    assert letter.status_code == 200 and letter.content.startswith(b"%PDF-")
    url = reverse("indicators:form", args=["310101", 2022])
    bad = client.post(
        url, {"action": "letter", "letter": SimpleUploadedFile("x.pdf", b"nope")}
    )
    assert bad.status_code == 400
    ok = client.post(
        url, {"action": "letter", "letter": SimpleUploadedFile("x.pdf", letter.content)}
    )
    assert ok.status_code == 302
    sub.refresh_from_db()
    assert sub.status == Status.DONE
    assert (
        client.get(
            reverse("indicators:signed_letter", args=["310101", 2022])
        ).status_code
        == 200
    )


def test_overview_and_comparison_export(client, framework, staff, hp, full_form):
    sub = services.submission_ensure(district=hp, year=2022)
    services.entry_save(submission=sub, user=staff["stat"], data=full_form, submit=True)
    login(client, staff["researcher"])
    html = client.get(reverse("indicators:overview", args=[2022])).content.decode()
    assert html.count("<tr>") == 17  # header + 16 districts
    assert "黄浦区" in html and "徐汇区" in html
    response = client.get(reverse("indicators:compare") + "?format=xlsx")
    assert response.status_code == 200
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][2] == "黄浦区 2022"
    by_name = {r[0]: r[2] for r in rows[1:]}
    assert by_name["每万人拥有的社区教育场地面积（m2/万人）"] == pytest.approx(
        51000 / 66.2, abs=1e-3
    )
    assert by_name["农村劳动力培训参与率（%）"].startswith("除数为零")
    # a district head sees only their own district in the comparison; a citizen sees nothing
    login(client, staff["head_xh"])
    assert "黄浦区" not in client.get(reverse("indicators:compare")).content.decode()
    login(client, staff["citizen"])
    assert client.get(reverse("indicators:index")).status_code == 403


def test_api_scopes_by_district(client, framework, staff, hp, full_form):
    sub = services.submission_ensure(district=hp, year=2022)
    services.entry_save(submission=sub, user=staff["stat"], data=full_form)
    services.monitoring_value_feed(
        district_code="310101",
        year=2022,
        item_code="info_literacy_rate",
        value=66.0,
        se=2.0,
        n=500,
        suppressed=False,
        source="roll-up 3",
    )
    url = "/api/v1/indicators/submissions/310101/2022"
    login(client, staff["stat"])
    body = client.get(url).json()
    values = {v["code"]: v for v in body["values"]}
    assert body["status"] == "draft" and values["special_budget"]["value"] == 1850
    assert values["rural_training_rate"]["value"] is None
    assert values["rural_training_rate"]["not_computable"].startswith("除数为零")
    login(client, staff["liaison"])  # a draft shows only the platform's figures
    codes = {v["code"] for v in client.get(url).json()["values"]}
    assert codes == {
        "info_literacy_rate",
        "service_satisfaction",
        "credit_bank_accounts",
    }
    login(client, staff["stat_xh"])
    assert client.get(url).status_code == 404
    assert client.get("/api/v1/indicators/overview/2022").status_code == 403
    login(client, staff["researcher"])
    assert len(client.get("/api/v1/indicators/overview/2022").json()) == 16


def test_document_form_asks_each_types_fields(client, framework, staff):
    login(client, staff["stat"])
    base = reverse("indicators:document_new", args=["310101"])
    minutes = client.get(base + "?type=minutes").content.decode()
    assert (
        'name="agenda"' in minutes
        and 'name="minutes"' in minutes
        and 'name="summary"' not in minutes
    )
    chronicle = client.get(base + "?type=chronicle").content.decode()
    assert 'name="ended_on"' in chronicle and 'name="secondary_files"' in chronicle
    assert 'data-tags="学习周 读书节 激励"' in chronicle  # the indicator's quick tags
    work = client.get(base + "?type=work_file").content.decode()
    assert 'name="ended_on"' not in work and 'name="category"' in work


def test_unusual_values_are_flagged_when_the_draft_is_reopened(
    client, framework, staff, hp, full_form
):
    last = services.submission_ensure(district=hp, year=2021)
    services.entry_save(submission=last, user=staff["stat"], data=full_form)
    sub = services.submission_ensure(district=hp, year=2022)
    services.entry_save(
        submission=sub, user=staff["stat"], data=dict(full_form, v_senior_teams="6400")
    )
    login(client, staff["stat"])
    html = client.get(
        reverse("indicators:form", args=["310101", 2022])
    ).content.decode()
    assert "与上年的640相差较大" in html and 'name="c_senior_teams"' in html
    assert 'name="c_registered_volunteers"' not in html
    compare = client.get(reverse("indicators:compare") + "?year=2022").content.decode()
    assert "数据年度" in compare


def test_index_lists_the_districts_years_for_its_staff(
    client, framework, staff, hp, full_form
):
    last = services.submission_ensure(district=hp, year=2021)
    services.entry_save(
        submission=last, user=staff["stat"], data=full_form, submit=True
    )
    login(client, staff["liaison"])
    html = client.get(reverse("indicators:index")).content.decode()
    assert "/indicators/310101/2022/" in html and "/indicators/310101/2021/" in html
    assert "数据审核" in html and "徐汇区" not in html
    login(client, staff["researcher"])
    assert client.get(reverse("indicators:index")).status_code == 302


def test_the_form_shows_a_platform_value_with_its_interval_and_a_chinese_source(
    client, framework, staff, hp, full_form
):
    from learning_platform.indicators.selectors import source_text

    sub = services.submission_ensure(district=hp, year=2022)
    services.entry_save(submission=sub, user=staff["stat"], data=full_form)
    services.monitoring_value_feed(
        district_code="310101",
        year=2022,
        item_code="info_literacy_rate",
        value=37.72,
        se=3.30,
        n=184,
        suppressed=False,
        source="监测中心 survey roll-up #1 (2025 年市民信息素养监测)",
    )
    login(client, staff["stat"])
    html = client.get(
        "/indicators/310101/2022/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    row = html[html.index('data-item="info_literacy_rate"') :]
    row = row[: row.index("</tr>")]
    assert "95% 置信区间 31.3–44.2" in row and "184 名受访者" in row
    assert "监测中心抽样调查：2025 年市民信息素养监测" in row
    assert "survey roll-up" not in row and "SE 3.30" not in row
    assert source_text("学分银行 accounts open at the end of 2025").startswith(
        "2025 年末"
    )
