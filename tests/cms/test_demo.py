"""The cms demo builds its pages, publishes a report on the newest roll-up, and runs twice."""

from __future__ import annotations

import io

import pytest

pytestmark = pytest.mark.django_db


def test_demo_builds_pages_and_a_report_and_is_idempotent(client, home_site, rollups):
    from cms.demo import load_demo
    from cms.models import DistrictDashboardPage, InstrumentPage, SurveyReportPage

    load_demo(stdout=io.StringIO())
    load_demo(stdout=io.StringIO())
    assert InstrumentPage.objects.live().count() >= 4
    assert DistrictDashboardPage.objects.live().count() == 1
    report = SurveyReportPage.objects.live().get()
    assert report.rollup_id == rollups.new.pk
    assert report.rollup_snapshot["rollup"]["id"] == rollups.new.pk
    assert client.get(report.url).status_code == 200
    assert client.get("/dashboard/").status_code == 200
    home = client.get("/").content.decode()
    assert "上海市民信息素养监测报告" in home
    assert 'href="/dashboard/"' in home and 'href="/reports/"' in home


def test_demo_without_rollups_makes_no_report(home_site, districts):
    from cms.demo import load_demo
    from cms.models import SurveyReportPage

    out = io.StringIO()
    load_demo(stdout=out)
    assert not SurveyReportPage.objects.exists()
    assert "no finished roll-up" in out.getvalue()


def test_demo_report_keeps_only_blocks_the_rollup_holds():
    from cms.demo import demo_report_body

    snapshot = {
        "cells": [
            {"domain_code": "info", "indicator": "attainment_rate"},
            {"domain_code": "info", "indicator": "level_share"},
            {"domain_code": "health", "indicator": "attainment_rate"},
        ]
    }
    types = [b["type"] for b in demo_report_body(snapshot)]
    assert "needs_profile" not in types
    assert types.count("district_table") == 2 and "level_distribution" in types
    assert types[-1] == "methodology"
