"""Demo pages: instrument landing pages, the report index, a published report, the dashboard."""

from __future__ import annotations

import json

from assessment.models import Audience, Instrument
from cms.models import (
    DistrictDashboardPage,
    DistrictMonitoringReportPage,
    HomePage,
    InstrumentPage,
    ReportIndexPage,
    SurveyReportPage,
)
from cms.selectors import rollup_latest_id, rollup_snapshot
from cms.services import (
    home_site_ensure,
    page_permissions_ensure,
    report_workflow_ensure,
)
from learning_platform.indicators.models import Submission
from learning_platform.indicators.monitoring import APPROVED

# code, title, summary, minutes, what it measures
DEMO_INSTRUMENTS = (
    (
        "INFO-LIT",
        "市民信息素养测评",
        "了解自己获取、评价和使用数字信息的能力。",
        25,
        "<p>信息与数据素养、交流与协作、数字内容创作、安全意识和问题解决。</p>",
    ),
    (
        "SCI-LIT",
        "市民科学素养测评",
        "用日常情境检验科学知识和科学思维。",
        20,
        "<p>基本科学知识、科学方法和用科学看待生活问题的能力。</p>",
    ),
    (
        "HEALTH-LIT",
        "市民健康素养测评",
        "检验健康知识、健康行为和获取健康信息的能力。",
        20,
        "<p>健康知识与理念、健康生活方式与行为、基本技能。</p>",
    ),
    (
        "LEARN-NEEDS",
        "终身学习需求问卷",
        "告诉我们您想学什么、怎么学、什么时候学。",
        10,
        "<p>学习内容、学习方式、学习时间和学习障碍。</p>",
    ),
)

# code -> English title, summary and what it measures (shown in the English interface)
DEMO_INSTRUMENTS_EN = {
    "INFO-LIT": (
        "Citizen information literacy test",
        "Find out how well you find, judge and use digital information.",
        "<p>Information and data literacy, communication and collaboration, digital "
        "content creation, safety and problem solving.</p>",
    ),
    "SCI-LIT": (
        "Citizen science literacy test",
        "Everyday situations that test scientific knowledge and thinking.",
        "<p>Basic scientific knowledge, scientific method and a scientific view of "
        "everyday problems.</p>",
    ),
    "HEALTH-LIT": (
        "Citizen health literacy test",
        "Health knowledge, healthy behaviour and finding health information.",
        "<p>Health knowledge and ideas, healthy lifestyle and behaviour, basic "
        "skills.</p>",
    ),
    "LEARN-NEEDS": (
        "Lifelong-learning needs questionnaire",
        "Tell us what, how and when you want to learn.",
        "<p>What to learn, how to learn, when to learn and what stands in the way.</p>",
    ),
}

DEMO_REPORT_BODY = [
    {
        "type": "rich_text",
        "value": "<p>本报告发布全市及16个区市民信息素养监测的主要结果。"
        "所有数字均来自所选的汇总结果，并注明其来源。</p>",
    },
    {
        "type": "headline",
        "value": {
            "domain": "info",
            "indicator": "attainment_rate",
            "district": "",
            "label": "全市市民信息素养达标率",
        },
    },
    {
        "type": "district_table",
        "value": {"domain": "info", "indicator": "attainment_rate"},
    },
    {
        "type": "district_bars",
        "value": {"domain": "info", "indicator": "attainment_rate"},
    },
    {"type": "level_distribution", "value": {"domain": "info", "district": ""}},
    {
        "type": "trend",
        "value": {"domain": "info", "indicator": "attainment_rate", "district": ""},
    },
    {"type": "needs_profile", "value": {"domain": "needs.topics", "district": ""}},
    {
        "type": "methodology",
        "value": {
            "notes": "<p>达标率为达到“达标”水平及以上的加权比例；"
            "样本量不足的单元格不予显示。</p>"
        },
    },
]


def _instruments() -> list[tuple[str, str, str, int, str]]:
    """Delivery's instruments that citizens can take (a public campaign), else the demo list."""
    try:
        rows = list(
            Instrument.objects.filter(campaigns__audience=Audience.PUBLIC)
            .distinct()
            .values_list("code", "name_zh")
        )
    except Exception:  # noqa: BLE001 - delivery may not have its models yet
        rows = []
    known = {code: row for row in DEMO_INSTRUMENTS for code in [row[0]]}
    if not rows:
        return list(DEMO_INSTRUMENTS)
    return [known.get(code, (code, name, name, 20, "")) for code, name in rows]


def _instrument_name_en(code: str) -> str:
    return (
        Instrument.objects.filter(code=code).values_list("name_en", flat=True).first()
        or ""
    )


def _child(parent, model, slug: str, **fields):
    existing = model.objects.child_of(parent).filter(slug=slug).first()
    if existing is not None:
        return existing, False
    page = model(slug=slug, **fields)
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page, True


def load_demo(*, stdout) -> None:
    home = home_site_ensure()
    home = HomePage.objects.get(pk=home.pk)
    page_permissions_ensure()
    if not home.title_en:
        home.title_en = "Citizen lifelong-learning monitoring"
        home.intro_en = (
            "Get to know your lifelong-learning abilities and take part in "
            "Shanghai's citizen lifelong-learning monitoring."
        )
        home.save_revision().publish()
    for code, title, summary, minutes, measures in _instruments():
        title_en, summary_en, measures_en = DEMO_INSTRUMENTS_EN.get(
            code, (_instrument_name_en(code), "", "")
        )
        _child(
            home,
            InstrumentPage,
            f"test-{code.lower()}",
            title=title,
            instrument_code=code,
            summary=summary,
            duration_minutes=minutes,
            measures=measures,
            title_en=title_en,
            summary_en=summary_en,
            measures_en=measures_en,
        )
    index, _created = _child(
        home,
        ReportIndexPage,
        "reports",
        title="监测报告",
        intro="市民终身学习监测研究报告",
        title_en="Monitoring reports",
        intro_en="Research reports of the citizen lifelong-learning monitoring",
    )
    report_workflow_ensure()
    _child(
        home,
        DistrictDashboardPage,
        "dashboard",
        title="各区市民信息素养看板",
        intro="16个区的达标率、置信区间和变化。",
        title_en="District information-literacy dashboard",
        intro_en="The 16 districts' attainment rates, confidence intervals and changes.",
    )
    district_report_ensure(parent=index, stdout=stdout)
    rollup_id = rollup_latest_id()
    if rollup_id is None:
        stdout.write(
            "  cms: no finished roll-up yet, so no demo report (run the survey demo first)."
        )
        return
    if SurveyReportPage.objects.child_of(index).filter(rollup_id=rollup_id).exists():
        stdout.write(f"  cms: report on roll-up #{rollup_id} exists.")
        return

    snapshot = rollup_snapshot(rollup_id)
    report = SurveyReportPage(
        title="上海市民信息素养监测报告",
        slug=f"report-{rollup_id}",
        summary="全市及各区市民信息素养达标率与学习需求",
        topic="information",
        title_en="Shanghai citizen information literacy monitoring report",
        summary_en="Information-literacy attainment rates and learning "
        "needs, city-wide and by district",
        rollup_id=rollup_id,
        live=False,
        body=json.dumps(demo_report_body(snapshot)),
    )
    index.add_child(instance=report)
    # Bypasses review: the demo publishes directly as the system.
    report.save_revision().publish()
    stdout.write(f"  cms: published a report on roll-up #{rollup_id}.")


def district_report_ensure(*, parent, stdout) -> None:
    """Publish the annual district monitoring report of the newest year with an approved filing."""

    year = (
        Submission.objects.filter(status__in=APPROVED)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    if year is None:
        stdout.write(
            "  cms: no approved district filing yet, so no district monitoring report."
        )
        return
    if DistrictMonitoringReportPage.objects.filter(year=year).exists():
        stdout.write(f"  cms: district monitoring report {year} exists.")
        return
    page = DistrictMonitoringReportPage(
        title=f"{year}年度上海市学习型城区建设监测报告",
        slug=f"district-report-{year}",
        year=year,
        summary="各区六项一级指标、目标核对与联合国教科文组织学习型城市关键特征对照",
        live=False,
    )
    parent.add_child(instance=page)
    page.save_revision().publish()  # the demo publishes directly as the system
    stdout.write(f"  cms: published the district monitoring report {year}.")


def demo_report_body(snapshot: dict) -> list[dict]:
    """The demo body, keeping only the blocks whose figures the roll-up holds."""
    held = {(c["domain_code"], c["indicator"]) for c in snapshot.get("cells", [])}
    body = []
    for block in DEMO_REPORT_BODY:
        value = block["value"] if isinstance(block["value"], dict) else {}
        domain = value.get("domain")
        indicator = value.get("indicator") or {
            "level_distribution": "level_share",
            "needs_profile": "needs_share",
        }.get(block["type"])
        if domain and indicator and (domain, indicator) not in held:
            continue
        body.append(block)
    for domain in (
        "science",
        "health",
    ):  # further domains the roll-up holds get a table
        if (domain, "attainment_rate") in held:
            body.insert(
                -1,
                {
                    "type": "district_table",
                    "value": {"domain": domain, "indicator": "attainment_rate"},
                },
            )
    return body
