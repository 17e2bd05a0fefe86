"""Roll-up views for cms tests, in the survey's RollUpView/RollUpCell shape.

Until ``assessment.survey.selectors`` exists, dataclasses of the same shape
(notes/interfaces.md) stand in; the pure snapshot and rendering code only reads
attributes, so the same tests run on the real classes once they land.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

try:
    from assessment.survey.selectors import RollUpCell, RollUpView
except ImportError:  # the survey's selectors have not landed yet

    @dataclass(frozen=True)
    class RollUpCell:  # type: ignore[no-redef]
        district_code: str | None
        domain_code: str
        indicator: str
        category: str | None
        estimate: float | None
        se: float | None
        ci_low: float | None
        ci_high: float | None
        n: int
        suppressed: bool
        suppression_reason: str

    @dataclass(frozen=True)
    class RollUpView:  # type: ignore[no-redef]
        id: int
        name: str
        campaign_name: str
        year: int
        created_at: datetime
        parameter_set_id: int | None
        method: dict
        cells: list = field(default_factory=list)


DISTRICT_CODES = [
    "310101", "310104", "310105", "310106", "310107", "310109", "310110", "310112",
    "310113", "310114", "310115", "310116", "310117", "310118", "310120", "310151",
]
LEVELS = ["L1", "L2", "L3", "L4"]
NEEDS = ["health", "digital", "culture"]


def rate_cell(district, domain, estimate, *, se=2.0, n=400, indicator="attainment_rate",
              category=None, suppressed=False):
    if suppressed:
        return RollUpCell(district, domain, indicator, category, None, None, None, None, n, True,
                          "n below 30")
    return RollUpCell(district, domain, indicator, category, estimate, se,
                      estimate - 1.96 * se, estimate + 1.96 * se, n, False, "")


def rollup_view_make(*, rollup_id=1, year=2025, shift=0.0, suppressed=("310151",),
                     domains=("info", "science"), name=None) -> RollUpView:
    """A roll-up with city and district rates per domain, level shares and needs shares."""
    cells = []
    for d_index, domain in enumerate(domains):
        base = 60.0 + 5 * d_index + shift
        cells.append(rate_cell(None, domain, base, se=0.8, n=6000))
        cells.append(rate_cell(None, domain, 0.1 + shift / 100, se=0.02, n=6000,
                               indicator="mean_theta"))
        for i, code in enumerate(DISTRICT_CODES):
            cells.append(rate_cell(code, domain, base - 8 + i, se=2.5, n=20 if code in suppressed
                                   else 350, suppressed=code in suppressed))
        shares = [10.0, 30.0, 40.0, 20.0]
        for level, share in zip(LEVELS, shares, strict=True):
            cells.append(rate_cell(None, domain, share, se=1.0, n=6000, indicator="level_share",
                                   category=level))
    for topic, share in zip(NEEDS, [55.0, 42.0, 18.0], strict=True):
        cells.append(rate_cell(None, "needs.topics", share, se=1.2, n=6000,
                               indicator="needs_share", category=topic))
    cells.append(rate_cell("310151", "needs.topics", 0, n=12, indicator="needs_share",
                           category="health", suppressed=True))
    return RollUpView(
        id=rollup_id, name=name or f"{year} 信息素养专项调查汇总", campaign_name=f"{year} 年专项调查",
        year=year, created_at=datetime(year, 12, 1, tzinfo=UTC), parameter_set_id=7,
        method={"sample": "分层抽样 n=6000", "weights": "raking, trimmed at 5",
                "models": "2PL", "replicates": "80 paired jackknife"},
        cells=cells,
    )


