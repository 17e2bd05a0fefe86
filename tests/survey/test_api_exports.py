"""The survey API and roll-up on a delivered survey.

Who sees which district, microdata for researchers only, export files, suppression; what
the roll-up recovers and where its figures come from; the needs profiles and satisfaction
index (cells, API, indicators, report) from the item bank's needs questionnaire.

The survey (``delivered``, ~900 respondents, tests/survey/conftest.py) is delivered
through sessions and run through the four jobs once for this module, since building it
takes most of a minute.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from django.test import Client

from assessment.survey.models import (
    Job,
    RollUp,
    RollUpCell,
    SurveyData,
    WeightSet,
    pack_arrays,
    unpack_arrays,
)
from psychometrics.survey import NEEDS_AREAS, recoverable_cells

pytestmark = pytest.mark.django_db


def _client(user=None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def test_district_officers_see_their_district_and_the_city_never_microdata(
    delivered, make_user, districts
):
    campaign, _sim, results = delivered
    rid = results["rollup"]["rollup_id"]
    huangpu = next(d for d in districts if d.code == "310101")
    officer = make_user("district_officer", district=huangpu)
    citizen = make_user("citizen")
    researcher = make_user("researcher")

    city_only = _client(citizen).get(f"/api/v1/survey/rollups/{rid}").json()
    assert {c["district_code"] for c in city_only["cells"]} == {None}
    anon = _client().get(f"/api/v1/survey/rollups/{rid}")
    assert anon.status_code == 200
    assert {c["district_code"] for c in anon.json()["cells"]} == {None}

    own = _client(officer).get(f"/api/v1/survey/rollups/{rid}").json()
    assert {c["district_code"] for c in own["cells"]} == {None, "310101"}
    assert (
        _client(officer)
        .get(f"/api/v1/survey/rollups/{rid}/districts/310101")
        .status_code
        == 200
    )
    # another district's breakdowns: the same 404 as a district that does not exist
    other = _client(officer).get(f"/api/v1/survey/rollups/{rid}/districts/310104")
    missing = _client(officer).get(f"/api/v1/survey/rollups/{rid}/districts/999999")
    assert other.status_code == missing.status_code == 404
    # microdata and jobs: refused to officers and citizens
    for user in (officer, citizen):
        c = _client(user)
        assert (
            c.get(
                f"/api/v1/survey/campaigns/{campaign.pk}/export?format=csv"
            ).status_code
            == 403
        )
        assert (
            c.post(
                f"/api/v1/survey/campaigns/{campaign.pk}/jobs",
                {"kind": "rollup"},
                content_type="application/json",
            ).status_code
            == 403
        )
        assert (
            c.get(f"/api/v1/survey/campaigns/{campaign.pk}/design").status_code == 403
        )
    assert (
        _client().get(f"/api/v1/survey/campaigns/{campaign.pk}/export").status_code
        == 401
    )
    everything = _client(researcher).get(f"/api/v1/survey/rollups/{rid}").json()
    assert len({c["district_code"] for c in everything["cells"]}) == 17
    bad = _client(researcher).get(
        f"/api/v1/survey/campaigns/{campaign.pk}/export?format=exe"
    )
    assert bad.status_code == 422 and "unknown format" in str(bad.json())


def test_exports_open_with_their_libraries_and_carry_the_codebook(delivered, make_user):
    import openpyxl
    import pyreadstat

    campaign, sim, _ = delivered
    c = _client(make_user("researcher"))
    n = sim.n_respondents
    url = f"/api/v1/survey/campaigns/{campaign.pk}/export?format="

    z = zipfile.ZipFile(io.BytesIO(c.get(url + "csv").content))
    data = z.read("respondents.csv").decode("utf-8-sig").splitlines()
    header = data[0].split(",")
    assert len(data) == n + 1
    assert header[:6] == [
        "pseudo_id",
        "district_code",
        "age_band",
        "sex",
        "education",
        "weight_final",
    ]
    assert "repwt80" in header and "pv10_info" in header and "eap_health" in header
    assert "Plausible value 1, domain info" in z.read("codebook.csv").decode(
        "utf-8-sig"
    )
    # pseudonymous ids only: no session or user ids
    assert all(row.split(",")[0].startswith("R") for row in data[1:])

    wb = openpyxl.load_workbook(io.BytesIO(c.get(url + "xlsx").content), read_only=True)
    assert wb.sheetnames == ["respondents", "codebook"]
    assert next(wb["respondents"].iter_rows(values_only=True))[0] == "pseudo_id"

    for fmt, reader in (("sav", pyreadstat.read_sav), ("dta", pyreadstat.read_dta)):
        resp = c.get(url + fmt)
        assert resp.status_code == 200
        path = f"/tmp/survey-test-export.{fmt}"
        with open(path, "wb") as fh:
            fh.write(resp.content)
        df, meta = reader(path)
        assert df.shape[0] == n
        labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
        assert labels["repwt1"] == "JK2 replicate weight 1"
        assert "310101" in meta.variable_value_labels["district_code"].values()
        assert np.isclose(
            df["weight_final"].sum(),
            sum(s.population for s in campaign.sample_design.strata.all()),
            rtol=1e-6,
        )


def test_suppression_never_reveals_a_withheld_cell(delivered):
    _campaign, _sim, results = delivered
    rollup = RollUp.objects.get(pk=results["rollup"]["rollup_id"])
    cells = list(RollUpCell.objects.filter(rollup=rollup))
    withheld = [c for c in cells if c.suppressed]
    assert withheld, "the small survey should have cells under 30 respondents"
    for c in cells:
        if c.n < 30:
            assert c.suppressed
        if c.suppressed:
            assert c.estimate is None and c.se is None and c.ci_low is None
        else:  # a published figure always carries a finite estimate, SE and interval
            figures = (c.estimate, c.se, c.ci_low, c.ci_high)
            assert all(v is not None and np.isfinite(v) for v in figures), (
                str(c),
                figures,
            )
    for breakdown in ("age_band", "sex", "education"):
        for domain in ("info",):
            part = [
                c
                for c in cells
                if c.breakdown == breakdown
                and c.district_code
                and c.domain_code == domain
                and c.indicator == "mean_theta"
            ]
            rows = sorted({c.district_code for c in part})
            cols = sorted({c.breakdown_value for c in part})
            mask = np.zeros((len(rows), len(cols)), dtype=bool)
            for c in part:
                mask[rows.index(c.district_code), cols.index(c.breakdown_value)] = (
                    c.suppressed
                )
            assert not recoverable_cells(mask).any(), breakdown


def test_the_rollup_recovers_the_true_city_figures_and_names_its_sources(delivered):
    """City mean and SD per domain within 3 SE of the respondents' weighted true values.

    The simulation stores each respondent's true ability (``truth_theta``); weighted with
    the final weights it is what the plausible values estimate, up to measurement error,
    so a wrong scale (linking, calibration) or a broken latent regression shows here.
    """
    from assessment.survey.services import survey_arrays

    campaign, _sim, results = delivered
    rollup = RollUp.objects.get(pk=results["rollup"]["rollup_id"])
    arrays, meta = survey_arrays(campaign)
    weights = unpack_arrays(
        WeightSet.objects.get(pk=results["weights"]["weight_set_id"]).arrays
    )
    truth = arrays["truth_theta"]
    assert truth.shape[0] == weights["final"].size
    for k, domain in enumerate(meta["simulation"]["truth_theta_domains"]):
        true_mean = np.average(truth[:, k], weights=weights["final"])
        true_sd = np.sqrt(
            np.average((truth[:, k] - true_mean) ** 2, weights=weights["final"])
        )
        for indicator, true in (("mean_theta", true_mean), ("sd_theta", true_sd)):
            cell = RollUpCell.objects.get(
                rollup=rollup,
                district_code="",
                domain_code=domain,
                indicator=indicator,
                breakdown="",
            )
            assert abs(cell.estimate - true) < 3 * cell.se, (
                domain,
                indicator,
                cell.estimate,
                true,
                cell.se,
            )
    # provenance: the jobs' rows, the bank's cut scores, the calibration offered to the bank
    prov = rollup.provenance
    assert prov["weight_set_id"] == results["weights"]["weight_set_id"]
    assert prov["score_set_id"] == results["score"]["score_set_id"]
    assert prov["calibration_id"] == results["calibrate"]["calibration_id"]
    assert (
        prov["parameter_set_id"] == results["calibrate"]["parameter_set_id"] is not None
    )
    assert {c["source"] for c in prov["cut_scores"].values()} == {"cut_score_set"}
    assert {c.pk for c in rollup.cut_score_sets.all()} == {
        c["cut_score_set_id"] for c in prov["cut_scores"].values()
    }
    assert prov["code_version"] and prov["campaign_id"] == campaign.pk


# ---------------------------------------------------------------- needs
def _rollup(campaign, **params):
    from assessment.survey.jobs import run_job
    from assessment.survey.services import job_create

    job = job_create(kind="rollup", campaign=campaign, params=params)
    status = run_job(str(job.pk))
    return status, Job.objects.get(pk=job.pk)


@pytest.fixture
def needs_survey(delivered):
    campaign, sim, results = delivered
    job = Job.objects.get(campaign=campaign, kind="rollup", status="finished")
    return campaign, sim, RollUp.objects.get(pk=results["rollup"]["rollup_id"]), job


def test_needs_rollup_cells_indicator_api_and_report_block(
    needs_survey, make_user, districts
):
    """One roll-up (slow to make) checked four ways: cells, indicator feed, API, CMS block."""
    from learning_platform.indicators.models import ItemValue

    campaign, _sim, rollup, job = needs_survey
    cells = RollUpCell.objects.filter(rollup=rollup, domain_code__startswith="needs.")
    topics = cells.filter(
        domain_code="needs.topics", indicator="needs_share", district_code=""
    )
    assert sorted(topics.values_list("category", flat=True)) == sorted(
        NEEDS_AREAS["topics"]
    )
    assert all(c.se > 0 and c.ci_low < c.estimate < c.ci_high for c in topics)
    sat = cells.filter(indicator="satisfaction_index").exclude(district_code="")
    assert sat.count() == 16
    assert rollup.method["needs_options"]["needs.topics"]["health"] == [
        "健康养生",
        "Health and wellbeing",
    ]
    # the satisfaction index reaches the district framework's item service_satisfaction
    feed = job.result["indicators_feed"]["satisfaction"]
    assert feed["fed"] == 16, feed
    cell = sat.get(district_code="310101")
    value = ItemValue.objects.get(
        item__code="service_satisfaction",
        submission__district__code="310101",
        submission__year=rollup.year,
    )
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
    assert {c["indicator"] for c in body["cells"]} == {
        "needs_share",
        "satisfaction_index",
    }
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
        chart = NeedsProfileBlock().chart(
            figures, {"domain": "needs.modes", "district": ""}
        )
    labels = [row[0] for row in chart.rows]
    assert "线上视频课程" in labels and "online_video" not in labels
    assert all(
        row[1] not in ("", "—") for row in chart.rows
    )  # the city is never withheld here
    shares = [float(row[1].rstrip("%")) for row in chart.rows]
    assert shares == sorted(shares, reverse=True)  # most wanted first


def test_needs_rows_that_do_not_match_the_respondents_fail_the_job(delivered):
    campaign, _sim, _ = delivered
    n_rollups = RollUp.objects.filter(campaign=campaign).count()
    data = SurveyData.objects.get(campaign=campaign)
    arrays = unpack_arrays(data.arrays)
    arrays["needs_topics"] = np.zeros((5, len(NEEDS_AREAS["topics"])), dtype=np.float32)
    SurveyData.objects.filter(pk=data.pk).update(arrays=pack_arrays(**arrays))
    status, job = _rollup(campaign)
    assert status == "failed"
    assert "needs_topics has 5 rows" in job.error
    assert RollUp.objects.filter(campaign=campaign).count() == n_rollups


# ---------------------------------------------------------------- the rate in the filing
def test_published_rate_is_in_every_districts_filing_read_only(delivered, make_user):
    """Publishing wrote 市民信息素养的达标率 with its interval, n and a Chinese source line
    (survey, roll-up, cut-score version) into each district's filing; the statistician
    sees it but cannot change it."""
    from learning_platform.districts.models import District
    from learning_platform.indicators.models import ItemValue
    from learning_platform.indicators.services import entry_save

    campaign, _sim, results = delivered
    rollup = RollUp.objects.get(pk=results["rollup"]["rollup_id"])
    version = rollup.provenance["cut_scores"]["info"]["version"]
    cells = RollUpCell.objects.filter(
        rollup=rollup, domain_code="info", breakdown="", indicator="attainment_rate"
    ).exclude(district_code="")
    assert cells.count() == 16
    for cell in cells:
        value = ItemValue.objects.get(
            item__code="info_literacy_rate",
            submission__district__code=cell.district_code,
            submission__year=rollup.year,
        )
        assert value.n == cell.n and value.suppressed == cell.suppressed
        assert (
            campaign.name_zh in value.source and f"区级汇总#{rollup.pk}" in value.source
        )
        assert f"划界分数第{version}版" in value.source
        if not cell.suppressed:
            assert float(value.value) == pytest.approx(round(cell.estimate, 2))
            assert (value.ci_low, value.ci_high) == (
                pytest.approx(cell.ci_low),
                pytest.approx(cell.ci_high),
            )
    huangpu = District.objects.get(code="310101")
    statistician = make_user("district_statistician", district=huangpu)
    value = ItemValue.objects.get(
        item__code="info_literacy_rate",
        submission__district=huangpu,
        submission__year=rollup.year,
    )
    before = value.value
    check = entry_save(
        submission=value.submission,
        user=statistician,
        data={"v_info_literacy_rate": "99"},
    )
    assert (
        "info_literacy_rate" in check.errors
        and "platform" in check.errors["info_literacy_rate"]
    )
    value.refresh_from_db()
    assert value.value == before and value.source
    client = Client()
    client.force_login(statistician)
    page = client.get(f"/indicators/{huangpu.code}/{rollup.year}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert (
        'name="v_info_literacy_rate"' not in html and f"划界分数第{version}版" in html
    )


def test_calibration_evidence_lands_on_the_bank_and_publication_needs_approval(
    delivered,
):
    import re

    from django.core.exceptions import ValidationError

    from assessment.survey import services
    from itembank.models import ItemParameter, ItemParameterSet

    campaign, _sim, results = delivered
    pset = ItemParameterSet.objects.get(pk=results["calibrate"]["parameter_set_id"])
    assert pset.status == "approved" and pset.evidence["domains"]
    fits = list(
        ItemParameter.objects.filter(parameter_set=pset).values_list("fit", flat=True)
    )
    assert fits and all(f.get("infit") is not None and "flags" in f for f in fits)
    flagged = set(pset.evidence["flagged"])
    assert flagged == {
        str(p.item_id)
        for p in ItemParameter.objects.filter(parameter_set=pset)
        if p.fit["flags"]
    }
    # an unpublished roll-up on a set sent back to review cannot be published
    rollup = RollUp.objects.get(pk=results["rollup"]["rollup_id"])
    ItemParameterSet.objects.filter(pk=pset.pk).update(status="in_review")
    draft = RollUp.objects.create(
        name="draft",
        campaign=campaign,
        year=rollup.year,
        score_set=rollup.score_set,
        weight_set=rollup.weight_set,
    )
    with pytest.raises(
        ValidationError,
        match=f"Publication refused.*{re.escape(pset.name)}.*not been approved",
    ):
        services.rollup_publish(rollup=draft)
    draft.refresh_from_db()
    assert not draft.published
