"""Home, instrument landing pages, the report index and the district dashboard."""

from __future__ import annotations

import re

import pytest

from learning_platform.accounts.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def dashboard(home_site, rollups):
    from cms.models import DistrictDashboardPage

    page = DistrictDashboardPage(title="各区监测看板", slug="dashboard", rollup_id=None)
    home_site.add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def instrument(home_site):
    from cms.models import InstrumentPage

    page = InstrumentPage(
        title="市民信息素养测评",
        slug="info-test",
        instrument_code="INFO-2025",
        summary="信息素养自测",
        measures="<p>信息与数据素养</p>",
        duration_minutes=25,
    )
    home_site.add_child(instance=page)
    return page


def test_home_lists_open_tests_and_latest_reports(client, instrument, make_report):
    make_report()
    html = client.get("/").content.decode()
    assert "市民信息素养测评" in html and "2025 年市民信息素养监测报告" in html


def test_instrument_page_starts_by_code_or_by_field(client, instrument):
    html = client.get(instrument.url).content.decode()
    # without a start address, delivery's URL for the instrument code
    assert "INFO-2025" in instrument.start_link()
    assert f'href="{instrument.start_link()}"' in html
    assert "25" in html
    instrument.start_url = "/assessment/custom/"
    instrument.save()
    assert 'href="/assessment/custom/"' in client.get(instrument.url).content.decode()


def test_report_index_filters_by_year_and_topic(
    client, report_index, make_report, snapshot
):
    import copy

    make_report()
    older = copy.deepcopy(snapshot)
    older["rollup"]["year"] = 2020
    science = make_report(title="2020 科学素养报告", slug="science-2020", data=older)
    science.topic = "science"
    science.save()
    all_html = client.get(report_index.url).content.decode()
    assert "2025 年市民信息素养监测报告" in all_html and "2020 科学素养报告" in all_html
    html = client.get(report_index.url + "?year=2020").content.decode()
    assert "2020 科学素养报告" in html and "2025 年市民信息素养监测报告" not in html
    html = client.get(report_index.url + "?topic=information").content.decode()
    assert "2020 科学素养报告" not in html and "2025 年市民信息素养监测报告" in html
    # nonsense filters are ignored rather than failing
    assert client.get(report_index.url + "?year=abc&topic=zzz").status_code == 200


def test_dashboard_shows_all_districts_by_domain(client, dashboard):
    html = client.get(dashboard.url).content.decode()
    rows = re.findall(r'<tr class="[^"]*" data-district="(\d*)">', html)
    assert len(rows) == 17  # the city, then 16 districts
    assert rows[0] == ""
    assert html.count("<svg") == 3  # tiles, bars, trend
    assert 'data-district="310151"' in html
    assert "2025 信息素养专项调查汇总" in html  # source named


def test_district_officer_sees_their_district_first(
    client, dashboard, make_user, districts
):
    xuhui = next(d for d in districts if d.code == "310104")
    officer = make_user(Role.DISTRICT_OFFICER, district=xuhui, username="xh")
    client.force_login(officer)
    html = client.get(dashboard.url).content.decode()
    rows = re.findall(r'<tr class="[^"]*" data-district="(\d*)">', html)
    assert rows[:2] == ["310104", ""]  # own district first, then the city
    assert 'id="focus" data-district="310104"' in html
    assert "徐汇" in re.search(r'id="focus".*?</h2>', html, re.S).group(0)
    # the tile of their district is outlined
    assert re.search(r'data-district="310104">\s*<rect[^>]*stroke="#f0a500"', html)


def test_dashboard_chart_downloads(client, dashboard):
    for kind in ("tiles", "bars", "trend"):
        assert (
            client.get(
                f"/reports/dashboard/{dashboard.pk}/{kind}.svg?district=310101"
            ).status_code
            == 200
        )
    csv_text = client.get(
        f"/reports/dashboard/{dashboard.pk}/tiles.csv"
    ).content.decode("utf-8-sig")
    assert "黄浦区" in csv_text
    assert client.get(f"/reports/dashboard/{dashboard.pk}/pie.svg").status_code == 404
    png = client.get(f"/reports/dashboard/{dashboard.pk}/trend.png?district=310101")
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_dashboard_without_rollups_says_so(client, home_site, districts):
    from cms.models import DistrictDashboardPage

    page = DistrictDashboardPage(title="看板", slug="dash-empty")
    home_site.add_child(instance=page)
    html = client.get(page.url).content.decode()
    assert "figure-error" in html


def test_start_button_opens_the_instruments_open_practice_campaign(client, instrument):
    from datetime import timedelta

    from django.utils import timezone

    from assessment.models import Campaign, Instrument

    tool = Instrument.objects.create(
        code="INFO-2025",
        name_zh="信息素养测评",
        kind="ability",
        domain_code="info",
        mode="fixed",
    )
    now = timezone.now()
    Campaign.objects.create(
        name_zh="已结束",
        kind="practice",
        instrument=tool,
        opens_at=now - timedelta(days=30),
        closes_at=now - timedelta(days=1),
    )
    open_one = Campaign.objects.create(
        name_zh="开放练习",
        kind="practice",
        instrument=tool,
        opens_at=now - timedelta(days=2),
    )
    html = client.get(instrument.url).content.decode()
    assert f'href="/assessment/c/{open_one.pk}/"' in html


def test_dashboard_and_downloads_show_no_figure_for_a_suppressed_district(
    client, dashboard
):
    html = client.get(dashboard.url + "?district=310151").content.decode()
    row = re.search(
        r'<tr class="[^"]*" data-district="310151">(.*?)</tr>', html, re.S
    ).group(1)
    assert re.search(r"\d+\.\d", row) is None
    focus = re.search(r'<ul class="focus-figures">.*?</ul>', html, re.S).group(0)
    assert re.search(r"\d+\.\d+%", focus) is None
    tiles_csv = client.get(
        f"/reports/dashboard/{dashboard.pk}/tiles.csv"
    ).content.decode("utf-8-sig")
    chongming = next(line for line in tiles_csv.splitlines() if line.startswith("崇明"))
    assert re.search(r"\d+\.\d", chongming) is None


def test_dashboard_in_english(client, dashboard):
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(dashboard.url).content.decode()
    assert "Information literacy" in html and "Whole city" in html
    assert "Huangpu" in html


def test_pages_show_their_english_versions_in_the_english_interface(
    client, instrument, make_report
):
    """Content fields that have an English version show it in English; Chinese stays the
    default, and a page without an English version falls back to its Chinese text."""
    from django.conf import settings

    instrument.title_en = "Citizen information literacy test"
    instrument.summary_en = "A self-test of information literacy"
    instrument.measures_en = "<p>Information and data literacy</p>"
    instrument.save()
    report = make_report()
    report.summary_en = "Attainment rates <b>by district</b>"
    report.save()
    zh = client.get(instrument.url).content.decode()
    assert "市民信息素养测评" in zh and "Citizen information literacy test" not in zh
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    en = client.get(instrument.url).content.decode()
    assert "<h1>Citizen information literacy test</h1>" in en
    assert (
        "A self-test of information literacy" in en
        and "Information and data literacy" in en
    )
    assert "信息素养自测" not in en
    home = client.get("/").content.decode()
    assert "Citizen information literacy test" in home
    # the report has no English title: its Chinese title is shown; markup stays escaped
    assert "2025 年市民信息素养监测报告" in home
    assert "Attainment rates &lt;b&gt;by district&lt;/b&gt;" in home
