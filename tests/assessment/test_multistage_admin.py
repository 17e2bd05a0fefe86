"""Multistage instruments and panels in the Wagtail admin: create, design errors."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from assessment.models import Instrument, MultistagePanel
from tests.assessment.admin_forms import INSTRUMENT_ADD, form_errors, instrument_data
from tests.assessment.test_multistage import _design

pytestmark = pytest.mark.django_db

PANEL_ADD = reverse("assessment_multistage_panels:add")


def _formset(prefix: str, rows: list[dict]) -> dict[str, str]:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for k, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{k}-{key}"] = (
                json.dumps(value) if isinstance(value, list) else str(value)
            )
        data[f"{prefix}-{k}-id"] = ""
    return data


def _panel_post(instrument, modules, rules, code="a"):
    return {
        "instrument": str(instrument.pk),
        "code": code,
        "name": "A 卷",
        "active": "on",
        **_formset("modules", modules),
        **_formset("rules", rules),
    }


def _multistage_instrument(researcher):
    response = researcher.post(
        INSTRUMENT_ADD,
        instrument_data(code="info-mst", mode="multistage", panel_assignment="random"),
    )
    assert response.status_code == 302, form_errors(response)
    return Instrument.objects.get(code="info-mst")


def test_create_a_multistage_instrument_and_its_panel_in_the_admin(
    researcher, item_bank
):
    instrument = _multistage_instrument(researcher)
    assert instrument.mode == "multistage"
    assert instrument.settings == {"panel_assignment": "random"}
    modules, rules = _design(item_bank.ids)
    response = researcher.post(PANEL_ADD, _panel_post(instrument, modules, rules))
    assert response.status_code == 302, form_errors(response)
    panel = MultistagePanel.objects.get(instrument=instrument, code="a")
    assert sorted(
        (m.stage, m.difficulty, m.item_ids) for m in panel.modules.all()
    ) == sorted((m["stage"], m["difficulty"], m["item_ids"]) for m in modules)
    assert {r.stage: r.cut_points for r in panel.rules.all()} == {2: [2, 4], 3: [0.0]}
    listing = researcher.get(reverse("assessment_instruments:index")).content.decode()
    assert "1 个题册组，3 个阶段" in listing and "多阶段自适应" in listing


def test_panel_design_errors_name_the_panel_the_stage_and_the_field(
    researcher, item_bank
):
    """Decreasing cut points and an item in two modules are refused; nothing is saved."""
    instrument = _multistage_instrument(researcher)
    modules, rules = _design(item_bank.ids)
    rules[0]["cut_points"] = [4, 2]
    response = researcher.post(PANEL_ADD, _panel_post(instrument, modules, rules))
    errors = form_errors(response)["__all__"]
    assert any("rules[2].cut_points" in e and "a" in e for e in errors), errors
    modules, rules = _design(item_bank.ids)
    modules[5]["item_ids"] = [item_bank.ids[0], *item_bank.ids[17:19]]
    response = researcher.post(PANEL_ADD, _panel_post(instrument, modules, rules))
    errors = form_errors(response)["__all__"]
    assert any("modules[3-hard].item_ids" in e and "1-medium" in e for e in errors), (
        errors
    )
    assert not MultistagePanel.objects.exists()


def test_a_panel_needs_a_multistage_instrument(researcher, item_bank, fixed_campaign):
    modules, rules = _design(item_bank.ids)
    response = researcher.post(
        PANEL_ADD, _panel_post(fixed_campaign.instrument, modules, rules)
    )
    assert "instrument" in form_errors(response)
    assert not MultistagePanel.objects.exists()


def test_the_instrument_page_lists_panels_with_their_exposure(
    researcher, item_bank, make_user
):
    from assessment.services import session_start
    from tests.assessment.test_multistage import _instrument

    instrument, campaign = _instrument(item_bank, panels=2)
    for _k in range(3):
        session_start(user=make_user(), campaign=campaign, background={}, consent=True)
    html = researcher.get(
        reverse("assessment_instruments:inspect", args=[instrument.pk])
    ).content.decode()
    assert "多阶段题册组" in html
    assert "1-medium: 2" in html and "1-medium: 1" in html
    panel = MultistagePanel.objects.get(instrument=instrument, code="p1")
    assert reverse("assessment_multistage_panels:edit", args=[panel.pk]) in html
