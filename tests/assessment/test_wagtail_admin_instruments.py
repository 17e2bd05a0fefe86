"""Instruments in the Wagtail admin: listing, create and edit forms, inspect, delete."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessment.models import Instrument
from tests.assessment.admin_forms import (
    INSTRUMENT_ADD,
    INSTRUMENTS,
    form_errors,
    instrument_data,
)

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- listing


def test_instrument_listing_shows_mode_length_and_calibration(
    researcher, adaptive_campaign, fixed_campaign
):
    response = researcher.get(INSTRUMENTS)
    html = response.content.decode()
    assert response.status_code == 200
    assert "info-cat" in html and "info-fixed" in html
    assert "3–8" in html  # adaptive length min–max
    assert "是（3/3）" in html  # the fixed form: every item calibrated
    assert "是（20/20）" in html  # the adaptive pool: the blueprint's 20 items
    assert (
        reverse("assessment_instruments:inspect", args=[fixed_campaign.instrument_id])
        in html
    )
    filtered = researcher.get(INSTRUMENTS + "?mode=adaptive").content.decode()
    assert "info-cat" in filtered and "info-fixed" not in filtered


def test_instrument_listing_says_when_items_lack_parameters(researcher, item_bank):
    from assessment.services import instrument_create

    instrument_create(
        code="needs-q",
        name_zh="学习需求问卷",
        kind="questionnaire",
        domain_code="needs",
        mode="fixed",
        settings={"item_ids": item_bank.needs_ids},
    )
    html = researcher.get(INSTRUMENTS).content.decode()
    assert "needs-q" in html and "否（0/4）" in html


# ---------------------------------------------------------------- forms


def test_create_fixed_instrument_through_the_form(researcher, item_bank):
    ids = item_bank.ids[:4]
    response = researcher.post(
        INSTRUMENT_ADD,
        instrument_data(
            item_ids=", ".join(map(str, ids)),
            time_limit_minutes="20",
            blueprint_text="info.data: 2\ninfo.safety: 1",
        ),
    )
    assert response.status_code == 302, form_errors(response)
    instrument = Instrument.objects.get(code="info-new")
    assert instrument.settings == {"item_ids": ids, "time_limit_seconds": 1200}
    assert instrument.blueprint == {"info.data": 2.0, "info.safety": 1.0}
    from wagtail.models import ModelLogEntry

    assert ModelLogEntry.objects.filter(
        object_id=str(instrument.pk), action="wagtail.create"
    ).exists()


def test_create_adaptive_instrument_with_sympson_hetter(researcher, item_bank):
    a, b = item_bank.ids[:2]
    response = researcher.post(
        INSTRUMENT_ADD,
        instrument_data(
            mode="adaptive",
            min_length="4",
            max_length="12",
            se_target="0.35",
            rule="kl",
            exposure_method="sympson_hetter",
            exposure_k_params=f"{a}: 0.4\n{b}=1",
        ),
    )
    assert response.status_code == 302, form_errors(response)
    settings = Instrument.objects.get(code="info-new").settings
    assert settings["exposure"] == {
        "method": "sympson_hetter",
        "k_params": {str(a): 0.4, str(b): 1.0},
    }
    assert (
        settings["min_length"],
        settings["max_length"],
        settings["se_target"],
        settings["rule"],
    ) == (4, 12, 0.35, "kl")


def test_create_booklet_instrument(researcher, item_bank):
    ids = item_bank.ids
    booklets = f"{ids[0]} {ids[1]} {ids[2]}\n\n{ids[2]}，{ids[3]}，{ids[4]}\n"
    response = researcher.post(
        INSTRUMENT_ADD, instrument_data(mode="booklet", booklets=booklets)
    )
    assert response.status_code == 302, form_errors(response)
    assert Instrument.objects.get(code="info-new").settings["booklets"] == [
        ids[0:3],
        ids[2:5],
    ]


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"item_ids": "1, x7"}, "item_ids", "x7"),
        ({"item_ids": ""}, "item_ids", "固定"),
        ({"item_ids": "99999"}, "item_ids", "99999"),  # the service: not published
        ({"mode": "booklet", "booklets": "{a} {b}\n{a} {a}"}, "booklets", "2"),
        ({"mode": "adaptive", "min_length": "9", "max_length": "4"}, "min_length", ""),
        ({"mode": "adaptive", "se_target": "-0.1"}, "se_target", ""),
        ({"mode": "adaptive", "exposure_k": "0"}, "exposure_k", ""),
        (
            {
                "mode": "adaptive",
                "exposure_method": "sympson_hetter",
                "exposure_k_params": "{a}: 1.5",
            },
            "exposure_k_params",
            "{a}",
        ),
        (
            {"mode": "adaptive", "exposure_method": "sympson_hetter"},
            "exposure_k_params",
            "",
        ),
        ({"item_ids": "{a}", "time_limit_minutes": "0.2"}, "time_limit_minutes", ""),
        (
            {"item_ids": "{a}", "blueprint_text": "nowhere: 1"},
            "blueprint_text",
            "nowhere",
        ),
        (
            {"item_ids": "{a}", "blueprint_text": "info.data one"},
            "blueprint_text",
            "one",
        ),
        ({"item_ids": "{a}", "code": "info-fixed"}, "code", ""),
        ({"item_ids": "{a}", "name_zh": ""}, "name_zh", ""),
    ],
)
def test_invalid_instrument_is_refused_per_field(
    researcher, fixed_campaign, item_bank, overrides, field, fragment
):
    a, b = item_bank.ids[:2]
    values = {k: v.format(a=a, b=b) for k, v in overrides.items()}
    before = list(Instrument.objects.values_list("pk", flat=True))
    errors = form_errors(researcher.post(INSTRUMENT_ADD, instrument_data(**values)))
    assert field in errors, errors
    assert fragment.format(a=a) in " ".join(errors[field])
    assert list(Instrument.objects.values_list("pk", flat=True)) == before


def test_edit_instrument_through_the_form(researcher, fixed_campaign, item_bank):
    instrument = fixed_campaign.instrument
    url = reverse("assessment_instruments:edit", args=[instrument.pk])
    form = researcher.get(url)
    assert form.status_code == 200
    assert form.context["form"].initial["item_ids"] == ", ".join(
        map(str, item_bank.ids[:3])
    )
    new_ids = item_bank.ids[3:7]
    response = researcher.post(
        url,
        instrument_data(
            code=instrument.code,
            name_zh="改过的名字",
            item_ids=" ".join(map(str, new_ids)),
            time_limit_minutes="15",
        ),
    )
    assert response.status_code == 302, form_errors(response)
    instrument.refresh_from_db()
    assert instrument.name_zh == "改过的名字"
    assert instrument.settings == {"item_ids": new_ids, "time_limit_seconds": 900}


def test_delivered_instrument_keeps_its_mode(
    researcher, make_user, fixed_campaign, item_bank
):
    from assessment.services import session_start

    session_start(
        user=make_user(), campaign=fixed_campaign, background={}, consent=True
    )
    instrument = fixed_campaign.instrument
    url = reverse("assessment_instruments:edit", args=[instrument.pk])
    errors = form_errors(
        researcher.post(
            url,
            instrument_data(
                code=instrument.code, name_zh=instrument.name_zh, mode="adaptive"
            ),
        )
    )
    assert (
        "mode" in errors and "固定" in errors["mode"][0]
    )  # the service names the old mode
    instrument.refresh_from_db()
    assert instrument.mode == "fixed"


def test_instrument_inspect_page(researcher, adaptive_campaign):
    url = reverse(
        "assessment_instruments:inspect", args=[adaptive_campaign.instrument_id]
    )
    html = researcher.get(url).content.decode()
    assert "info-cat" in html and "公开练习" in html and "se_target" in html


# ---------------------------------------------------------------- deleting


def test_administrator_cannot_delete_an_instrument_in_use(
    client, make_user, fixed_campaign
):
    from django.contrib.messages import get_messages

    client.force_login(make_user("administrator"))
    instrument = fixed_campaign.instrument
    response = client.post(
        reverse("assessment_instruments:delete", args=[instrument.pk])
    )
    assert response.status_code == 302
    assert Instrument.objects.filter(pk=instrument.pk).exists()
    notes = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("不能删除" in note for note in notes), notes
