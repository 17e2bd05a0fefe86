"""Researchers write reports in the Wagtail editor: the roll-up is a choice, figures freeze on save."""

from __future__ import annotations

import pytest
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from learning_platform.accounts.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def researcher(client, make_user, rollups):
    from cms.services import page_permissions_ensure
    from learning_platform.accounts.services import roles_sync

    roles_sync()
    page_permissions_ensure()
    user = make_user(Role.RESEARCHER, username="res")
    client.force_login(user)
    return user


def _form(rollup_id, **extra):
    return nested_form_data(
        {
            "title": "2025 年报告",
            "slug": "admin-report",
            "summary": "摘要",
            "topic": "information",
            "rollup_id": rollup_id,
            "refresh_figures": "",
            "body": streamfield(
                [
                    (
                        "headline",
                        {
                            "domain": "info",
                            "indicator": "attainment_rate",
                            "district": "",
                            "label": "",
                        },
                    ),
                    ("rich_text", rich_text("<p>正文</p>")),
                ]
            ),
            **extra,
        }
    )


def test_editor_offers_finished_rollups(client, researcher, report_index):
    response = client.get(f"/admin/pages/add/cms/surveyreportpage/{report_index.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="rollup_id"' in html and "2025 信息素养专项调查汇总" in html


def test_saving_a_draft_freezes_the_chosen_rollup(
    client, researcher, report_index, rollups
):
    from cms.models import SurveyReportPage

    response = client.post(
        f"/admin/pages/add/cms/surveyreportpage/{report_index.pk}/",
        _form(rollups.new.pk),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = SurveyReportPage.objects.get(slug="admin-report")
    content = page.get_latest_revision().content
    assert content["rollup_snapshot"]["rollup"]["id"] == rollups.new.pk
    assert content["year"] == 2025
    assert not page.live


def test_editor_refuses_an_unknown_rollup_and_saves_nothing(
    client, researcher, report_index
):
    from cms.models import SurveyReportPage

    response = client.post(
        f"/admin/pages/add/cms/surveyreportpage/{report_index.pk}/", _form(999_999)
    )
    assert response.status_code == 200  # the form comes back with the error
    assert not SurveyReportPage.objects.filter(slug="admin-report").exists()


def test_editor_can_fetch_the_draft_pdf_and_others_cannot(
    client, researcher, report_index, make_user, rollups
):
    from cms.models import SurveyReportPage

    client.post(
        f"/admin/pages/add/cms/surveyreportpage/{report_index.pk}/",
        _form(rollups.new.pk),
    )
    page = SurveyReportPage.objects.get(slug="admin-report")
    response = client.get(f"/reports/{page.pk}/pdf/?draft=1")
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    client.force_login(make_user(Role.CITIZEN, username="cit"))
    assert client.get(f"/reports/{page.pk}/pdf/?draft=1").status_code == 404


def test_preview_shows_the_figures_saving_would_freeze(
    client, researcher, report_index, rollups
):
    response = client.post(
        f"/admin/pages/add/cms/surveyreportpage/{report_index.pk}/preview/",
        _form(rollups.new.pk),
    )
    assert response.json()["is_valid"]
    html = client.get(
        f"/admin/pages/add/cms/surveyreportpage/{report_index.pk}/preview/"
    ).content.decode()
    assert "60.0%" in html


def test_report_editor_has_a_draft_pdf_button(
    client, researcher, report_index, rollups
):
    from cms.models import SurveyReportPage

    client.post(
        f"/admin/pages/add/cms/surveyreportpage/{report_index.pk}/",
        _form(rollups.new.pk),
    )
    page = SurveyReportPage.objects.get(slug="admin-report")
    html = client.get(f"/admin/pages/{page.pk}/edit/").content.decode()
    assert f"/reports/{page.pk}/pdf/?draft=1" in html
