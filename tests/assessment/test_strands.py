"""Citizen strand questionnaires: instruments, delivery, and the feed to monitoring points."""

from __future__ import annotations

import uuid
from datetime import timedelta

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from assessment import services
from assessment.models import Response, Session, SessionStatus
from assessment.strands.services import strand_instruments_ensure, strand_values_supply
from itembank.models import Item
from itembank.strand_content import STRAND_INSTRUMENTS, strand_item_code
from itembank.strands import strand_items_ensure

YEAR = 2025


@pytest.fixture
def strands(db):
    created = strand_items_ensure()
    assert created == Item.objects.filter(domain__code__startswith="strand.").count()
    return strand_instruments_ensure()


def test_the_questionnaires_load_and_a_citizen_answers_one(strands, make_user, client):
    assert set(strands) == set(STRAND_INSTRUMENTS)
    assert {
        "family-learning",
        "community-residents",
        "learning-behaviour",
        "learning-outcomes",
        "learning-services",
    } <= set(strands)
    for instrument in strands.values():
        assert instrument.kind == "questionnaire" and instrument.mode == "fixed"
        items = Item.objects.filter(pk__in=instrument.settings["item_ids"])
        assert items.count() == len(instrument.settings["item_ids"]) > 0
        assert all(i.live and i.kind == "likert" and i.stem_en for i in items)
    # loading twice changes nothing
    assert strand_items_ensure() == 0
    assert (
        strand_instruments_ensure()["family-learning"].pk
        == strands["family-learning"].pk
    )

    # a citizen answers the family questionnaire and reads words, never theta
    campaign = services.campaign_create(
        instrument=strands["family-learning"],
        name_zh="家庭学习",
        kind="practice",
        opens_at=timezone.now() - timedelta(days=1),
    )
    user = make_user()
    session, _c = services.session_start(
        user=user, campaign=campaign, background={}, consent=True
    )
    for answer in ("L3", "L4"):
        session.refresh_from_db()
        pending = session.pending
        services.response_record(
            session_id=session.pk,
            user=user,
            sequence=pending["sequence"],
            item_id=pending["item_id"],
            answer=answer,
        )
    session.refresh_from_db()
    assert session.status != SessionStatus.IN_PROGRESS
    client.force_login(user)
    text = client.get(reverse("assessment:result", args=[session.pk])).content.decode()
    assert "家庭成员学习时间" in text and "1–2 小时" in text and "8–12 本" in text
    for raw in ("能力值", "标准误", "θ", "theta"):
        assert raw not in text


# ---- the feed ---------------------------------------------------------------------


def _survey(make_user, strands, districts):
    """A published roll-up whose weight set holds four respondents in two districts.

    Final weights 1, 3 (黄浦) and 2, 2 (徐汇); two JK2 replicates: replicate 1 doubles
    respondent 0 and zeroes respondent 1, replicate 2 doubles 2 and zeroes 3.
    """
    from assessment.survey.models import (
        Respondent,
        RollUp,
        ScoreSet,
        WeightSet,
        pack_arrays,
    )

    instrument = services.instrument_create(
        code="survey-x",
        name_zh="调查",
        kind="questionnaire",
        domain_code="strand",
        mode="fixed",
        settings={"item_ids": strands["learning-outcomes"].settings["item_ids"][:1]},
    )
    campaign = services.campaign_create(
        instrument=instrument,
        name_zh="2025年调查",
        kind="five_yearly",
        year=YEAR,
        opens_at=timezone.now() - timedelta(days=9),
    )
    users, pseudo = [], []
    for k, district in enumerate(["310101", "310101", "310104", "310104"]):
        user = make_user()
        now = timezone.now()
        session = Session.objects.create(
            id=uuid.uuid4(),
            user=user,
            campaign=campaign,
            instrument=instrument,
            status=SessionStatus.FINISHED,
            consented_at=now,
            started_at=now,
            finished_at=now,
        )
        Respondent.objects.create(
            campaign=campaign,
            pseudo_id=f"P{k}",
            row=k,
            session_id=str(session.pk),
            district_code=district,
            age_band="35-59",
            sex="female",
            responded=True,
        )
        users.append(user)
        pseudo.append(f"P{k}")
    weights = WeightSet.objects.create(
        campaign=campaign,
        n_replicates=2,
        arrays=pack_arrays(
            pseudo_id=np.array(pseudo),
            final=np.array([1.0, 3.0, 2.0, 2.0]),
            replicates=np.array([[2.0, 1.0], [0.0, 3.0], [2.0, 4.0], [2.0, 0.0]]),
        ),
    )
    rollup = RollUp.objects.create(
        name="2025汇总",
        campaign=campaign,
        year=YEAR,
        weight_set=weights,
        score_set=ScoreSet.objects.create(
            campaign=campaign, arrays=pack_arrays(x=np.ones(1))
        ),
    )
    rollup.published = True
    rollup.save()
    return users, rollup


def _answer_all(instrument, user, codes: dict[str, int]):
    """A finished strand session: item code -> answer code (0-based); others unanswered."""
    campaign = instrument.campaigns.filter(
        year=YEAR
    ).first() or services.campaign_create(
        instrument=instrument,
        name_zh="随调查问卷",
        kind="five_yearly",
        year=YEAR,
        opens_at=timezone.now() - timedelta(days=9),
    )
    now = timezone.now()
    session = Session.objects.create(
        id=uuid.uuid4(),
        user=user,
        campaign=campaign,
        instrument=instrument,
        status=SessionStatus.FINISHED,
        consented_at=now,
        started_at=now,
        finished_at=now,
    )
    items = {i.code: i for i in Item.objects.filter(code__in=codes)}
    Response.objects.bulk_create(
        Response(
            session=session,
            sequence=k,
            item_id=items[code].pk,
            revision_id=items[code].live_revision_id,
            domain_code=items[code].domain.code,
            answer=f"L{score + 1}",
            score=score,
            server_ts=now,
        )
        for k, (code, score) in enumerate(codes.items(), start=1)
    )


def test_the_feed_supplies_weighted_district_figures_with_interval_and_source(
    strands, make_user, districts, client
):
    from learning_platform.indicators.models import PointValue, Submission

    call_command("load_indicator_framework", verbosity=0)
    users, rollup = _survey(make_user, strands, districts)
    gain = strand_item_code("strand.gain", 4)  # 总的来说，参加终身学习让我很有获得感
    # 黄浦: respondent 0 agrees (3), respondent 1 disagrees (1); 徐汇: 2 strongly agrees, 3 unsure.
    for user, code in zip(users, [3, 1, 4, 2], strict=True):
        _answer_all(strands["learning-outcomes"], user, {gain: code})

    with pytest.raises(ValidationError) as exc:  # no published roll-up that year
        strand_values_supply(year=1999)
    assert "1999" in exc.value.messages[0]

    report = strand_values_supply(year=YEAR, threshold=2)

    assert report.respondents["learning-outcomes"] == 4 and not report.errors
    row = PointValue.objects.get(
        submission__district__code="310101", measure="gain_rate"
    )
    # Hand computation, 黄浦: full 100·(1·1 + 3·0)/(1 + 3) = 25; replicate 1 100·2/2 = 100;
    # replicate 2 leaves 黄浦 alone (25). SE = √((100 − 25)² + 0²) = 75.
    assert (
        row.value == pytest.approx(25.0)
        and row.se == pytest.approx(75.0)
        and row.n == 2
    )
    assert row.indicator.code == "3.2.2" and row.point == 1
    assert row.ci_low < 25.0 < row.ci_high
    assert f"区级汇总#{rollup.pk}" in row.source and "JK2" in row.source
    xh = PointValue.objects.get(
        submission__district__code="310104", measure="gain_rate"
    )
    # 徐汇: full 100·(2·1 + 2·0)/4 = 50; replicate 2 100·4/4 = 100 → SE 50.
    assert xh.value == pytest.approx(50.0) and xh.se == pytest.approx(50.0)
    # the other outcome measure reads items 1–3, which nobody answered here: nothing supplied
    assert not PointValue.objects.filter(measure="outcome_rate").exists()

    # below the threshold a figure is withheld, keeping n and source
    strand_values_supply(year=YEAR, threshold=3)
    row.refresh_from_db()
    assert row.suppressed and row.value is None and row.ci_low is None and row.n == 2

    # the filing shows the figures read-only with their interval and source
    strand_values_supply(year=YEAR, threshold=2)
    hp = Submission.objects.get(district__code="310101", year=YEAR)
    stat = make_user("district_statistician", district=hp.district)
    client.force_login(stat)
    page = client.get(
        reverse("indicators:form", args=["310101", YEAR])
    ).content.decode()
    assert 'data-point="3.2.2-gain_rate"' in page and "学习获得感" in page
    section = page[page.index('id="point-values"') :]
    assert (
        "JK2" in section
        and 'class="interval"' in section
        and "<input" not in section.split("</table>")[0]
    )
    assert 'name="v_gain_rate"' not in page


def test_the_demo_simulates_answers_of_survey_respondents_and_supplies_figures(
    strands, make_user, districts
):
    import io

    from assessment.strands import demo
    from learning_platform.indicators.models import PointValue

    call_command("load_indicator_framework", verbosity=0)
    users, _rollup = _survey(make_user, strands, districts)
    out = io.StringIO()
    demo.load_demo(stdout=out)
    assert (
        Session.objects.filter(
            instrument__code="community-residents", campaign__year=YEAR
        ).count()
        == 4
    )
    assert (
        Session.objects.filter(
            instrument__code="family-learning", campaign__kind="practice"
        ).count()
        == 0
    )
    # four respondents are under the suppression threshold: every figure is withheld, with n
    rows = PointValue.objects.filter(submission__year=YEAR)
    assert rows.exists() and all(r.suppressed and r.value is None and r.n for r in rows)
    assert {"3.2.2", "6.2.2", "4.3.1", "5.1.1", "5.3.2"} == {
        r.indicator.code for r in rows
    }
    demo.load_demo(stdout=out)  # a second run adds no sessions
    assert (
        Session.objects.filter(
            instrument__code="community-residents", campaign__year=YEAR
        ).count()
        == 4
    )


def test_a_supplied_point_value_names_what_is_wrong_and_saves_nothing(districts):
    from learning_platform.indicators.models import PointValue
    from learning_platform.indicators.point_values import point_value_supply

    call_command("load_indicator_framework", verbosity=0)
    kwargs = dict(
        district_code="310101",
        year=YEAR,
        indicator_code="3.2.2",
        point=1,
        measure="m",
        label_zh="x",
        value=1.0,
        source="监测中心",
    )
    for bad, field in (
        (dict(indicator_code="9.9.9"), "indicator_code"),
        (dict(point=7), "point"),
        (dict(district_code="999999"), "district_code"),
        (dict(source=""), "source"),
        (dict(value=float("nan")), "value"),
    ):
        with pytest.raises(ValidationError) as exc:
            point_value_supply(**{**kwargs, **bad})
        assert field in exc.value.message_dict
    assert not PointValue.objects.exists()
