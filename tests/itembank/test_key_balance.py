"""The key-position lint flags a bank whose keys favour a position (invariant 10)."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from itembank.selectors import key_position_balance
from tests.itembank.conftest import choice_options

pytestmark = pytest.mark.django_db


def _by_kind(rows):
    return {(r.kind, r.n_options): r for r in rows}


def test_a_bank_keyed_mostly_on_one_position_is_flagged(make_item):
    for k in range(24):  # 18 of 24 keyed A, the rest spread: "always pick A" wins
        make_item(options=choice_options(key="A" if k < 18 else "BCD"[k % 3]))
    for k in range(12):  # true/false: 11 of 12 keyed "true"
        make_item(
            kind="true_false",
            options=[
                {"option_id": "T", "text": "正确", "is_key": k != 0},
                {"option_id": "F", "text": "错误", "is_key": k == 0},
            ],
        )
    for _k in range(3):  # ordering items stored in their key order
        make_item(kind="ordered")
    make_item(kind="likert")  # no key: not checked
    rows = _by_kind(key_position_balance())
    sc = rows[("single_choice", 4)]
    assert sc.n_items == 24 and sc.counts[0] == 18 and sc.modal_position == 1
    assert sc.p_value < 0.01 and sc.flagged
    tf = rows[("true_false", 2)]
    assert tf.counts == (11, 1) and tf.flagged
    ordered = rows[("ordered", 4)]
    assert ordered.in_key_order == 3 and ordered.flagged
    assert ("likert", 4) not in rows
    out = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("itembank_lint", stdout=out)
    assert "single_choice/4" in str(exc.value) and "true_false/2" in str(exc.value)
    assert "UNBALANCED" in out.getvalue()


def test_a_balanced_bank_passes_and_small_groups_are_not_judged(make_item):
    for k in range(20):
        make_item(options=choice_options(key="ABCD"[k % 4]))
    make_item(
        kind="ordered",
        options=[
            {"option_id": o, "text": o, "key_position": p}
            for o, p in zip("ABCD", (3, 1, 4, 2), strict=True)
        ],
    )
    rows = _by_kind(key_position_balance())
    assert rows[("single_choice", 4)].counts == (5, 5, 5, 5)
    assert not rows[("single_choice", 4)].flagged
    assert rows[("ordered", 4)].p_value is None and not rows[("ordered", 4)].flagged
    out = io.StringIO()
    call_command("itembank_lint", stdout=out)
    assert "UNBALANCED" not in out.getvalue()


def test_drafts_are_left_out_unless_asked(make_item):
    for _k in range(20):
        make_item(publish=False, options=choice_options(key="A"))
    assert key_position_balance() == []
    assert key_position_balance(live_only=False)[0].flagged


def test_the_demo_bank_specs_spread_their_keys_and_stay_correct():
    from itembank.demo import demo_item_specs
    from itembank.demo_content import ABILITY, ABILITY_SURVEY

    specs = [s for s in demo_item_specs() if s["kind"] != "likert"]
    positions: dict[str, Counter] = {}
    for spec in specs:
        opts = spec["options"]
        kind = spec["kind"]
        counter = positions.setdefault(kind, Counter())
        if kind == "ordered":
            ranks = [o["key_position"] for o in opts]
            assert sorted(ranks) == [1, 2, 3, 4] and ranks != [1, 2, 3, 4]
        else:
            for k, o in enumerate(opts):
                if o["is_key"]:
                    counter[k + 1] += 1
    assert max(positions["single_choice"].values()) <= 32  # 124 items over 4 positions
    assert positions["true_false"][1] == 16 and positions["true_false"][2] == 18
    # the key still names the same text as in the content
    keyed = {}
    for scenarios in [*ABILITY.values(), *ABILITY_SURVEY.values()]:
        for kind, _szh, sen, opts, key, contexts, _d in scenarios:
            if kind == "single_choice":
                for _czh, cen in contexts:
                    keyed[f"<p>{sen.format(e=cen)}</p>"] = opts[key][0]
    for spec in specs:
        if spec["kind"] == "single_choice":
            (right,) = [o["text"] for o in spec["options"] if o["is_key"]]
            assert keyed[spec["stem_en"]] == right


def test_the_bank_overview_shows_the_lint_to_researchers(make_item, client, make_user):
    from learning_platform.accounts.services import roles_sync

    for _k in range(20):
        make_item(options=choice_options(key="A"))
    roles_sync()
    client.force_login(make_user("researcher"))
    html = client.get("/admin/itembank/overview/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert html.status_code == 200
    text = html.content.decode()
    assert "答案位置分布" in text and 'class="unbalanced"' in text and "不均衡" in text
    assert "20 · 0 · 0 · 0" in text
