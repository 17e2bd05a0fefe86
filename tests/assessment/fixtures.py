"""Fixtures of the delivery tests: a small calibrated bank, instruments and campaigns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from psychometrics.irt import ItemParameters

N_ITEMS = 40
KEY = "B"


@dataclass(frozen=True)
class _Item:
    item_id: int
    revision_id: int
    kind: str
    domain_code: str
    n_categories: int
    payload: dict


@dataclass(frozen=True)
class _Active:
    parameter_set_id: int | None
    item_ids: list[int]
    params: ItemParameters


@dataclass(frozen=True)
class _Level:
    order: int
    code: str
    min_theta: float | None
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    suggestion_zh: str
    suggestion_en: str
    attained: bool = False


class ItemNotDeliverable(Exception):
    def __init__(self, item_id):
        super().__init__(f"item {item_id} is not deliverable")
        self.item_id = item_id


class TemporaryBank:
    """TEMPORARY stand-in for ``itembank.selectors`` until the item bank lands."""

    def __init__(self):
        rng = np.random.default_rng(7)
        areas = ["info.data", "info.communication", "info.safety", "info.problem"]
        self.items: dict[int, _Item] = {}
        self.keys: dict[int, str] = {}
        for k in range(N_ITEMS):
            item_id = 100 + k
            self.items[item_id] = _Item(
                item_id, 1000 + k, "single_choice", areas[k % 4], 2,
                {"kind": "single_choice", "stem_html": f"<p>题目 {item_id}</p>",
                 "instructions": "", "options": [
                     {"id": o, "text_html": f"选项 {o}", "image_url": "", "alt": ""}
                     for o in "ABCD"]},
            )
            self.keys[item_id] = KEY
        for k in range(4):
            item_id = 500 + k
            self.items[item_id] = _Item(
                item_id, 5000 + k, "likert", "needs.topics", 4,
                {"kind": "likert", "stem_html": f"<p>需求 {item_id}</p>", "instructions": "",
                 "options": [{"id": o, "text_html": str(o), "image_url": "", "alt": ""}
                             for o in range(4)]},
            )
        ids = [i for i in self.items if i < 500]
        self.a = {i: float(a) for i, a in zip(ids, rng.uniform(0.8, 2.0, len(ids)), strict=True)}
        self.b = {i: float(b) for i, b in zip(ids, rng.normal(0, 1, len(ids)), strict=True)}
        self.withdrawn: set[int] = set()
        self.parameter_set_id = 1

    def items_for_delivery(self, item_ids):
        out = []
        for i in item_ids:
            if i not in self.items or i in self.withdrawn:
                raise ItemNotDeliverable(i)
            out.append(self.items[i])
        return out

    def deliverable_item_ids(self, *, domain_codes=None):
        return [i for i, item in self.items.items() if i not in self.withdrawn and (
            not domain_codes or any(item.domain_code == d or item.domain_code.startswith(d + ".")
                                    for d in domain_codes))]

    def item_answer_score(self, *, revision_id, answer):
        item = next(i for i in self.items.values() if i.revision_id == revision_id)
        ids = [o["id"] for o in item.payload["options"]]
        if answer not in ids:
            raise ValidationError({"answer": f"{answer!r} is not an option of this item."})
        if item.kind == "likert":
            return ids.index(answer)
        return int(answer == self.keys[item.item_id])

    def active_parameters(self, *, item_ids=None):
        ids = [i for i in (item_ids if item_ids is not None else self.a) if i in self.a]
        if not ids:
            return _Active(None, [], None)
        return _Active(self.parameter_set_id, ids, ItemParameters.dichotomous(
            [self.a[i] for i in ids], [self.b[i] for i in ids],
            item_ids=[str(i) for i in ids]))

    def domain_tree(self):
        return [{"code": "info", "name_zh": "信息素养", "name_en": "Information literacy",
                 "parent_code": None, "kind": "ability"},
                {"code": "needs.topics", "name_zh": "学习内容需求", "name_en": "Topics",
                 "parent_code": "needs", "kind": "needs"}]

    def domain_levels(self, domain_code):
        if domain_code != "info":
            return []
        return [
            _Level(1, "L1", None, "入门", "Beginner", "能完成简单任务", "Simple tasks",
                   "学习搜索", "Learn to search"),
            _Level(2, "L2", -0.5, "基础", "Basic", "能完成常见任务", "Common tasks",
                   "学习评估信息", "Learn to evaluate information", True),
            _Level(3, "L3", 0.8, "熟练", "Proficient", "能解决复杂问题", "Complex problems",
                   "学习创作", "Learn to create"),
        ]


@pytest.fixture
def item_bank(monkeypatch):
    from assessment import items

    bank = TemporaryBank()
    monkeypatch.setattr(items, "items_for_delivery", bank.items_for_delivery)
    monkeypatch.setattr(items, "deliverable_item_ids", bank.deliverable_item_ids)
    monkeypatch.setattr(items, "item_answer_score", bank.item_answer_score)
    monkeypatch.setattr(items, "active_parameters", bank.active_parameters)
    monkeypatch.setattr(items, "domain_levels", bank.domain_levels)
    monkeypatch.setattr(items, "domain_names", lambda: {
        d["code"]: (d["name_zh"], d["name_en"]) for d in bank.domain_tree()})
    monkeypatch.setattr(items, "not_deliverable_error", lambda: ItemNotDeliverable)
    items.pool_cache_clear()
    yield bank
    items.pool_cache_clear()


def right_answer(bank, item: dict[str, Any]) -> Any:
    return bank.keys.get(item["item_id"], 0)


@pytest.fixture
def adaptive_campaign(item_bank, db):
    from assessment.services import campaign_create, instrument_create

    instrument = instrument_create(
        code="info-cat", name_zh="信息素养自适应测试", name_en="Information literacy (adaptive)",
        kind="ability", domain_code="info", mode="adaptive",
        blueprint={"info.data": 1, "info.communication": 1, "info.safety": 1, "info.problem": 1},
        settings={"max_length": 8, "min_length": 3, "se_target": 0.2,
                  "time_limit_seconds": 1800},
    )
    return campaign_create(instrument=instrument, name_zh="公开练习", kind="practice",
                           opens_at=timezone.now() - timedelta(days=1))


@pytest.fixture
def fixed_campaign(item_bank, db):
    from assessment.services import campaign_create, instrument_create

    instrument = instrument_create(
        code="info-fixed", name_zh="信息素养固定卷", kind="ability", domain_code="info",
        mode="fixed", settings={"item_ids": [100, 101, 102]},
    )
    return campaign_create(instrument=instrument, name_zh="练习", kind="practice",
                           opens_at=timezone.now() - timedelta(days=1))


BACKGROUND = {"age_band": "35-44", "sex": "female", "education": "bachelor",
              "district_code": "310101", "occupation": "office"}
