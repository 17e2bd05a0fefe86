"""Fixtures of the delivery tests: a small calibrated bank, instruments and campaigns."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from django.utils import timezone

N_ITEMS = 20
KEY = "B"


def commits():
    """Run the block's ``on_commit`` work when it ends, as its commit would.

    A test runs inside one transaction that never commits, so the work delivery does
    after commit (the credit-bank outcome, events, statistics) runs only in here.
    """
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


class RealBank:
    """A small bank built through the item bank's own services: 20 published 2PL
    single-choice items over four information-literacy areas (key "B"), four
    published Likert needs items, levels for "info", and an active parameter set."""

    def __init__(self):
        from django.contrib.auth import get_user_model

        from itembank.models import Domain, ProficiencyLevel
        from itembank.services import (
            item_create_published,
            parameter_set_activate,
            parameter_set_create,
        )

        rng = np.random.default_rng(7)
        info = Domain.objects.create(
            code="info",
            name_zh="信息素养",
            name_en="Information literacy",
            kind="ability",
        )
        areas = ["info.data", "info.communication", "info.safety", "info.problem"]
        for k, code in enumerate(areas):
            Domain.objects.create(
                code=code, name_zh=f"信息素养{k}", parent=info, kind="ability"
            )
        needs = Domain.objects.create(
            code="needs", name_zh="学习需求", name_en="Needs", kind="needs"
        )
        Domain.objects.create(
            code="needs.topics", name_zh="学习内容需求", parent=needs, kind="needs"
        )
        for level in LEVELS:
            ProficiencyLevel.objects.create(domain=info, **level)
        from itembank.services import cut_score_set_from_levels

        self.cut_score_set = cut_score_set_from_levels(
            domain=info, set_by="test panel", scale="test theta"
        )
        self.ids: list[int] = []
        self.keys: dict[int, str] = {}
        for k in range(N_ITEMS):
            item = item_create_published(
                code=f"INFO-{k:03d}",
                domain_code=areas[k % 4],
                kind="single_choice",
                stem=f"<p>题目 {k}</p>",
                options=[
                    {"option_id": o, "text": f"<p>选项 {o}</p>", "is_key": o == KEY}
                    for o in "ABCD"
                ],
            )
            self.ids.append(item.pk)
            self.keys[item.pk] = KEY
        self.needs_ids = []
        for k in range(4):
            item = item_create_published(
                code=f"NEEDS-{k:03d}",
                domain_code="needs.topics",
                kind="likert",
                stem=f"<p>需求 {k}</p>",
                options=[
                    {"option_id": f"L{o}", "text": f"<p>{o}</p>"} for o in range(4)
                ],
            )
            self.needs_ids.append(item.pk)
        self.a = {
            i: float(a)
            for i, a in zip(self.ids, rng.uniform(0.8, 2.0, N_ITEMS), strict=True)
        }
        self.b = {
            i: float(b)
            for i, b in zip(self.ids, rng.normal(0, 1, N_ITEMS), strict=True)
        }
        approver = get_user_model().objects.create(username="bank-approver")
        pset = parameter_set_create(
            name="test set",
            model="2pl",
            source="tests",
            items={i: {"a": self.a[i], "b": self.b[i]} for i in self.ids},
        )
        parameter_set_activate(parameter_set=pset, approved_by=approver)
        self.parameter_set_id = pset.pk

    def withdraw(self, item_id: int) -> None:
        from itembank.models import Item

        Item.objects.get(pk=item_id).unpublish()


LEVELS = [
    dict(
        order=1,
        code="L1",
        min_theta=None,
        name_zh="入门",
        name_en="Beginner",
        description_zh="能完成简单任务",
        description_en="Simple tasks",
        suggestion_zh="学习搜索",
        suggestion_en="Learn to search",
    ),
    dict(
        order=2,
        code="L2",
        min_theta=-0.5,
        name_zh="基础",
        name_en="Basic",
        description_zh="能完成常见任务",
        description_en="Common tasks",
        suggestion_zh="学习评估信息",
        suggestion_en="Learn to evaluate information",
        attained=True,
    ),
    dict(
        order=3,
        code="L3",
        min_theta=0.8,
        name_zh="熟练",
        name_en="Proficient",
        description_zh="能解决复杂问题",
        description_en="Complex problems",
        suggestion_zh="学习创作",
        suggestion_en="Learn to create",
    ),
]


@pytest.fixture
def item_bank(db):
    from assessment import items

    items.pool_cache_clear()
    bank = RealBank()
    yield bank
    items.pool_cache_clear()


def right_answer(bank, item: dict[str, Any]) -> Any:
    return bank.keys.get(item["item_id"], 0)


@pytest.fixture
def adaptive_campaign(item_bank, db):
    from assessment.services import campaign_create, instrument_create

    instrument = instrument_create(
        code="info-cat",
        name_zh="信息素养自适应测试",
        name_en="Information literacy (adaptive)",
        kind="ability",
        domain_code="info",
        mode="adaptive",
        blueprint={
            "info.data": 1,
            "info.communication": 1,
            "info.safety": 1,
            "info.problem": 1,
        },
        settings={
            "max_length": 8,
            "min_length": 3,
            "se_target": 0.2,
            "time_limit_seconds": 1800,
        },
    )
    return campaign_create(
        instrument=instrument,
        name_zh="公开练习",
        kind="practice",
        opens_at=timezone.now() - timedelta(days=1),
    )


@pytest.fixture
def fixed_campaign(item_bank, db):
    from assessment.services import campaign_create, instrument_create

    instrument = instrument_create(
        code="info-fixed",
        name_zh="信息素养固定卷",
        kind="ability",
        domain_code="info",
        mode="fixed",
        settings={"item_ids": item_bank.ids[:3]},
    )
    return campaign_create(
        instrument=instrument,
        name_zh="练习",
        kind="practice",
        opens_at=timezone.now() - timedelta(days=1),
    )


BACKGROUND = {
    "age_band": "35-44",
    "sex": "female",
    "education": "bachelor",
    "district_code": "310101",
    "occupation": "office",
}


ORDER_KEY = [
    "D",
    "B",
    "E",
    "A",
    "C",
]  # the correct order of the ordering item; stored A..E


@pytest.fixture
def ordering_campaign(item_bank, db):
    """A fixed form: an ordering item (stored A..E, key D B E A C), then a bank item."""
    from assessment.services import campaign_create, instrument_create
    from itembank.services import item_create_published

    ordered = item_create_published(
        code="ORD-001",
        domain_code="info.data",
        kind="ordered",
        stem="<p>请排列步骤</p>",
        options=[
            {
                "option_id": o,
                "text": f"<p>步骤{o}</p>",
                "key_position": ORDER_KEY.index(o) + 1,
            }
            for o in "ABCDE"
        ],
    )
    instrument = instrument_create(
        code="info-order",
        name_zh="排序练习",
        kind="ability",
        domain_code="info",
        mode="fixed",
        settings={"item_ids": [ordered.pk, item_bank.ids[0]]},
    )
    return campaign_create(
        instrument=instrument,
        name_zh="排序练习",
        kind="practice",
        opens_at=timezone.now() - timedelta(days=1),
    )
