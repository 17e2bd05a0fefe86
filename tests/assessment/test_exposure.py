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
        code="info-cat-short", name_zh="信息素养短自适应", kind="ability",
        domain_code="info", mode="adaptive",
        settings={"max_length": 4, "min_length": 4, "se_target": 0.01,
                  "exposure": {"method": "none"}},
    )


def test_calibration_lowers_the_largest_exposure_and_stores_k(short_cat, item_bank):
    report = services.instrument_exposure_calibrate(instrument=short_cat, target_rate=0.4,
                                                     n_simulees=600, seed=3)
    # without control every simulee gets the same most informative first item
    assert report.max_exposure_before == pytest.approx(1.0)
    assert report.max_exposure_after <= 0.4 + 0.05
    assert report.max_exposure_after < report.max_exposure_before
    assert report.n_controlled > 0 and report.parameter_set_id == item_bank.parameter_set_id
    stored = Instrument.objects.get(pk=short_cat.pk).settings["exposure"]
    assert stored["method"] == "sympson_hetter"
    assert set(stored["k_params"]) == {str(i) for i in item_bank.ids}
    assert all(0 < k <= 1 for k in stored["k_params"].values())
    assert stored["parameter_set_id"] == item_bank.parameter_set_id
    assert Instrument.objects.get(pk=short_cat.pk).settings["max_length"] == 4


def test_sessions_use_the_stored_parameters(make_user, short_cat):
    services.instrument_exposure_calibrate(instrument=short_cat, target_rate=0.4,
                                           n_simulees=300)
    short_cat.refresh_from_db()
    campaign = services.campaign_create(instrument=short_cat, name_zh="练习", kind="practice",
                                        opens_at=timezone.now() - timedelta(days=1))
    firsts = set()
    for _n in range(8):
        session, _ = services.session_start(user=make_user(), campaign=campaign,
                                            background={}, consent=True)
        firsts.add(session.pending["item_id"])
    # the lottery spreads the first item that, uncontrolled, everyone would get
    assert len(firsts) > 1


def test_command_reports_before_and_after(short_cat):
    out = StringIO()
    call_command("exposure_calibrate", "info-cat-short", "--target-rate", "0.4",
                 "--simulees", "300", stdout=out)
    text = out.getvalue()
    assert "max exposure before (none): 1.000" in text
    assert "max exposure after (sympson_hetter)" in text


def test_command_refuses_unknown_and_non_adaptive_instruments(fixed_campaign):
    with pytest.raises(CommandError, match="No instrument"):
        call_command("exposure_calibrate", "nope")
    with pytest.raises(CommandError):
        call_command("exposure_calibrate", fixed_campaign.instrument.code)
    with pytest.raises(CommandError):
        call_command("exposure_calibrate", fixed_campaign.instrument.code, "--simulees", "5")
