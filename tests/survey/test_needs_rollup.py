"""The roll-up job's needs profiles and satisfaction index: cells, API, indicators, report."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.management import call_command
from django.test import Client

from assessment.survey.models import (
    Job,
    RollUp,
    RollUpCell,
    SurveyData,
    pack_arrays,
    unpack_arrays,
)
from psychometrics.survey import NEEDS_AREAS, simulate_needs
from tests.survey.conftest import small_survey

pytestmark = pytest.mark.django_db


def _with_needs(campaign, sim):
    """Add a simulated needs questionnaire to the stored survey data (respondents only)."""
    data = SurveyData.objects.get(campaign=campaign)
    arrays = unpack_arrays(data.arrays)
    needs = simulate_needs(sim.district, sim.age_band, rng=np.random.default_rng(4))
    arrays.update(needs.to_arrays(sim.responded))
    SurveyData.objects.filter(pk=data.pk).update(arrays=pack_arrays(**arrays))
    return needs


def _rollup(campaign, **params):
    from assessment.survey.jobs import run_job
    from assessment.survey.services import job_create

    job = job_create(kind="rollup", campaign=campaign, params=params)
    status = run_job(str(job.pk))
    return status, Job.objects.get(pk=job.pk)


@pytest.fixture
def needs_survey(districts):
    campaign, sim, _ = small_survey(run=("weights", "calibrate", "score"))
    _with_needs(campaign, sim)
    call_command("load_indicator_framework", stdout=open("/dev/null", "w"))
    status, job = _rollup(campaign, publish=True)
    assert status == "finished", job.error
    return campaign, sim, RollUp.objects.get(pk=job.result["rollup_id"]), job


def test_needs_rollup_cells_indicator_api_and_report_block(needs_survey, make_user, districts):
    """One roll-up (slow to make) checked four ways: cells, indicator feed, API, CMS block."""
    from learning_platform.indicators.models import ItemValue

    campaign, _sim, rollup, job = needs_survey
    cells = RollUpCell.objects.filter(rollup=rollup, domain_code__startswith="needs.")
    topics = cells.filter(domain_code="needs.topics", indicator="needs_share", district_code="")
    assert sorted(topics.values_list("category", flat=True)) == sorted(NEEDS_AREAS["topics"])
    assert all(c.se > 0 and c.ci_low < c.estimate < c.ci_high for c in topics)
    sat = cells.filter(indicator="satisfaction_index").exclude(district_code="")
    assert sat.count() == 16
    assert rollup.method["needs_options"]["needs.topics"]["health"] == ["健康养生",
                                                                         "Health and wellbeing"]
    # the satisfaction index reaches the district framework's item service_satisfaction
    feed = job.result["indicators_feed"]["satisfaction"]
    assert feed["fed"] == 16, feed
    cell = sat.get(district_code="310101")
    value = ItemValue.objects.get(item__code="service_satisfaction",
                                  submission__district__code="310101", submission__year=rollup.year)
    if cell.suppressed:
        assert value.value is None and value.suppressed
    else:
        assert float(value.value) == pytest.approx(round(cell.estimate, 2))
        assert value.se == pytest.approx(cell.se)
    _api_shows_the_city_and_only_the_callers_district(rollup, make_user, districts)
    _profile_block_shows_the_option_names(rollup)


def _api_shows_the_city_and_only_the_callers_district(rollup, make_user, districts):
    huangpu = next(d for d in districts if d.code == "310101")
    officer = Client()
    officer.force_login(make_user("district_officer", district=huangpu))
    url = f"/api/v1/survey/rollups/{rollup.pk}/needs"
    body = officer.get(url).json()
    assert body["district_code"] == "310101"
    assert {c["district_code"] for c in body["cells"]} == {None, "310101"}
    assert {c["indicator"] for c in body["cells"]} == {"needs_share", "satisfaction_index"}
    assert body["option_names"]["needs.barriers"]["venue_far"][0] == "学习场所离家太远"
    assert officer.get(url + "?district=310104").status_code == 404
    assert officer.get(url + "?district=999999").status_code == 404
    citizen = Client()
    citizen.force_login(make_user("citizen"))
    assert citizen.get(url).status_code == 404
    researcher = Client()
    researcher.force_login(make_user("researcher"))
    body = researcher.get(url + "?district=310104").json()
    assert {c["district_code"] for c in body["cells"]} == {None, "310104"}


def _profile_block_shows_the_option_names(rollup):
    from django.utils import translation

    from cms.blocks import NeedsProfileBlock
    from cms.figures import Figures
    from cms.selectors import rollup_snapshot

    figures = Figures(rollup_snapshot(rollup.pk))
    with translation.override("zh-hans"):
        chart = NeedsProfileBlock().chart(figures, {"domain": "needs.modes", "district": ""})
    labels = [row[0] for row in chart.rows]
    assert "线上视频课程" in labels and "online_video" not in labels
    assert all(row[1] not in ("", "—") for row in chart.rows)  # the city is never withheld here
    shares = [float(row[1].rstrip("%")) for row in chart.rows]
    assert shares == sorted(shares, reverse=True)  # most wanted first


def test_needs_rows_that_do_not_match_the_respondents_fail_the_job(districts):
    campaign, _sim, _ = small_survey(run=("weights", "calibrate", "score"))
    data = SurveyData.objects.get(campaign=campaign)
    arrays = unpack_arrays(data.arrays)
    arrays["needs_topics"] = np.zeros((5, len(NEEDS_AREAS["topics"])), dtype=np.float32)
    SurveyData.objects.filter(pk=data.pk).update(arrays=pack_arrays(**arrays))
    status, job = _rollup(campaign)
    assert status == "failed"
    assert "needs_topics has 5 rows" in job.error
    assert not RollUp.objects.filter(campaign=campaign).exists()
