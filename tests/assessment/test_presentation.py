"""Options are shown in a per-session order that reveals nothing by position (invariant 10)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment import items as bank
from assessment import services
from assessment.models import Response, Session, SessionStatus
from assessment.selectors import session_payload
from assessment.services.presentation import option_order

pytestmark = pytest.mark.django_db

ORDER_KEY = ["D", "B", "E", "A", "C"]  # the correct order; stored A..E


@pytest.fixture
def mixed_items(db):
    """A published ordering, single-choice, multiple-response, true/false and Likert item."""
    from itembank.models import Domain
    from itembank.services import item_create_published

    info = Domain.objects.create(code="info", name_zh="信息素养", kind="ability")
    needs = Domain.objects.create(code="needs", name_zh="学习需求", kind="needs")
    bank.pool_cache_clear()
    ids = {}
    ids["ordered"] = item_create_published(
        code="ORD-1",
        domain_code=info.code,
        kind="ordered",
        stem="<p>排序</p>",
        options=[
            {
                "option_id": o,
                "text": f"<p>步骤 {o}</p>",
                "key_position": ORDER_KEY.index(o) + 1,
            }
            for o in "ABCDE"
        ],
    ).pk
    ids["single_choice"] = item_create_published(
        code="SC-1",
        domain_code=info.code,
        kind="single_choice",
        stem="<p>单选</p>",
        options=[
            {"option_id": o, "text": f"<p>选项 {o}</p>", "is_key": o == "C"}
            for o in "ABCDE"
        ],
    ).pk
    ids["multiple_response"] = item_create_published(
        code="MR-1",
        domain_code=info.code,
        kind="multiple_response",
        stem="<p>多选</p>",
        scoring="all_or_nothing",
        options=[
            {"option_id": o, "text": f"<p>选项 {o}</p>", "is_key": o in "AD"}
            for o in "ABCDE"
        ],
    ).pk
    ids["true_false"] = item_create_published(
        code="TF-1",
        domain_code=info.code,
        kind="true_false",
        stem="<p>判断</p>",
        options=[
            {"option_id": "T", "text": "<p>正确</p>", "is_key": False},
            {"option_id": "F", "text": "<p>错误</p>", "is_key": True},
        ],
    ).pk
    ids["likert"] = item_create_published(
        code="LK-1",
        domain_code=needs.code,
        kind="likert",
        stem="<p>量表</p>",
        options=[{"option_id": f"L{k}", "text": f"<p>{k}</p>"} for k in range(1, 6)],
    ).pk
    yield ids
    bank.pool_cache_clear()


@pytest.fixture
def mixed_campaign(mixed_items):
    from assessment.services import campaign_create, instrument_create

    order = [
        mixed_items[k]
        for k in (
            "ordered",
            "single_choice",
            "multiple_response",
            "true_false",
            "likert",
        )
    ]
    instrument = instrument_create(
        code="mixed",
        name_zh="混合卷",
        kind="ability",
        domain_code="info",
        mode="fixed",
        settings={"item_ids": order},
    )
    return campaign_create(
        instrument=instrument,
        name_zh="练习",
        kind="practice",
        opens_at=timezone.now() - timedelta(days=1),
    )


def _start(user, campaign):
    return services.session_start(
        user=user, campaign=campaign, background={}, consent=True
    )


def _shown(session) -> list[str]:
    session.refresh_from_db()
    return [o["id"] for o in session.pending["payload"]["options"]]


def _answer(session, user, answer):
    session.refresh_from_db()
    return services.response_record(
        session_id=session.pk,
        user=user,
        sequence=session.pending["sequence"],
        item_id=session.pending["item_id"],
        answer=answer,
    )


def test_ordering_item_is_never_delivered_in_key_order(mixed_items):
    item = bank.item_for_delivery(mixed_items["ordered"])
    assert [o["id"] for o in item.payload["options"]] == list("ABCDE")  # stored order
    orders = set()
    for seed in range(600):
        shown = [o["id"] for o in option_order(seed=seed, item=item)]
        assert shown != ORDER_KEY, seed
        assert sorted(shown) == list("ABCDE")
        orders.add(tuple(shown))
    assert len(orders) > 100  # drawn, not one fixed non-key order


def test_choice_options_are_shuffled_and_scales_keep_their_order(mixed_items):
    def firsts(kind):
        item = bank.item_for_delivery(mixed_items[kind])
        return {option_order(seed=s, item=item)[0]["id"] for s in range(200)}

    assert firsts("single_choice") == set("ABCDE")
    assert firsts("multiple_response") == set("ABCDE")
    assert firsts("true_false") == {"T"}  # "true" first: the label carries the meaning
    assert firsts("likert") == {"L1"}  # an ordered scale is never shuffled


def test_the_order_is_drawn_per_session_and_restored_on_resume(
    make_user, mixed_campaign
):
    orders = set()
    for k in range(12):
        user = make_user(username=f"taker{k}")
        session, created = _start(user, mixed_campaign)
        first = _shown(session)
        orders.add(tuple(first))
        # resume over HTTP (start again) and over the WebSocket path (connect): same order
        again, created_again = _start(user, mixed_campaign)
        assert created and not created_again and again.pk == session.pk
        assert _shown(again) == first
        connected = services.session_connect(session_id=session.pk, user=user)
        state = session_payload(connected)
        assert [o["id"] for o in state["item"]["payload"]["options"]] == first
        # the same seed draws the same order if the item is presented anew
        Session.objects.filter(pk=session.pk).update(pending={})
        refreshed = services.session_refresh(session_id=session.pk, user=user)
        assert [o["id"] for o in refreshed.pending["payload"]["options"]] == first
    assert len(orders) > 1  # sessions do not all see one order


def test_scoring_maps_the_shown_order_back_and_the_order_is_recorded(
    make_user, mixed_campaign, mixed_items
):
    user = make_user()
    session, _ = _start(user, mixed_campaign)
    shown = _shown(session)
    assert shown != ORDER_KEY
    # the untouched form submits the order shown: never full marks
    _answer(session, user, shown)
    untouched = Response.objects.get(session=session, sequence=1)
    assert untouched.score < len(ORDER_KEY) - 1
    assert untouched.presented_order == shown and untouched.answer == shown

    other = make_user(username="second")
    session2, _ = _start(other, mixed_campaign)
    _answer(session2, other, ORDER_KEY)  # the key in option ids, whatever was shown
    assert (
        Response.objects.get(session=session2, sequence=1).score == len(ORDER_KEY) - 1
    )
    shown_sc = _shown(session2)
    _answer(session2, other, "C")
    sc = Response.objects.get(session=session2, sequence=2)
    assert sc.score == 1 and sc.presented_order == shown_sc
    _answer(session2, other, ["D", "A"])
    assert Response.objects.get(session=session2, sequence=3).score == 1
    _answer(session2, other, "F")
    tf = Response.objects.get(session=session2, sequence=4)
    assert tf.score == 1 and tf.presented_order == ["T", "F"]
    _answer(session2, other, "L4")
    assert Response.objects.get(session=session2, sequence=5).score == 3
    session2.refresh_from_db()
    assert session2.status == SessionStatus.FINISHED


def test_stored_responses_without_an_order_still_score_as_before(
    make_user, mixed_campaign
):
    """Answers stored before shuffling (no presented order: null) rescore to the same score."""
    from itembank.selectors import item_answer_score

    user = make_user()
    session, _ = _start(user, mixed_campaign)
    _answer(session, user, ORDER_KEY)
    row = Response.objects.get(session=session, sequence=1)
    Response.objects.filter(pk=row.pk).update(presented_order=None)
    row.refresh_from_db()
    assert (
        item_answer_score(revision_id=row.revision_id, answer=row.answer)
        == row.score
        == 4
    )
    assert item_answer_score(revision_id=row.revision_id, answer=list("ABCDE")) == 0


def test_no_key_and_no_seed_reach_the_client(make_user, mixed_campaign):
    user = make_user()
    session, _ = _start(user, mixed_campaign)
    while True:
        session.refresh_from_db()
        if session.status != SessionStatus.IN_PROGRESS:
            break
        text = json.dumps(session_payload(session))
        for secret in (
            "is_key",
            "key_position",
            "option_seed",
            str(session.option_seed),
        ):
            assert secret not in text
        kind = session.pending["kind"]
        answer = {
            "ordered": ORDER_KEY,
            "multiple_response": ["A"],
            "true_false": "T",
            "likert": "L1",
        }.get(kind, "A")
        _answer(session, user, answer)


def test_the_no_javascript_form_preselects_the_shown_order_not_the_key(
    client, make_user, mixed_campaign
):
    user = make_user()
    client.force_login(user)
    session, _ = _start(user, mixed_campaign)
    shown = _shown(session)
    page = client.get(session.get_absolute_url()).content.decode()
    positions = [page.index(f'name="rank_{o}"') for o in shown]
    assert positions == sorted(positions)  # drawn in the order shown
    # post the form untouched: every select keeps its pre-selected rank
    data = {"sequence": 1, "item_id": session.pending["item_id"]}
    data.update({f"rank_{o}": str(k + 1) for k, o in enumerate(shown)})
    client.post(reverse("assessment:answer", args=[session.pk]), data)
    row = Response.objects.get(session=session, sequence=1)
    assert row.answer == shown and row.score < len(ORDER_KEY) - 1
