"""The researcher's survey page in the Wagtail admin, in Chromium."""

from __future__ import annotations

import pytest

from learning_platform.accounts.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_researcher_sees_jobs_and_cancels_a_queued_one(
    live_server, page, make_user, screenshot_dir
):
    from assessment.survey.models import Job
    from assessment.survey.services import job_create
    from tests.survey.conftest import make_campaign

    make_user(Role.RESEARCHER, username="researcher", password="Research-2026!")
    campaign = make_campaign()
    job = job_create(kind="calibrate", campaign=campaign)
    page.goto(live_server.url + "/admin/login/?next=/admin/survey/")
    page.fill("input[name=username]", "researcher")
    page.fill("input[name=password]", "Research-2026!")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/admin/survey/")
    assert campaign.name_zh in page.content()
    row = page.locator(f'tr[data-job="{job.pk}"]')
    assert row.locator("progress").count() == 1
    page.screenshot(path=str(screenshot_dir / "survey-admin-jobs.png"), full_page=True)
    row.locator("button.job-cancel").click()
    page.wait_for_load_state()
    assert Job.objects.get(pk=job.pk).status == "cancelled"
    assert page.locator(f'tr[data-job="{job.pk}"] button.job-cancel').count() == 0


def test_district_officer_cannot_open_the_survey_page(
    live_server, page, make_user, districts
):
    make_user(
        Role.DISTRICT_OFFICER,
        district=districts[0],
        username="officer",
        password="Officer-2026!",
    )
    page.goto(live_server.url + "/admin/login/")
    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", "Officer-2026!")
    page.click("button[type=submit]")
    response = page.goto(live_server.url + "/admin/survey/")
    assert (
        page.url.startswith(live_server.url + "/admin/login/") or response.status == 403
    )
    assert "data-job" not in page.content()
