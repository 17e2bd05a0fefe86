"""Demo delivery data: an open practice campaign with an adaptive information-literacy
test and a learning-needs questionnaire, built from the demo item bank. Safe to run twice."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from assessment import items as bank
from assessment.models import Campaign, Instrument
from assessment.services import campaign_create, instrument_create

INFO_AREAS = ["info.data", "info.communication", "info.creation", "info.safety", "info.problem"]
NEEDS_AREAS = ["needs.topics", "needs.modes", "needs.times", "needs.barriers"]


def _ensure_campaign(instrument: Instrument, *, name_zh: str, name_en: str) -> Campaign:
    campaign = Campaign.objects.filter(instrument=instrument, kind="practice").first()
    if campaign is None:
        campaign = campaign_create(
            instrument=instrument, name_zh=name_zh, name_en=name_en, kind="practice",
            opens_at=timezone.now() - timedelta(days=1),
        )
    return campaign


def _adaptive_info(stdout) -> None:
    instrument = Instrument.objects.filter(code="info-literacy-cat").first()
    if instrument is None:
        pool = bank.deliverable_item_ids(domain_codes=["info"])
        if not pool:
            stdout.write("  no published information-literacy items: skipped the adaptive test")
            return
        present = {item.domain_code for item in bank.items_for_delivery(pool)}
        blueprint = {area: 1.0 for area in INFO_AREAS
                     if any(code == area or code.startswith(area + ".") for code in present)}
        instrument = instrument_create(
            code="info-literacy-cat",
            name_zh="市民信息素养自适应测试",
            name_en="Citizen information literacy (adaptive test)",
            description_zh="约 15 道题，每道题根据您此前的作答挑选，测量您获取、评估、交流、创作和安全使用数字信息的能力。",
            description_en="About 15 questions, each chosen to suit your answers so far, on "
                           "finding, judging, sharing, creating and safely using digital "
                           "information.",
            kind="ability", domain_code="info", mode="adaptive", blueprint=blueprint,
            settings={"max_length": 20, "min_length": 8, "se_target": 0.35,
                      "time_limit_seconds": 30 * 60,
                      "exposure": {"method": "randomesque", "k": 4}},
        )
    _ensure_campaign(instrument, name_zh="开放练习：信息素养",
                     name_en="Open practice: information literacy")
    stdout.write(f"  adaptive test {instrument.code} in an open practice campaign")


def _needs(stdout) -> None:
    instrument = Instrument.objects.filter(code="learning-needs").first()
    if instrument is None:
        ids = bank.deliverable_item_ids(domain_codes=["needs"])
        items = [i for i in bank.items_for_delivery(ids) if i.kind == "likert"] if ids else []
        if not items:
            stdout.write("  no published needs items: skipped the questionnaire")
            return
        chosen = []
        for area in NEEDS_AREAS:  # a few from every needs area, in area order
            chosen += [i.item_id for i in items
                       if i.domain_code == area or i.domain_code.startswith(area + ".")][:4]
        instrument = instrument_create(
            code="learning-needs",
            name_zh="市民学习需求问卷",
            name_en="Citizen learning-needs questionnaire",
            description_zh="告诉我们您想学什么、喜欢怎样学、什么时间方便，以及学习中遇到的困难。",
            description_en="Tell us what you want to learn, how and when you like to learn, "
                           "and what stands in your way.",
            kind="questionnaire", domain_code="needs", mode="fixed",
            settings={"item_ids": chosen or [i.item_id for i in items[:16]]},
        )
    _ensure_campaign(instrument, name_zh="开放问卷：学习需求",
                     name_en="Open questionnaire: learning needs")
    stdout.write(f"  questionnaire {instrument.code} in an open practice campaign")


def load_demo(*, stdout) -> None:
    _adaptive_info(stdout)
    _needs(stdout)
