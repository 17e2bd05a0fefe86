"""The demo's survey waves: district rates that move plausibly from 2020 to 2025, and district
filings whose supplied rates are the published roll-up figures of their year."""

from __future__ import annotations

import io

import pytest

from assessment import items as bank
from assessment.survey import demo
from assessment.survey.models import RollUp, SurveyData

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# Smaller than the demo's 3,000 a wave to keep the test short; every district keeps about
# 55 respondents a wave, above the suppression threshold of 30.
N_RESPONDENTS = 900
FED_ITEMS = {
    "info_literacy_rate": ("info", "attainment_rate"),
    "service_satisfaction": ("needs.satisfaction", "satisfaction_index"),
}


@pytest.fixture
def demo_waves(districts, make_user):
    from itembank.demo import load_demo as bank_demo
    from learning_platform.indicators.demo import load_demo as indicators_demo

    huangpu = next(d for d in districts if d.code == "310101")
    for role, name in [
        ("district_statistician", "statistician"),
        ("district_liaison", "liaison"),
        ("district_head", "head"),
    ]:
        make_user(role, district=huangpu, username=name)
    bank.pool_cache_clear()
    bank_demo()
    indicators_demo(stdout=io.StringIO())
    out = io.StringIO()
    demo.load_demo(stdout=out, n_respondents=N_RESPONDENTS)
    yield out.getvalue()
    bank.pool_cache_clear()


def _district_cells(rollup: RollUp, domain: str, indicator: str) -> dict[str, object]:
    return {
        c.district_code: c
        for c in rollup.cells.filter(
            breakdown="", category="", domain_code=domain, indicator=indicator
        ).exclude(district_code="")
    }


def test_waves_move_plausibly_and_filings_carry_the_published_rates(
    demo_waves, districts
):
    from cms.figures import Figures
    from cms.selectors import rollup_latest_id, rollup_snapshot
    from learning_platform.indicators.models import ItemValue, Status, Submission

    codes = sorted(d.code for d in districts)
    rollups = {r.year: r for r in RollUp.objects.filter(published=True)}
    # two published five-yearly waves, each with a rate for every district
    assert sorted(rollups) == [2020, 2025] == sorted(demo.WAVES)
    rates = {}
    for year, rollup in rollups.items():
        assert rollup.campaign.kind == "five_yearly"
        cells = _district_cells(rollup, "info", "attainment_rate")
        assert sorted(cells) == codes
        assert not any(c.suppressed or c.estimate is None for c in cells.values())
        rates[year] = {code: c.estimate for code, c in cells.items()}
    # the 2020 wave is the 2025 population less each district's simulated gain
    earlier = SurveyData.objects.get(campaign=rollups[2020].campaign).meta["simulation"]
    later = SurveyData.objects.get(campaign=rollups[2025].campaign).meta["simulation"]
    gains = demo.wave_improvements(later["district_codes"])
    assert earlier["truth_shift"] == {c: -g for c, g in gains.items()}
    assert later["truth_shift"] is None
    for k, code in enumerate(later["district_codes"]):
        assert earlier["truth_model"]["district_means"][k] == pytest.approx(
            [m - gains[code] for m in later["truth_model"]["district_means"][k]],
            abs=1e-3,
        )
    # each district's change is a few points, mostly up as simulated, and not all alike
    change = {code: rates[2025][code] - rates[2020][code] for code in codes}
    assert all(abs(d) < 10 for d in change.values()), change
    assert sum(d > 0 for d in change.values()) >= 12, change
    assert max(change.values()) - min(change.values()) > 1, change
    assert 0.5 < sum(change.values()) / len(change) < 7, change

    # every supplied figure in a filing is the published roll-up figure of its year
    fed = ItemValue.objects.filter(item__code__in=FED_ITEMS).select_related(
        "item", "submission__district"
    )
    assert fed.count() == 2 * 2 * len(codes)  # two items, two waves, every district
    for value in fed:
        domain, indicator = FED_ITEMS[value.item.code]
        cell = _district_cells(rollups[value.submission.year], domain, indicator)[
            value.submission.district.code
        ]
        assert float(value.value) == round(cell.estimate, 2), (
            value.item.code,
            value.submission,
        )
        assert value.n == cell.n and value.ci_low == cell.ci_low
        assert f"#{rollups[value.submission.year].pk}" in value.source
    # 黄浦's approved filing is a wave year; the year between the waves has no rate
    huangpu = dict(
        Submission.objects.filter(district__code="310101").values_list("year", "status")
    )
    assert huangpu[2020] == Status.LETTER and huangpu[2022] == Status.FIRST_REVIEW
    assert not ItemValue.objects.filter(
        submission__year=2022, item__code__in=FED_ITEMS
    ).exists()

    # the dashboard's figures show 黄浦's change since 2020
    figures = Figures(rollup_snapshot(rollup_latest_id()))
    change_hp = figures.change(figures.cell("info", "attainment_rate", "310101"))
    assert change_hp is not None and change_hp.previous_year == 2020
    assert change_hp.difference == pytest.approx(change["310101"])

    # running the demo again changes nothing
    out = io.StringIO()
    demo.load_demo(stdout=out, n_respondents=N_RESPONDENTS)
    assert out.getvalue().count("already rolled up") == 2
    assert RollUp.objects.count() == 2

    # bad input: a shift naming an unknown district is refused and nothing is written
    from django.core.exceptions import ValidationError

    from assessment.models import Session
    from assessment.survey.models import SampleDesign
    from assessment.survey.simulation import survey_simulate

    campaign = demo.delivered_campaign(year=2030)
    with pytest.raises(ValidationError, match="999999"):
        survey_simulate(
            campaign=campaign, n_respondents=200, truth_shift={"999999": 0.1}
        )
    assert not SampleDesign.objects.filter(campaign=campaign).exists()
    assert not Session.objects.filter(campaign=campaign).exists()


def test_truth_shift_moves_every_domain_of_a_district_and_checks_its_input():
    import numpy as np

    from assessment.survey.simulation import TruthModel

    truth = TruthModel.draw(["A", "B", "C"], rng=np.random.default_rng(3))
    means = np.asarray(truth.district_means)
    moved = np.asarray(truth.shifted({"B": -0.2}).district_means)
    assert moved[1] == pytest.approx(means[1] - 0.2, abs=1e-4)
    assert (moved[[0, 2]] == means[[0, 2]]).all()
    assert np.asarray(truth.shifted(0.1).district_means) == pytest.approx(
        means + 0.1, abs=1e-4
    )
    assert np.asarray(truth.shifted([0.1, 0.0, -0.1]).district_means)[
        :, 0
    ] == pytest.approx(means[:, 0] + [0.1, 0.0, -0.1], abs=1e-4)
    # the population's other effects stay as they were
    assert truth.shifted(0.1).age_effect == truth.age_effect
    with pytest.raises(ValueError, match="unknown district"):
        truth.shifted({"Z": 0.1})
    with pytest.raises(ValueError, match="one per district"):
        truth.shifted([0.1, 0.2])
    with pytest.raises(ValueError, match="finite"):
        truth.shifted([0.1, float("nan"), 0.0])
