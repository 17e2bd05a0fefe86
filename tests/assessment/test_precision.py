"""Invariant 9: a result gives a level, a credit or a badge only when it measures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment import selectors, services
from assessment.models import PrecisionRule, Result
from tests.assessment.fixtures import commits

pytestmark = pytest.mark.django_db


@pytest.fixture
def long_campaign(item_bank):
    instrument = services.instrument_create(
        code="info-long",
        name_zh="信息素养测试",
        kind="ability",
        domain_code="info",
        mode="fixed",
        settings={"item_ids": item_bank.ids[:10]},
    )
    return services.campaign_create(
        instrument=instrument,
        name_zh="练习",
        kind="practice",
        opens_at=timezone.now() - timedelta(days=1),
    )


def _start(user, campaign):
    session, _created = services.session_start(
        user=user, campaign=campaign, background={}, consent=True
    )
    return session


def _answer(session, user, answer="B"):
    session.refresh_from_db()
    item = session.pending
    with commits():  # the outcome is written after the answer's commit
        services.response_record(
            session_id=session.pk,
            user=user,
            sequence=item["sequence"],
            item_id=item["item_id"],
            answer=answer,
        )


def _finish(session, user):
    with commits():
        services.session_finish(session_id=session.pk, user=user)


def _account_state(user):
    from learning_platform.creditbank.models import IssuedCredential, LearningAccount
    from learning_platform.creditbank.selectors import profile_for_account

    account = LearningAccount.objects.filter(user=user).first()
    if account is None:
        return None
    profile = profile_for_account(account=account)
    return {
        "outcomes": account.outcomes.count(),
        "credentials": IssuedCredential.objects.filter(account=account).count(),
        "credits": profile.credits_total,
        "points": profile.points_total,
        "latest": [(code, p.level_code, p.theta) for code, p in profile.latest],
    }


def test_the_default_rule_is_five_items_in_the_main_domain(long_campaign):
    instrument = long_campaign.instrument
    assert instrument.precision_rule == PrecisionRule.MIN_ITEMS
    assert instrument.precision_min_items == 5


def test_one_question_then_finish_gives_no_level_credit_or_badge(
    make_user, long_campaign, client
):
    user = make_user()
    # A complete earlier test gives the account its latest level.
    first = _start(user, long_campaign)
    for _k in range(10):
        _answer(first, user)
    first.refresh_from_db()
    assert first.outcome_ref
    before = _account_state(user)
    assert before["outcomes"] == 1 and before["latest"][0][1]

    # One answer, then 现在结束测试.
    short = _start(user, long_campaign)
    _answer(short, user, answer="A")
    _finish(short, user)
    short.refresh_from_db()
    assert short.stop_reason == "ended_by_user"
    assert short.outcome_ref == ""
    assert not selectors.session_measured(short)
    assert all(r.level_code == "" for r in Result.objects.filter(session=short))
    assert all(not r["level_name"] for r in selectors.results_payload(short))
    assert _account_state(user) == before

    client.force_login(user)
    page = client.get(reverse("assessment:result", args=[short.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert 'id="too-short"' in text and 'id="level-name"' not in text
    assert "参数集" not in text and "parameter set" not in text.lower()


def test_a_citizen_who_never_had_a_result_gets_no_account_entry(
    make_user, long_campaign
):
    user = make_user()
    session = _start(user, long_campaign)
    _answer(session, user)
    _answer(session, user)
    _finish(session, user)
    state = _account_state(user)
    assert state is None or (state["outcomes"] == 0 and state["credentials"] == 0)


def test_enough_items_before_finishing_count(make_user, long_campaign):
    user = make_user()
    session = _start(user, long_campaign)
    for _k in range(5):
        _answer(session, user)
    _finish(session, user)
    session.refresh_from_db()
    assert selectors.session_measured(session)
    assert session.outcome_ref
    assert selectors.results_payload(session)[0]["level_name"]


def test_a_form_shorter_than_the_minimum_counts_when_complete(
    make_user, fixed_campaign
):
    user = make_user()
    session = _start(user, fixed_campaign)  # three items
    for _k in range(3):
        _answer(session, user)
    session.refresh_from_db()
    assert session.stop_reason == "form_complete" and session.outcome_ref


def test_an_se_target_rule_judges_the_standard_error(make_user, long_campaign):
    instrument = long_campaign.instrument
    instrument.precision_rule = PrecisionRule.SE_TARGET
    instrument.precision_se_target = 0.3  # ten 2PL items cannot reach it
    instrument.save()
    user = make_user()
    session = _start(user, long_campaign)
    for _k in range(6):
        _answer(session, user)
    _finish(session, user)
    session.refresh_from_db()
    assert not selectors.session_measured(session) and not session.outcome_ref
    instrument.precision_se_target = 2.0
    instrument.save()
    session.refresh_from_db()
    assert selectors.session_measured(session)


def test_the_admin_form_sets_the_rule_and_refuses_a_bad_target(item_bank):
    from assessment.forms import InstrumentForm

    data = {
        "code": "info-x",
        "name_zh": "测",
        "kind": "ability",
        "domain_code": "info",
        "mode": "fixed",
        "language": "zh-hans",
        "item_ids": str(item_bank.ids[0]),
        "precision_rule": "se_target",
        "precision_min_items": "5",
        "precision_se_target": "-1",
    }
    form = InstrumentForm(data=data)
    assert not form.is_valid()
    assert "precision_se_target" in form.errors
    data["precision_se_target"] = "0.4"
    form = InstrumentForm(data=data)
    assert form.is_valid(), form.errors
    instrument = services.instrument_create(**form.service_kwargs())
    assert (
        instrument.precision_rule == "se_target"
        and instrument.precision_se_target == 0.4
    )


def test_a_questionnaire_reports_its_areas_in_words(make_user, item_bank, client):
    instrument = services.instrument_create(
        code="needs",
        name_zh="需求问卷",
        kind="questionnaire",
        domain_code="needs",
        mode="fixed",
        settings={"item_ids": item_bank.needs_ids[:2]},
    )
    campaign = services.campaign_create(
        instrument=instrument,
        name_zh="需求",
        kind="practice",
        opens_at=timezone.now() - timedelta(days=1),
    )
    user = make_user()
    session = _start(user, campaign)
    _answer(session, user, answer="L2")
    _answer(session, user, answer="L2")
    client.force_login(user)
    text = client.get(reverse("assessment:result", args=[session.pk])).content.decode()
    assert "学习内容需求" in text and "“2”" in text
    for raw in ("能力值", "标准误", "参数集", "θ", "测试结果"):
        assert raw not in text
