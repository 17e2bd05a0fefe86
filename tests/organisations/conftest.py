"""Fixtures of the organisations tests: two districts' staff, organisations in each, their users."""

from __future__ import annotations

import io

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

    community = Organisation.objects.create(
        kind="community",
        name="五里桥街道",
        district=hp,
        street="五里桥街道",
        residents=68000,
        slug="hp-1",
    )
    family = Organisation.objects.create(
        kind="family", name="李家", district=hp, members=3, slug="hp-2"
    )
    other = Organisation.objects.create(
        kind="community", name="天平街道", district=xh, residents=50000, slug="xh-1"
    )
    community.users.add(people["org_user"])
    other.users.add(people["org_user_xh"])
    return {"community": community, "family": family, "other": other}


@pytest.fixture
def org_factory(hp):
    from learning_platform.organisations.models import Organisation

    counter = {"n": 0}

    def _make(*, district=None, kind="community", users=(), **kwargs):
        counter["n"] += 1
        n = counter["n"]
        org = Organisation.objects.create(
            kind=kind,
            name=kwargs.pop("name", f"测试组织{n}"),
            district=district or hp,
            slug=kwargs.pop("slug", f"org-{n}"),
            street=kwargs.pop("street", "外滩街道"),
            **kwargs,
        )
        org.users.add(*users)
        return org

    return _make


@pytest.fixture
def png_bytes():
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 10, 10)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def community_set(db):
    """A small community set: indicator 1 has a number item and a rated item; indicator 2 a rated item."""
    from learning_platform.organisations.models import (
        IndicatorSet,
        SetIndicator,
        SetItem,
    )

    s = IndicatorSet.objects.create(
        kind="community",
        version=2023,
        title_zh="学习型社区指标（测试）",
        content_sha256="0" * 64,
    )
    i1 = SetIndicator.objects.create(
        indicator_set=s, code="1", name_zh="组织保障", sort=1
    )
    i2 = SetIndicator.objects.create(
        indicator_set=s, code="2", name_zh="学习活动", sort=2
    )
    SetItem.objects.create(
        indicator=i1,
        code="1.1",
        text_zh="人均经费不少于10元",
        evidence="number",
        threshold=10,
        comparison="gte",
        sort=1,
    )
    SetItem.objects.create(
        indicator=i1, code="1.2", text_zh="有学习制度", evidence="rating", sort=2
    )
    SetItem.objects.create(
        indicator=i2, code="2.1", text_zh="经常开展活动", evidence="rating", sort=3
    )
    return s


@pytest.fixture
def assess(community_set):
    """Record an approved (or other-state) self-assessment with given item outcomes."""
    from learning_platform.organisations.models import (
        ItemEvidence,
        SampledOrganisation,
        SelfAssessment,
        SetItem,
    )

    items = {
        i.code: i
        for i in SetItem.objects.filter(indicator__indicator_set=community_set)
    }

    def _assess(
        *, year, org, weight, funding_met=True, rule=4, activity=4, status="done"
    ):
        sampled = SampledOrganisation.objects.create(
            monitoring_year=year,
            organisation=org,
            stratum=f"{org.district.code}:{org.kind}",
            weight=weight,
        )
        a = SelfAssessment.objects.create(
            sampled=sampled, indicator_set=community_set, status=status
        )
        ItemEvidence.objects.create(
            assessment=a,
            item=items["1.1"],
            number=12 if funding_met else 5,
            meets_threshold=funding_met,
            score=4 if funding_met else 0,
        )
        ItemEvidence.objects.create(assessment=a, item=items["1.2"], score=rule)
        ItemEvidence.objects.create(assessment=a, item=items["2.1"], score=activity)
        return a

    return _assess
