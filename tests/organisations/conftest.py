"""Fixtures of the organisations tests: two districts' staff, organisations in each, their users."""

from __future__ import annotations

import pytest


@pytest.fixture
def hp(districts):
    return next(d for d in districts if d.code == "310101")


@pytest.fixture
def xh(districts):
    return next(d for d in districts if d.code == "310104")


@pytest.fixture
def people(make_user, hp, xh):
    return {
        "officer": make_user("district_officer", district=hp, username="officer_hp"),
        "stat": make_user("district_statistician", district=hp, username="stat_hp"),
        "officer_xh": make_user("district_officer", district=xh, username="officer_xh"),
        "researcher": make_user("researcher", username="res"),
        "admin": make_user("administrator", username="adm"),
        "org_user": make_user("organisation", username="org_hp"),
        "org_user_xh": make_user("organisation", username="org_xh"),
        "expert": make_user("expert", username="expert"),
        "citizen": make_user("citizen", username="cit"),
    }


@pytest.fixture
def orgs(people, hp, xh):
    from learning_platform.organisations.models import Organisation

    community = Organisation.objects.create(kind="community", name="五里桥街道", district=hp,
                                            street="五里桥街道", residents=68000, slug="hp-1")
    family = Organisation.objects.create(kind="family", name="李家", district=hp, members=3, slug="hp-2")
    other = Organisation.objects.create(kind="community", name="天平街道", district=xh,
                                        residents=50000, slug="xh-1")
    community.users.add(people["org_user"])
    other.users.add(people["org_user_xh"])
    return {"community": community, "family": family, "other": other}
