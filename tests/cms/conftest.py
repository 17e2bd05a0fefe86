"""Fixtures of the cms tests: report pages on snapshots of factory roll-ups."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.cms.factories import rollup_make


@pytest.fixture
def rollups(districts):
    """Published roll-ups of two waves of a thematic survey: 2020, then 2025 (city rate 60.0%)."""
    old = rollup_make(year=2020, shift=-6.0)
    new = rollup_make(year=2025)
    return SimpleNamespace(old=old, new=new)


@pytest.fixture
def snapshot(rollups):
    """The frozen figures of the 2025 roll-up, with the 2020 wave before it."""
    from cms.selectors import rollup_snapshot

    return rollup_snapshot(rollups.new.pk)


REPORT_BODY = [
    {
        "type": "headline",
        "value": {
            "domain": "info",
            "indicator": "attainment_rate",
            "district": "",
            "label": "",
        },
    },
    {
        "type": "district_table",
        "value": {"domain": "info", "indicator": "attainment_rate"},
    },
    {
        "type": "district_bars",
        "value": {"domain": "info", "indicator": "attainment_rate"},
    },
    {"type": "level_distribution", "value": {"domain": "info", "district": ""}},
    {
        "type": "trend",
        "value": {"domain": "info", "indicator": "attainment_rate", "district": ""},
    },
    {"type": "needs_profile", "value": {"domain": "needs.topics", "district": ""}},
    {"type": "methodology", "value": {"notes": "<p>加权方法说明</p>"}},
    {"type": "rich_text", "value": "<p>报告正文</p>"},
]


@pytest.fixture
def report_index(home_site):
    from cms.models import ReportIndexPage

    index = ReportIndexPage(title="调查报告", slug="reports-list")
    home_site.add_child(instance=index)
    return index


@pytest.fixture
def make_report(report_index, snapshot):
    """Create and publish a report whose revision holds ``snapshot``."""
    import json

    from cms.models import SurveyReportPage

    def _make(
        *,
        body=None,
        title="2025 年市民信息素养监测报告",
        slug="report-2025",
        data=None,
        publish=True,
        parent=None,
    ):
        data = snapshot if data is None else data
        page = SurveyReportPage(
            title=title,
            slug=slug,
            summary="信息素养达标率",
            topic="information",
            rollup_id=data["rollup"]["id"] if data else None,
            rollup_snapshot=data,
            year=data["rollup"]["year"] if data else None,
            live=False,
            body=json.dumps(REPORT_BODY if body is None else body),
        )
        (parent or report_index).add_child(instance=page)
        revision = page.save_revision()
        if publish:
            revision.publish()
            page.refresh_from_db()
        return page

    return _make
