"""Reports are frozen to their roll-up, reviewed through the workflow and published on schedule."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from learning_platform.accounts.roles import Role
from tests.cms.conftest import REPORT_BODY
from tests.cms.factories import rollup_make

pytestmark = pytest.mark.django_db
# The city's 2025 information-literacy interval before and after a recalculation (+3 points).
CITY_2025 = "58.4–61.6%"
RECALCULATED = "61.4–64.6%"


@pytest.fixture
def draft_report(report_index, rollups):
    from cms.models import SurveyReportPage
    from cms.services import report_rollup_set

    page = SurveyReportPage(
        title="2025 年报告", slug="r2025", live=False, body=json.dumps(REPORT_BODY)
    )
    report_index.add_child(instance=page)
    report_rollup_set(page=page, rollup_id=rollups.new.pk)
    return page


def test_publishing_freezes_the_figures(client, draft_report, rollups):
    from cms.services import report_rollup_set

    # given a report published on the 2025 roll-up (city rate 60.0%)
    draft_report.get_latest_revision().publish()
    draft_report.refresh_from_db()
    assert CITY_2025 in client.get(draft_report.url).content.decode()
    # when the survey recalculates (a published roll-up never changes: a new one, now 63.0%)
    recalculated = rollup_make(
        year=2025, shift=3.0, campaign=rollups.new.campaign, name="2025 重新计算"
    )
    # then the published report still shows the figures it was reviewed with
    html = client.get(draft_report.url).content.decode()
    assert CITY_2025 in html and RECALCULATED not in html
    # and an ordinary edit keeps them too
    page = draft_report.get_latest_revision_as_object()
    page.summary = "改了摘要"
    page.save_revision().publish()
    assert RECALCULATED not in client.get(draft_report.url).content.decode()
    # choosing the new roll-up makes a new revision, live only once published
    revisions_before = draft_report.revisions.count()
    revision = report_rollup_set(page=draft_report, rollup_id=recalculated.pk)
    assert draft_report.revisions.count() == revisions_before + 1
    assert CITY_2025 in client.get(draft_report.url).content.decode()
    revision.publish()
    html = client.get(draft_report.url).content.decode()
    assert RECALCULATED in html and "2025 重新计算" in html


def test_a_new_rollup_means_a_new_revision(draft_report, rollups):
    from cms.services import report_rollup_set

    wave_2026 = rollup_make(year=2026, shift=1.0)
    first = draft_report.get_latest_revision()
    second = report_rollup_set(page=draft_report, rollup_id=wave_2026.pk)
    assert second.pk != first.pk
    assert first.content["rollup_snapshot"]["rollup"]["id"] == rollups.new.pk
    assert second.content["rollup_snapshot"]["rollup"]["id"] == wave_2026.pk
    assert [w["year"] for w in second.content["rollup_snapshot"]["waves"]] == [
        2020,
        2025,
    ]
    assert second.as_object().year == 2026


def test_taking_the_figures_again_is_a_new_revision(draft_report, rollups):
    from cms.services import report_rollup_set

    first = draft_report.get_latest_revision()
    second = report_rollup_set(
        page=draft_report, rollup_id=rollups.new.pk, refresh=True
    )
    assert second.pk != first.pk
    assert (
        second.content["rollup_snapshot"]["taken_at"]
        > first.content["rollup_snapshot"]["taken_at"]
    )
    assert second.content["refresh_figures"] is False


def test_a_missing_or_unpublished_rollup_is_refused_and_nothing_is_lost(
    draft_report, rollups
):
    from django.core.exceptions import ValidationError

    from cms.services import report_rollup_set

    unpublished = rollup_make(year=2026, published=False)
    count = draft_report.revisions.count()
    for rollup_id in (999_999, unpublished.pk):
        with pytest.raises(ValidationError, match=f"#{rollup_id}"):
            report_rollup_set(page=draft_report, rollup_id=rollup_id)
    assert draft_report.revisions.count() == count
    snapshot = draft_report.get_latest_revision().content["rollup_snapshot"]
    assert snapshot["rollup"]["id"] == rollups.new.pk


def test_moderation_workflow_draft_review_publish(client, draft_report, make_user):
    from cms.services import page_permissions_ensure, report_workflow_ensure

    author = make_user(Role.RESEARCHER, username="writer")
    reviewer = make_user(Role.RESEARCHER, username="checker")
    page_permissions_ensure()
    workflow = report_workflow_ensure()
    assert draft_report.get_workflow() == workflow
    # draft → in review
    workflow.start(draft_report, author)
    draft_report.refresh_from_db()
    assert draft_report.workflow_in_progress and not draft_report.live
    assert client.get(f"/reports/{draft_report.pk}/pdf/").status_code == 404
    # review → published
    task_state = draft_report.current_workflow_task_state
    assert task_state.task.specific.user_can_access_editor(draft_report, reviewer)
    task_state.task.specific.on_action(task_state, reviewer, "approve")
    draft_report.refresh_from_db()
    assert draft_report.live
    assert CITY_2025 in client.get(draft_report.url).content.decode()


def test_scheduled_publishing(client, draft_report):
    from django.core.management import call_command

    page = draft_report.get_latest_revision_as_object()
    page.go_live_at = timezone.now() + timedelta(hours=1)
    scheduled = page.save_revision()
    scheduled.publish()
    draft_report.refresh_from_db()
    scheduled.refresh_from_db()
    assert scheduled.approved_go_live_at is not None
    assert not draft_report.live and client.get(draft_report.url).status_code == 404
    # the hour passes
    past = timezone.now() - timedelta(minutes=1)
    scheduled.approved_go_live_at = past
    scheduled.content["go_live_at"] = past.isoformat()
    scheduled.save(update_fields=["approved_go_live_at", "content"])
    call_command("publish_scheduled", verbosity=0)
    draft_report.refresh_from_db()
    assert draft_report.live
    assert CITY_2025 in client.get(draft_report.url).content.decode()
