"""What the delivery admin's tests post and read: URLs, form data, form errors."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

INSTRUMENTS = reverse("assessment_instruments:index")
INSTRUMENT_ADD = reverse("assessment_instruments:add")
CAMPAIGNS = reverse("assessment_campaigns:index")
CAMPAIGN_ADD = reverse("assessment_campaigns:add")


def instrument_data(**overrides):
    data = {
        "code": "info-new",
        "name_zh": "新测试",
        "name_en": "New test",
        "description_zh": "",
        "description_en": "",
        "kind": "ability",
        "domain_code": "info",
        "language": "zh-hans",
        "blueprint_text": "",
        "mode": "fixed",
        "time_limit_minutes": "",
        "item_ids": "",
        "booklets": "",
        "min_length": "",
        "max_length": "",
        "se_target": "",
        "rule": "mfi",
        "exposure_method": "randomesque",
        "exposure_k": "5",
        "exposure_k_params": "",
    }
    data.update(overrides)
    return data


def campaign_data(for_instrument, **overrides):
    now = timezone.localtime()
    data = {
        "name_zh": "2026 年度信息素养专题调查",
        "name_en": "",
        "kind": "thematic",
        "instrument": str(for_instrument.pk),
        "audience": "public",
        "opens_at": (now - timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
        "closes_at": (now + timedelta(days=30)).strftime("%Y-%m-%d %H:%M"),
        "max_attempts": "1",
        "year": "2026",
    }
    data.update(overrides)
    return data


def form_errors(response) -> dict[str, list[str]]:
    assert response.status_code == 200, response.status_code
    return {k: [str(m) for m in v] for k, v in response.context["form"].errors.items()}
