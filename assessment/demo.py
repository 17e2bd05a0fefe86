"""Demo delivery data: open practice campaigns with an adaptive and a multistage
information-literacy test and a learning-needs questionnaire, built from the demo item
bank. Safe to run twice."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from django.utils import timezone

from assessment import items as bank
from assessment.models import Campaign, Instrument
from assessment.services import (
    campaign_create,
    instrument_create,
    multistage_panel_create,
)

INFO_AREAS = [
    "info.data",
    "info.communication",
    "info.creation",
    "info.safety",
    "info.problem",
]
NEEDS_AREAS = ["needs.topics", "needs.modes", "needs.times", "needs.barriers"]


def _ensure_campaign(instrument: Instrument, *, name_zh: str, name_en: str) -> Campaign:
    campaign = Campaign.objects.filter(instrument=instrument, kind="practice").first()
    if campaign is None:
        campaign = campaign_create(
            instrument=instrument,
            name_zh=name_zh,
            name_en=name_en,
            kind="practice",
            opens_at=timezone.now() - timedelta(days=1),
        )
    return campaign


def _adaptive_info(stdout) -> None:
    instrument = Instrument.objects.filter(code="info-literacy-cat").first()
    if instrument is None:
        pool = bank.deliverable_item_ids(domain_codes=["info"])
        if not pool:
            stdout.write(
                "  no published information-literacy items: skipped the adaptive test"
            )
            return
        present = {item.domain_code for item in bank.items_for_delivery(pool)}
        blueprint = {
            area: 1.0
            for area in INFO_AREAS
            if any(code == area or code.startswith(area + ".") for code in present)
        }
        instrument = instrument_create(
            code="info-literacy-cat",
            name_zh="市民信息素养自适应测试",
            name_en="Citizen information literacy (adaptive test)",
            description_zh="约 15 道题，每道题根据您此前的作答挑选，测量您获取、评估、交流、创作和安全使用数字信息的能力。",
            description_en="About 15 questions, each chosen to suit your answers so far, on "
            "finding, judging, sharing, creating and safely using digital "
            "information.",
            kind="ability",
            domain_code="info",
            mode="adaptive",
            blueprint=blueprint,
            settings={
                "max_length": 20,
                "min_length": 8,
                "se_target": 0.35,
                "time_limit_seconds": 30 * 60,
                "exposure": {"method": "randomesque", "k": 4},
            },
        )
    _ensure_campaign(
        instrument,
        name_zh="开放练习：信息素养",
        name_en="Open practice: information literacy",
    )
    stdout.write(f"  adaptive test {instrument.code} in an open practice campaign")


def _needs(stdout) -> None:
    instrument = Instrument.objects.filter(code="learning-needs").first()
    if instrument is None:
        ids = bank.deliverable_item_ids(domain_codes=["needs"])
        items = (
            [i for i in bank.items_for_delivery(ids) if i.kind == "likert"]
            if ids
            else []
        )
        if not items:
            stdout.write("  no published needs items: skipped the questionnaire")
            return
        chosen = []
        for area in NEEDS_AREAS:  # a few from every needs area, in area order
            chosen += [
                i.item_id
                for i in items
                if i.domain_code == area or i.domain_code.startswith(area + ".")
            ][:4]
        instrument = instrument_create(
            code="learning-needs",
            name_zh="市民学习需求问卷",
            name_en="Citizen learning-needs questionnaire",
            description_zh="告诉我们您想学什么、喜欢怎样学、什么时间方便，以及学习中遇到的困难。",
            description_en="Tell us what you want to learn, how and when you like to learn, "
            "and what stands in your way.",
            kind="questionnaire",
            domain_code="needs",
            mode="fixed",
            settings={"item_ids": chosen or [i.item_id for i in items[:16]]},
        )
    _ensure_campaign(
        instrument,
        name_zh="开放问卷：学习需求",
        name_en="Open questionnaire: learning needs",
    )
    stdout.write(f"  questionnaire {instrument.code} in an open practice campaign")


def mst_design_from_bank(
    ids_by_difficulty: list[int],
) -> tuple[list[dict], list[dict]]:
    """Return the modules and rules of one panel cut from a bank, easiest item first.

    36 items or more: a 1-3-3 design (6 routing items around the median, modules of
    5, number-correct routing to stage 2 and EAP routing at θ −0.5 / 0.5 to stage 3);
    fewer: 1-3. Each difficulty third feeds its stage-2 and stage-3 modules
    alternately, so the two stages' modules are alike.
    """
    n = len(ids_by_difficulty)
    three_stage = n >= 36
    r = 6 if three_stage else max(2, n // 5)
    start = n // 2 - r // 2
    routing = ids_by_difficulty[start : start + r]
    rest = [i for i in ids_by_difficulty if i not in routing]
    k = len(rest) // 3
    thirds = [rest[:k], rest[k : 2 * k], rest[2 * k :]]
    size = 5 if three_stage else min(5, *(len(t) for t in thirds))
    labels = ["easy", "medium", "hard"]
    modules = [{"stage": 1, "difficulty": "medium", "item_ids": routing}]
    rules = [
        {
            "stage": 2,
            "method": "number_correct",
            "cut_points": [-(-r // 3), -(-2 * r // 3)],
        }
    ]
    for label, third in zip(labels, thirds, strict=True):
        modules.append(
            {
                "stage": 2,
                "difficulty": label,
                "item_ids": (third[0::2] if three_stage else third)[:size],
            }
        )
        if three_stage:
            modules.append(
                {"stage": 3, "difficulty": label, "item_ids": third[1::2][:size]}
            )
    if three_stage:
        rules.append({"stage": 3, "method": "theta", "cut_points": [-0.5, 0.5]})
    return modules, rules


def _multistage_info(stdout) -> None:
    instrument = Instrument.objects.filter(code="info-literacy-mst").first()
    if instrument is None:
        pool = bank.deliverable_item_ids(domain_codes=["info"])
        active = bank.active_parameters(item_ids=pool) if pool else None
        if active is None or not active.item_ids:
            stdout.write(
                "  no calibrated information-literacy items: skipped the "
                "multistage test"
            )
            return
        thresholds = np.asarray(active.params.thresholds, dtype=float)
        location = np.where(
            np.isfinite(active.params.b),
            active.params.b,
            np.nanmean(np.where(np.isfinite(thresholds), thresholds, np.nan), axis=1),
        )
        order = [int(active.item_ids[k]) for k in np.argsort(location, kind="stable")]
        modules, rules = mst_design_from_bank(order)
        instrument = instrument_create(
            code="info-literacy-mst",
            name_zh="市民信息素养多阶段测试",
            name_en="Citizen information literacy (multistage test)",
            description_zh="先答一组起始题，再根据答对的题数进入难度合适的题组，共约 16 道题。",
            description_en="A starting set of questions, then sets of questions whose "
            "difficulty follows how many you answered right: about 16 "
            "questions.",
            kind="ability",
            domain_code="info",
            mode="multistage",
            settings={"panel_assignment": "round_robin", "time_limit_seconds": 30 * 60},
        )
        multistage_panel_create(
            instrument=instrument, code="a", name="A 卷", modules=modules, rules=rules
        )
    _ensure_campaign(
        instrument,
        name_zh="开放练习：信息素养（多阶段）",
        name_en="Open practice: information literacy (multistage)",
    )
    stdout.write(f"  multistage test {instrument.code} in an open practice campaign")


def load_demo(*, stdout) -> None:
    _adaptive_info(stdout)
    _multistage_info(stdout)
    _needs(stdout)
