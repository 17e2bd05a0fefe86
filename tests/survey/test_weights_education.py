"""A sample design that rakes to education: census figures loaded from the repo's file."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from assessment.survey import demo
from assessment.survey.jobs import run_job
from assessment.survey.models import Job, Respondent, WeightSet, unpack_arrays
from assessment.survey.services import job_create
from assessment.survey.services.designs import ADULT_SHARE
from learning_platform.districts.models import EducationFigure
from learning_platform.districts.services import education_figures_load_csv
from tests.survey.conftest import make_campaign

pytestmark = pytest.mark.django_db

TERTIARY = {"junior_college", "bachelor", "postgraduate"}


def _survey(raking: str):
    campaign = make_campaign(code="survey-edu")
    demo.simulate_and_store(campaign, n_sample=2400, seed=11)
    design = campaign.sample_design
    design.raking_variables = raking
    design.save(update_fields=["raking_variables"])
    # a respondent who did not answer the education question cannot be raked on it;
    # the questionnaire makes it required for the weights, so the test fills the gaps
    Respondent.objects.filter(campaign=campaign, responded=True, education="").update(
        education="senior_secondary"
    )
    return campaign


def test_the_weights_job_rakes_to_the_census_education_share_when_the_design_chooses_it(
    districts,
):
    call_command("load_education_figures", verbosity=0)
    figure = EducationFigure.objects.get(
        area_code="310000", year=2020, level="tertiary"
    )
    assert figure.per_100k == 33872 and "第七次全国人口普查" in figure.source
    campaign = _survey("age_sex_education")
    job = job_create(kind="weights", campaign=campaign)
    assert run_job(str(job.pk)) == "finished", Job.objects.get(pk=job.pk).error
    ws = WeightSet.objects.filter(campaign=campaign).latest("pk")
    assert "education" in ws.report["margins"]
    w = unpack_arrays(ws.arrays)
    people = {r.pseudo_id: r for r in Respondent.objects.filter(campaign=campaign)}
    tertiary = sum(
        wt
        for pid, wt in zip(w["pseudo_id"], w["final"], strict=True)
        if people[str(pid)].education in TERTIARY
    )
    share = tertiary / w["final"].sum()
    assert share == pytest.approx(33872 / 100_000 / ADULT_SHARE, rel=1e-5)
    # every replicate is raked to it too
    for r in range(0, w["replicates"].shape[1], 7):
        col = w["replicates"][:, r]
        t = sum(
            c
            for pid, c in zip(w["pseudo_id"], col, strict=True)
            if people[str(pid)].education in TERTIARY
        )
        assert t / col.sum() == pytest.approx(share, rel=1e-3)


def test_the_default_design_does_not_rake_to_education(districts):
    call_command("load_education_figures", verbosity=0)
    campaign = _survey("age_sex")
    job = job_create(kind="weights", campaign=campaign)
    assert run_job(str(job.pk)) == "finished", Job.objects.get(pk=job.pk).error
    ws = WeightSet.objects.filter(campaign=campaign).latest("pk")
    assert "education" not in ws.report["margins"]


def test_education_raking_without_census_figures_is_refused_by_name(districts):
    campaign = _survey("age_sex_education")
    job = job_create(kind="weights", campaign=campaign)
    assert run_job(str(job.pk)) == "failed"
    error = Job.objects.get(pk=job.pk).error
    assert "margin 'education'" in error and "no census education figures" in error
    assert not WeightSet.objects.filter(campaign=campaign).exists()


def test_a_bad_education_file_is_refused_naming_line_and_column_and_saves_nothing(
    districts, tmp_path
):
    bad = tmp_path / "edu.csv"
    bad.write_text(
        "area_code,level,per_100k\n310000,tertiary,33872\n"
        "999999,primary,12000\n310101,doctorate,5\n310104,primary,-3\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError) as err:
        education_figures_load_csv(path=bad, year=2020)
    text = " ".join(err.value.messages)
    assert "line 3, column area_code: '999999'" in text
    assert "line 4, column level: 'doctorate'" in text
    assert "line 5, column per_100k" in text
    assert not EducationFigure.objects.exists()


def test_district_figures_for_some_districts_only_are_refused_naming_the_others(
    districts,
):
    EducationFigure.objects.create(
        area_code="310101", year=2020, level="tertiary", per_100k=40000, source="test"
    )
    campaign = _survey("age_sex_education")
    job = job_create(kind="weights", campaign=campaign)
    assert run_job(str(job.pk)) == "failed"
    error = Job.objects.get(pk=job.pk).error
    assert "margin ('district', 'education')" in error
    assert "310104" in error and "310101" not in error.split("district(s)")[1]


def test_a_respondent_without_education_is_refused_by_name_when_raking_to_it(districts):
    call_command("load_education_figures", verbosity=0)
    campaign = _survey("age_sex_education")
    one = Respondent.objects.filter(campaign=campaign, responded=True).first()
    one.education = ""
    one.save(update_fields=["education"])
    job = job_create(kind="weights", campaign=campaign)
    assert run_job(str(job.pk)) == "failed"
    error = Job.objects.get(pk=job.pk).error
    assert "margin 'education'" in error and "missing for 1 respondent" in error
