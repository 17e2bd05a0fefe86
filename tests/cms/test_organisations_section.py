"""The district dashboard's 学习型组织 section: the register by tier and kind, and the
monitoring shares with their SEs, small cells withheld."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def dashboard(home_site, rollups):
    from cms.models import DistrictDashboardPage

    page = DistrictDashboardPage(title="各区监测看板", slug="dashboard", rollup_id=None)
    home_site.add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def organisations(districts):
    from learning_platform.organisations.models import (
        IndicatorSet,
        ItemEvidence,
        MonitoringYear,
        Organisation,
        SampledOrganisation,
        SelfAssessment,
        SetIndicator,
        SetItem,
    )

    hp = next(d for d in districts if d.code == "310101")
    s = IndicatorSet.objects.create(
        kind="family", version=2023, title_zh="学习型家庭", content_sha256="0" * 64
    )
    item = SetItem.objects.create(
        indicator=SetIndicator.objects.create(
            indicator_set=s, code="1", name_zh="家庭阅读"
        ),
        code="1.1",
        text_zh="每人每年读书不少于8本",
        evidence="number",
    )
    year = MonitoringYear.objects.create(year=2025)
    for i in range(31):
        org = Organisation.objects.create(
            kind="family",
            name=f"家庭{i}",
            district=hp,
            slug=f"f{i}",
            tier="model" if i < 3 else "registered",
        )
        sampled = SampledOrganisation.objects.create(
            monitoring_year=year, organisation=org, stratum="310101:family", weight=2.0
        )
        a = SelfAssessment.objects.create(
            sampled=sampled, indicator_set=s, status="done"
        )
        ItemEvidence.objects.create(assessment=a, item=item, meets_threshold=i % 2 == 0)
    return hp


def test_dashboard_has_the_learning_organisations_section(
    client, dashboard, organisations
):
    html = client.get(
        dashboard.url + "?district=310101", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    section = html[html.index('id="learning-organisations"') :]
    assert "黄浦区" in section[:300]
    assert "家庭阅读" in section and "51.6" in section  # 16 of 31
    other = client.get(dashboard.url + "?district=310104").content.decode()
    section = other[other.index('id="learning-organisations"') :]
    assert "51.6" not in section and "数据不足" in section  # 徐汇 has none


def test_dashboard_without_rollups_still_shows_the_section(
    client, home_site, organisations
):
    from cms.models import DistrictDashboardPage

    page = DistrictDashboardPage(title="看板", slug="dash-org")
    home_site.add_child(instance=page)
    html = client.get(page.url).content.decode()
    assert "figure-error" in html and 'id="learning-organisations"' in html
