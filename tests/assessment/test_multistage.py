"""Multistage delivery: routing between modules, resume mid-module, panels, design checks."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from assessment.models import MultistageModule, Session, SessionStatus
from assessment.services import (
    campaign_create,
    instrument_create,
    multistage_exposure,
    multistage_panel_create,
    response_record,
    session_connect,
    session_finish,
    session_start,
)
from assessment.services.multistage import route_index, routing_value
from psychometrics.scoring import estimate_ability
from tests.assessment.fixtures import KEY

pytestmark = pytest.mark.django_db

WRONG = "A"


def _design(ids, *, stage3_method="theta", stage3_cuts=(0.0,)):
    """A 1-3-2 design: 4 routing items, easy/medium/hard modules of 3, easy/hard of 3."""
    modules = [
        {"stage": 1, "difficulty": "medium", "item_ids": ids[0:4]},
        {"stage": 2, "difficulty": "easy", "item_ids": ids[4:7]},
        {"stage": 2, "difficulty": "medium", "item_ids": ids[7:10]},
        {"stage": 2, "difficulty": "hard", "item_ids": ids[10:13]},
        {"stage": 3, "difficulty": "easy", "item_ids": ids[13:16]},
        {"stage": 3, "difficulty": "hard", "item_ids": ids[16:19]},
    ]
    rules = [
        {"stage": 2, "method": "number_correct", "cut_points": [2, 4]},
        {"stage": 3, "method": stage3_method, "cut_points": list(stage3_cuts)},
    ]
    return modules, rules


def _instrument(
    item_bank, *, code="info-mst", panels=1, assignment="round_robin", **kw
):
    instrument = instrument_create(
        code=code,
        name_zh="信息素养多阶段测试",
        kind="ability",
        domain_code="info",
        mode="multistage",
        settings={"panel_assignment": assignment},
    )
    ids = item_bank.ids
    for k in range(panels):
        # parallel panels: the same items in another order (enough for routing tests)
        order = ids if k == 0 else ids[::-1]
        modules, rules = _design(order, **kw)
        multistage_panel_create(
            instrument=instrument, code=f"p{k + 1}", modules=modules, rules=rules
        )
    campaign = campaign_create(
        instrument=instrument,
        name_zh="练习",
        kind="practice",
        opens_at=timezone.now() - timedelta(days=1),
    )
    return instrument, campaign


def _answer(session: Session, *, correct: bool, user) -> Session:
    pending = session.pending
    response_record(
        session_id=session.pk,
        user=user,
        sequence=pending["sequence"],
        item_id=pending["item_id"],
        answer=KEY if correct else WRONG,
    )
    return Session.objects.get(pk=session.pk)


def _module_of(session: Session, item_id: int) -> str:
    module = MultistageModule.objects.get(pk=session.plan["route"][-1])
    assert item_id in module.item_ids
    return f"{module.stage}-{module.difficulty}"


def test_route_index_puts_a_cut_point_in_the_upper_module():
    """Below the first cut point: easiest; at a cut point: the module above it."""
    assert [route_index([2, 4], v) for v in (0, 1, 2, 3, 4, 5)] == [0, 0, 1, 1, 2, 2]
    assert route_index([], 3) == 0


@pytest.mark.parametrize(
    ("n_correct", "module"),
    [(0, "2-easy"), (1, "2-easy"), (2, "2-medium"), (3, "2-medium"), (4, "2-hard")],
)
def test_number_correct_routes_to_the_right_module(
    make_user, item_bank, n_correct, module
):
    """After the 4 routing items, 0–1 right go easy, 2–3 medium, 4 hard (cut points 2, 4)."""
    _instrument_, campaign = _instrument(item_bank)
    user = make_user()
    session, _ = session_start(
        user=user, campaign=campaign, background={}, consent=True
    )
    assert _module_of(session, session.pending["item_id"]) == "1-medium"
    for k in range(4):
        session = _answer(session, correct=k < n_correct, user=user)
    assert (
        session.pending["item_id"]
        == MultistageModule.objects.get(
            panel=session.panel, stage=2, difficulty=module.split("-")[1]
        ).item_ids[0]
    )
    assert _module_of(session, session.pending["item_id"]) == module
    decision = session.plan["routing"][0]
    assert decision["stage"] == 2 and decision["method"] == "number_correct"
    assert decision["value"] == n_correct


@pytest.mark.parametrize("correct", [True, False])
def test_theta_cut_points_route_by_the_engines_eap(make_user, item_bank, correct):
    """Stage 3 routes by the EAP of all 7 answers on the active set against θ cut 0."""
    _instrument_, campaign = _instrument(item_bank)
    user = make_user()
    session, _ = session_start(
        user=user, campaign=campaign, background={}, consent=True
    )
    answered = []
    for _k in range(7):
        answered.append(session.pending["item_id"])
        session = _answer(session, correct=correct, user=user)
    decision = session.plan["routing"][1]
    ids = answered
    expected = estimate_ability(
        np.full(7, 1.0 if correct else 0.0), _params(item_bank, ids), method="eap"
    ).theta[0]
    assert decision["method"] == "theta"
    assert decision["value"] == pytest.approx(expected, abs=1e-4)
    assert _module_of(session, session.pending["item_id"]) == (
        "3-hard" if correct else "3-easy"
    )


def _params(item_bank, ids):
    from psychometrics import ItemParameters

    return ItemParameters.dichotomous(
        a=[item_bank.a[i] for i in ids], b=[item_bank.b[i] for i in ids]
    )


def test_routing_value_number_correct_sums_scores_and_skips_unscored():
    assert (
        routing_value(method="number_correct", answered={1: 1, 2: 0, 3: None, 4: 1})
        == 2.0
    )


def test_resume_mid_module_presents_the_same_item_and_keeps_the_route(
    make_user, item_bank
):
    """A reload or a new connection mid-module shows the same pending item; routing then
    goes on from every answer given before and after the break."""
    _instrument_, campaign = _instrument(item_bank)
    user = make_user()
    session, _ = session_start(
        user=user, campaign=campaign, background={}, consent=True
    )
    session = _answer(session, correct=True, user=user)
    session = _answer(session, correct=True, user=user)
    pending = session.pending
    # when: the page is reloaded (start again) and another connection takes over
    resumed, created = session_start(
        user=user, campaign=campaign, background={}, consent=True
    )
    assert not created and resumed.pk == session.pk
    assert resumed.pending == pending
    connected = session_connect(session_id=session.pk, user=user)
    assert connected.pending == pending and connected.n_answered == 2
    # then: the module goes on where it stopped, and routing counts all four answers
    session = _answer(connected, correct=True, user=user)
    session = _answer(session, correct=True, user=user)
    assert _module_of(session, session.pending["item_id"]) == "2-hard"
    # mid stage 2 as well
    session = _answer(session, correct=True, user=user)
    again, _ = session_start(user=user, campaign=campaign, background={}, consent=True)
    assert again.pending == session.pending
    assert again.plan["route"] == session.plan["route"]


def test_a_finished_route_scores_all_items_and_gives_a_level(make_user, item_bank):
    """The last module's end closes the session (route_complete): EAP over all 10 answers."""
    _instrument_, campaign = _instrument(item_bank)
    user = make_user()
    session, _ = session_start(
        user=user, campaign=campaign, background={}, consent=True
    )
    while session.status == SessionStatus.IN_PROGRESS:
        session = _answer(session, correct=True, user=user)
    assert session.stop_reason == "route_complete"
    assert session.n_answered == 10
    result = session.results.get()
    assert result.n_items == 10 and result.level_code == "L3"
    assert [d["difficulty"] for d in session.plan["routing"]] == ["hard", "hard"]


def test_a_session_ended_early_gets_no_level(make_user, item_bank):
    """The precision rule applies as for the other modes: 3 answers < 5 → no level."""
    _instrument_, campaign = _instrument(item_bank)
    user = make_user()
    session, _ = session_start(
        user=user, campaign=campaign, background={}, consent=True
    )
    for _k in range(3):
        session = _answer(session, correct=True, user=user)
    session = session_finish(session_id=session.pk, user=user)
    result = session.results.get()
    assert result.theta is not None and result.level_code == ""


def test_round_robin_balances_panel_exposure(make_user, item_bank):
    instrument, campaign = _instrument(item_bank, panels=2)
    sessions = []
    for _k in range(6):
        session, _ = session_start(
            user=make_user(), campaign=campaign, background={}, consent=True
        )
        sessions.append(session)
    assert [s.panel.code for s in sessions] == ["p1", "p2"] * 3
    exposure = multistage_exposure(instrument=instrument)
    assert exposure["sessions"] == 6 and exposure["panels"] == {"p1": 3, "p2": 3}
    assert exposure["modules"]["p1"] == {"1-medium": 3}


def test_random_assignment_records_one_of_the_instruments_panels(make_user, item_bank):
    instrument, campaign = _instrument(item_bank, panels=2, assignment="random")
    seen = set()
    for _k in range(12):
        session, _ = session_start(
            user=make_user(), campaign=campaign, background={}, consent=True
        )
        assert session.panel.instrument_id == instrument.pk
        assert session.plan["panel"] == session.panel_id
        seen.add(session.panel.code)
    assert seen <= {"p1", "p2"}


def test_a_multistage_instrument_without_panels_refuses_to_start(make_user, item_bank):
    from learning_platform.errors import ApiError

    instrument = instrument_create(
        code="empty-mst",
        name_zh="空",
        kind="ability",
        domain_code="info",
        mode="multistage",
    )
    campaign = campaign_create(
        instrument=instrument,
        name_zh="练习",
        kind="practice",
        opens_at=timezone.now() - timedelta(days=1),
    )
    with pytest.raises(ApiError) as exc:
        session_start(user=make_user(), campaign=campaign, background={}, consent=True)
    assert exc.value.code == "not_ready"
    assert not Session.objects.filter(campaign=campaign).exists()


# ---------------------------------------------------------------- design checks


def _errors(item_bank, modules, rules, instrument=None):
    from assessment.models import Instrument

    instrument = (
        instrument
        or Instrument.objects.filter(code="check-mst").first()
        or (
            instrument_create(
                code="check-mst",
                name_zh="检查",
                kind="ability",
                domain_code="info",
                mode="multistage",
            )
        )
    )
    # messages in English, so tests can read them (the Chinese catalogue is tested apart)
    with pytest.raises(ValidationError) as exc, translation.override("en"):
        multistage_panel_create(
            instrument=instrument, code="pa", modules=modules, rules=rules
        )
    return exc.value.message_dict


def test_design_check_refuses_decreasing_cut_points(item_bank):
    modules, rules = _design(item_bank.ids)
    rules[0]["cut_points"] = [3, 2]
    errors = _errors(item_bank, modules, rules)
    assert errors == {
        "rules[2].cut_points": ["Panel pa, stage 2: cut points must increase."]
    }


def test_design_check_refuses_an_unreachable_module(item_bank):
    """4 routing items give at most 4 points: a cut point of 5 leaves 2-hard unreachable."""
    modules, rules = _design(item_bank.ids)
    rules[0]["cut_points"] = [2, 5]
    message = _errors(item_bank, modules, rules)["rules[2].cut_points"][0]
    assert "2-hard" in message and "5" in message


def test_design_check_refuses_an_item_in_two_modules(item_bank):
    modules, rules = _design(item_bank.ids)
    modules[2]["item_ids"] = [
        item_bank.ids[4],
        *item_bank.ids[8:10],
    ]  # 2-easy's first item
    message = _errors(item_bank, modules, rules)["modules[2-medium].item_ids"][0]
    assert str(item_bank.ids[4]) in message and "2-easy" in message


def test_design_check_refuses_missing_rules_and_wrong_counts(item_bank):
    modules, rules = _design(item_bank.ids)
    errors = _errors(item_bank, modules, rules[:1])
    assert "rules[3]" in errors
    rules[1]["cut_points"] = [0.0, 1.0]
    errors = _errors(item_bank, modules, rules)
    assert "2 modules need 1 cut points" in errors["rules[3].cut_points"][0]


def test_design_check_refuses_gaps_two_routing_modules_and_theta_out_of_range(
    item_bank,
):
    modules, rules = _design(item_bank.ids, stage3_cuts=(5.0,))
    errors = _errors(item_bank, modules, rules)
    assert "between -4 and 4" in errors["rules[3].cut_points"][0]
    modules, rules = _design(item_bank.ids)
    gap = [m for m in modules if m["stage"] != 2]
    errors = _errors(item_bank, gap, [rules[1]])
    assert "without a gap" in errors["modules"][0]


def test_design_check_refuses_an_unpublished_item_naming_its_module(item_bank):
    modules, rules = _design(item_bank.ids)
    item_bank.withdraw(item_bank.ids[11])
    errors = _errors(item_bank, modules, rules)
    assert str(item_bank.ids[11]) in errors["modules[2-hard].item_ids"][0]


def test_panels_belong_to_multistage_instruments_only(item_bank, fixed_campaign):
    modules, rules = _design(item_bank.ids)
    errors = _errors(item_bank, modules, rules, instrument=fixed_campaign.instrument)
    assert "instrument" in errors


def test_the_demo_multistage_test_can_be_taken_to_its_end(make_user, item_bank):
    """The demo's multistage instrument on the (fixture) information-literacy bank runs
    from its routing module to the end of its route."""
    import io

    from assessment.demo import load_demo
    from assessment.models import Campaign

    load_demo(stdout=io.StringIO())
    campaign = Campaign.objects.get(instrument__code="info-literacy-mst")
    user = make_user()
    session, _ = session_start(
        user=user, campaign=campaign, background={}, consent=True
    )
    while session.status == SessionStatus.IN_PROGRESS:
        session = _answer(session, correct=True, user=user)
    assert session.stop_reason == "route_complete"
    assert session.plan["routing"][-1]["difficulty"] == "hard"
    assert session.results.get().level_code


def test_demo_design_from_a_36_item_bank_is_1_3_3():
    from assessment.demo import mst_design_from_bank

    modules, rules = mst_design_from_bank(list(range(1, 41)))
    assert sorted(
        (m["stage"], m["difficulty"], len(m["item_ids"])) for m in modules
    ) == [
        (1, "medium", 6),
        (2, "easy", 5),
        (2, "hard", 5),
        (2, "medium", 5),
        (3, "easy", 5),
        (3, "hard", 5),
        (3, "medium", 5),
    ]
    assert max(modules[1]["item_ids"]) < min(
        modules[0]["item_ids"]
    )  # 2-easy below routing
    assert rules == [
        {"stage": 2, "method": "number_correct", "cut_points": [2, 4]},
        {"stage": 3, "method": "theta", "cut_points": [-0.5, 0.5]},
    ]


def test_design_errors_read_in_chinese(item_bank):
    modules, rules = _design(item_bank.ids)
    rules[0]["cut_points"] = [3, 2]
    instrument = instrument_create(
        code="zh-mst",
        name_zh="检查",
        kind="ability",
        domain_code="info",
        mode="multistage",
    )
    with pytest.raises(ValidationError) as exc, translation.override("zh-hans"):
        multistage_panel_create(
            instrument=instrument, code="pa", modules=modules, rules=rules
        )
    assert exc.value.message_dict["rules[2].cut_points"] == [
        "题册组 pa，第 2 阶段：分流切点须递增。"
    ]


def test_the_campaign_and_the_session_count_the_longest_route(
    client, make_user, item_bank
):
    """4 routing items and modules of 3 at stages 2 and 3: at most 10 questions."""
    from assessment.api import campaign_out
    from assessment.selectors import session_max_items

    _instrument_, campaign = _instrument(item_bank)
    assert campaign_out(campaign)["max_items"] == 10
    user = make_user()
    client.force_login(user)
    html = client.get(campaign.get_absolute_url()).content.decode()
    assert "多阶段：先答一组起始题" in html
    session, _ = session_start(
        user=user, campaign=campaign, background={}, consent=True
    )
    assert session_max_items(session) == 10


def test_a_module_removed_mid_route_ends_the_session_as_cut_short(make_user, item_bank):
    """Editing a panel under a running session ends it, judged by the precision rule."""
    _instrument_, campaign = _instrument(item_bank)
    user = make_user()
    session, _ = session_start(
        user=user, campaign=campaign, background={}, consent=True
    )
    session = _answer(session, correct=True, user=user)
    MultistageModule.objects.filter(pk=session.plan["route"][-1]).delete()
    session = _answer(session, correct=True, user=user)
    assert session.status == SessionStatus.FINISHED
    assert session.stop_reason == "bank_exhausted"
    assert session.results.get().level_code == ""  # 2 answers < 5
