"""The survey API: who sees which district, microdata for researchers only, export files."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from django.test import Client

from assessment.survey.models import RollUp, RollUpCell
from psychometrics.survey import recoverable_cells
from tests.survey.conftest import small_survey

pytestmark = pytest.mark.django_db

RUN = ("weights", "calibrate", "score", "rollup")


@pytest.fixture
def survey(districts):
    return small_survey(run=RUN)


def _client(user=None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def test_district_officers_see_their_district_and_the_city_never_microdata(survey, make_user,
                                                                          districts):
    campaign, _sim, results = survey
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
    assert _client(officer).get(f"/api/v1/survey/rollups/{rid}/districts/310101").status_code == 200
    # another district's breakdowns: the same 404 as a district that does not exist
    other = _client(officer).get(f"/api/v1/survey/rollups/{rid}/districts/310104")
    missing = _client(officer).get(f"/api/v1/survey/rollups/{rid}/districts/999999")
    assert other.status_code == missing.status_code == 404
    # microdata and jobs: refused to officers and citizens
    for user in (officer, citizen):
        c = _client(user)
        assert c.get(f"/api/v1/survey/campaigns/{campaign.pk}/export?format=csv").status_code == 403
        assert c.post(f"/api/v1/survey/campaigns/{campaign.pk}/jobs", {"kind": "rollup"},
                      content_type="application/json").status_code == 403
        assert c.get(f"/api/v1/survey/campaigns/{campaign.pk}/design").status_code == 403
    assert _client().get(f"/api/v1/survey/campaigns/{campaign.pk}/export").status_code == 401
    everything = _client(researcher).get(f"/api/v1/survey/rollups/{rid}").json()
    assert len({c["district_code"] for c in everything["cells"]}) == 17
    bad = _client(researcher).get(f"/api/v1/survey/campaigns/{campaign.pk}/export?format=exe")
    assert bad.status_code == 422 and "unknown format" in str(bad.json())


def test_exports_open_with_their_libraries_and_carry_the_codebook(survey, make_user):
    import openpyxl
    import pyreadstat

    campaign, sim, _ = survey
    c = _client(make_user("researcher"))
    n = int(sim.responded.sum())
    url = f"/api/v1/survey/campaigns/{campaign.pk}/export?format="

    z = zipfile.ZipFile(io.BytesIO(c.get(url + "csv").content))
    data = z.read("respondents.csv").decode("utf-8-sig").splitlines()
    header = data[0].split(",")
    assert len(data) == n + 1
    assert header[:6] == ["pseudo_id", "district_code", "age_band", "sex", "education",
                          "weight_final"]
    assert "repwt80" in header and "pv10_info" in header and "eap_health" in header
    assert "Plausible value 1, domain info" in z.read("codebook.csv").decode("utf-8-sig")
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
        assert np.isclose(df["weight_final"].sum(),
                          sum(s.population for s in campaign.sample_design.strata.all()),
                          rtol=1e-6)


def test_suppression_never_reveals_a_withheld_cell(survey):
    _campaign, _sim, results = survey
    rollup = RollUp.objects.get(pk=results["rollup"]["rollup_id"])
    cells = list(RollUpCell.objects.filter(rollup=rollup))
    withheld = [c for c in cells if c.suppressed]
    assert withheld, "the small survey should have cells under 30 respondents"
    for c in cells:
        if c.n < 30:
            assert c.suppressed
        if c.suppressed:
            assert c.estimate is None and c.se is None and c.ci_low is None
    for breakdown in ("age_band", "sex", "education"):
        for domain in ("info",):
            part = [c for c in cells if c.breakdown == breakdown and c.district_code
                    and c.domain_code == domain and c.indicator == "mean_theta"]
            rows = sorted({c.district_code for c in part})
            cols = sorted({c.breakdown_value for c in part})
            mask = np.zeros((len(rows), len(cols)), dtype=bool)
            for c in part:
                mask[rows.index(c.district_code), cols.index(c.breakdown_value)] = c.suppressed
            assert not recoverable_cells(mask).any(), breakdown
