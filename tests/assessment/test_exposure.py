"""Sympson–Hetter exposure control derived by simulation and stored on the instrument."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from assessment import services
from assessment.models import Instrument

pytestmark = pytest.mark.django_db


@pytest.fixture
def short_cat(item_bank):
    return services.instrument_create(
        code="info-cat-short",
        name_zh="信息素养短自适应",
        kind="ability",
        domain_code="info",
        mode="adaptive",
        settings={
            "max_length": 4,
            "min_length": 4,
            "se_target": 0.01,
            "exposure": {"method": "none"},
        },
    )


def test_calibration_lowers_the_largest_exposure_and_stores_k(short_cat, item_bank):
    report = services.instrument_exposure_calibrate(
        instrument=short_cat, target_rate=0.4, n_simulees=600, seed=3
    )
    # without control every simulee gets the same most informative first item
    assert report.max_exposure_before == pytest.approx(1.0)
    assert report.max_exposure_after <= 0.4 + 0.05
    assert report.max_exposure_after < report.max_exposure_before
    assert (
        report.n_controlled > 0
        and report.parameter_set_id == item_bank.parameter_set_id
    )
    stored = Instrument.objects.get(pk=short_cat.pk).settings["exposure"]
    assert stored["method"] == "sympson_hetter"
    assert set(stored["k_params"]) == {str(i) for i in item_bank.ids}
    assert all(0 < k <= 1 for k in stored["k_params"].values())
    assert stored["parameter_set_id"] == item_bank.parameter_set_id
    assert Instrument.objects.get(pk=short_cat.pk).settings["max_length"] == 4


def test_sessions_use_the_stored_parameters(make_user, short_cat):
    services.instrument_exposure_calibrate(
        instrument=short_cat, target_rate=0.4, n_simulees=300
    )
    short_cat.refresh_from_db()
    campaign = services.campaign_create(
        instrument=short_cat,
        name_zh="练习",
        kind="practice",
        opens_at=timezone.now() - timedelta(days=1),
    )
    firsts = set()
    for _n in range(8):
        session, _ = services.session_start(
            user=make_user(), campaign=campaign, background={}, consent=True
        )
        firsts.add(session.pending["item_id"])
    # the lottery spreads the first item that, uncontrolled, everyone would get
    assert len(firsts) > 1


def test_command_reports_before_and_after(short_cat):
    out = StringIO()
    call_command(
        "exposure_calibrate",
        "info-cat-short",
        "--target-rate",
        "0.4",
        "--simulees",
        "300",
        stdout=out,
    )
    text = out.getvalue()
    assert "max exposure before (none): 1.000" in text
    assert "max exposure after (sympson_hetter)" in text


def test_command_refuses_unknown_and_non_adaptive_instruments(fixed_campaign):
    with pytest.raises(CommandError, match="No instrument"):
        call_command("exposure_calibrate", "nope")
    with pytest.raises(CommandError):
        call_command("exposure_calibrate", fixed_campaign.instrument.code)
    with pytest.raises(CommandError):
        call_command(
            "exposure_calibrate", fixed_campaign.instrument.code, "--simulees", "5"
        )


def test_an_edit_keeps_the_simulation_record_until_the_parameters_change(short_cat):
    from assessment.services.updates import instrument_update

    services.instrument_exposure_calibrate(
        instrument=short_cat, target_rate=0.4, n_simulees=300, seed=5
    )
    short_cat.refresh_from_db()
    stored = short_cat.settings["exposure"]
    # what the admin form sends back: method and parameters only, keys as integers
    form = {
        "method": "sympson_hetter",
        "k_params": {int(i): k for i, k in stored["k_params"].items()},
    }
    fields = {
        "code": short_cat.code,
        "name_zh": "改名",
        "kind": short_cat.kind,
        "domain_code": short_cat.domain_code,
        "mode": short_cat.mode,
    }
    edited = instrument_update(
        instrument=short_cat,
        **fields,
        settings={**short_cat.settings, "exposure": form},
    )
    assert edited.settings["exposure"]["seed"] == 5
    assert edited.settings["exposure"]["parameter_set_id"] == stored["parameter_set_id"]
    # parameters edited by hand: no longer the simulation's
    form["k_params"][next(iter(form["k_params"]))] = 0.5
    edited = instrument_update(
        instrument=edited, **fields, settings={**edited.settings, "exposure": form}
    )
    assert "seed" not in edited.settings["exposure"]
    assert edited.settings["exposure"]["method"] == "sympson_hetter"
