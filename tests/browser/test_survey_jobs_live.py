"""Live job progress in Chromium, with the worker in another process, as in ``make demo``.

The server (``manage.py runserver``) and the task worker (``manage.py db_worker``) are
separate processes on one SQLite file, with the in-memory channel layer: the worker's
pushes cannot reach the server, so the page must fall back to polling the progress
stored on the job row. A researcher starts a calibration from the page and watches it
move to 100 % and 已完成 without reloading.
"""

from __future__ import annotations

import re
import time

import pytest

from tests.survey.procs import SEED_SURVEY, ProcSite

pytestmark = [pytest.mark.browser]


@pytest.fixture
def site(tmp_path):
    site = ProcSite(tmp_path, lease=30)
    yield site
    site.stop()


def test_progress_of_a_job_run_by_a_separate_worker_reaches_the_page(
    site, page, screenshot_dir
):
    seeded = site.python(
        SEED_SURVEY.format(year=2025, n_sample=4000)
        + """
from learning_platform.accounts.services import user_create

user_create(username="researcher", password="Research-2026!", roles=["researcher"])
"""
    )
    campaign_id = seeded["campaign_id"]
    site.worker("worker")
    url = site.server()

    page.goto(url + "/admin/login/?next=/admin/survey/")
    page.fill("input[name=username]", "researcher")
    page.fill("input[name=password]", "Research-2026!")
    page.click("button[type=submit]")
    page.wait_for_url(url + "/admin/survey/")
    assert page.get_attribute("#survey-admin", "data-live") == "poll"

    section = page.locator(f'section[data-campaign="{campaign_id}"]')
    section.locator("select[name=kind]").select_option("calibrate")
    section.locator("form.survey-start button[type=submit]").click()
    page.wait_for_url(url + "/admin/survey/")
    row = section.locator("tr[data-job]").first
    job_id = row.get_attribute("data-job")
    page.evaluate("window.__samePage = true")

    seen, statuses, stages = [], set(), set()
    until = time.monotonic() + 300
    while time.monotonic() < until:
        percent = row.locator(".job-percent").inner_text()
        status = row.locator(".job-status").inner_text()
        stages.add(row.locator(".job-stage").inner_text())
        statuses.add(status)
        if not seen or seen[-1] != percent:
            seen.append(percent)
        if status in ("已完成", "失败", "已取消"):
            break
        time.sleep(0.2)
    page.screenshot(path=str(screenshot_dir / "survey-jobs-live.png"), full_page=True)
    assert row.locator(".job-status").inner_text() == "已完成", (
        seen,
        statuses,
        site.tail("worker"),
    )
    assert page.evaluate("window.__samePage") is True  # no reload: the page polled
    assert seen[-1] == "100%"
    middle = [p for p in seen if p not in ("0%", "100%")]
    assert middle, f"no progress between 0 and 100 % was shown: {seen}"
    assert "运行中" in statuses
    assert row.locator(".job-stage").inner_text() == "完成"
    # the calibration's stages, in Chinese: its EM steps (when a poll lands on one) or
    # the reviewer's evidence computed after them
    assert any(
        re.search(r"正在校准.*EM 第 \d+ 步|项目拟合检验|项目功能差异", s)
        for s in stages
    ), stages
    for raw in ("running", "finished", "queued", "calibrating"):
        assert raw not in section.inner_text()
    assert site.job(job_id)["status"] == "finished"
    assert page.get_by_text("任务类型").count() == 1
