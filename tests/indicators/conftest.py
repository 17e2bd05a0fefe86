from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.fixture
def framework(db):
    call_command("load_indicator_framework", verbosity=0)
    from learning_platform.indicators.models import FrameworkVersion

    return FrameworkVersion.objects.get(year=2023)


@pytest.fixture
def hp(districts):
    return next(d for d in districts if d.code == "310101")


@pytest.fixture
def xh(districts):
    return next(d for d in districts if d.code == "310104")


@pytest.fixture
def staff(make_user, hp, xh):
    return {
        "stat": make_user("district_statistician", district=hp, username="stat"),
        "liaison": make_user("district_liaison", district=hp, username="liaison"),
        "head": make_user("district_head", district=hp, username="head"),
        "stat_xh": make_user("district_statistician", district=xh, username="stat_xh"),
        "liaison_xh": make_user("district_liaison", district=xh, username="liaison_xh"),
        "head_xh": make_user("district_head", district=xh, username="head_xh"),
        "researcher": make_user("researcher", username="res"),
        "citizen": make_user("citizen", username="cit"),
    }


@pytest.fixture
def full_form():
    from learning_platform.indicators.demo import DETAILS, HUANGPU_2025

    data = {f"v_{k}": v for k, v in HUANGPU_2025.items()}
    data.update({f"d_{k}": v for k, v in DETAILS.items()})
    return data
