"""Published survey roll-ups for cms tests, stored through the survey's own models.

The cms reads them only through ``cms.selectors`` (which calls
``assessment.survey.selectors``), as it does in production.
"""

from __future__ import annotations

from datetime import timedelta

DISTRICT_CODES = [
    "310101",
    "310104",
    "310105",
    "310106",
    "310107",
    "310109",
    "310110",
    "310112",
    "310113",
    "310114",
    "310115",
    "310116",
    "310117",
    "310118",
    "310120",
    "310151",
]
LEVELS = ["L1", "L2", "L3", "L4"]
NEEDS = ["health", "digital", "culture"]
# The shape the survey's roll-up writes (assessment.survey), with raw numbers.
METHOD = {
    "sample": {
        "design": "stratified SRS, district × age band × sex",
        "allocation": "equal",
        "n_sampled": 7500,
        "n_respondents": 6000,
        "response_rate": 0.7999999999,
    },
    "weights": {
        "steps": ["base 1/π", "non-response within strata", "raking", "trimming"],
        "raking": {
            "iterations": 4,
            "max_discrepancy": 8.7e-16,
            "converged": True,
            "n_trimmed": 3,
            "max_ratio": 5.0,
        },
    },
    "replicates": {"method": "JK2", "n": 80},
    "models": "2PL/GPCM, concurrent calibration over booklets (MML-EM)",
    "plausible_values": {
        "n": 10,
        "model": "latent regression on background PCs and district",
    },
    "suppression": {"threshold": 30, "complementary": True},
    "linking_error": {"info": 0.007647167296329619},
}


def _cell(
    district,
    domain,
    estimate,
    *,
    se=2.0,
    n=400,
    indicator="attainment_rate",
    category=None,
    suppressed=False,
) -> dict:
    if suppressed:  # the survey stores the figure but flags it; the selector hides it
        return dict(
            district_code=district,
            domain_code=domain,
            indicator=indicator,
            category=category,
            estimate=estimate,
            se=se,
            ci_low=None,
            ci_high=None,
            n=n,
            suppressed=True,
            suppression_reason="primary",
        )
    return dict(
        district_code=district,
        domain_code=domain,
        indicator=indicator,
        category=category,
        estimate=estimate,
        se=se,
        ci_low=estimate - 1.96 * se,
        ci_high=estimate + 1.96 * se,
        n=n,
        suppressed=False,
        suppression_reason="",
    )


def rollup_cells(
    *, shift=0.0, suppressed=("310151",), domains=("info", "science")
) -> list[dict]:
    """City and district rates per domain (district i: base − 8 + i), level and needs shares."""
    cells = []
    for d_index, domain in enumerate(domains):
        base = 60.0 + 5 * d_index + shift
        cells.append(_cell(None, domain, base, se=0.8, n=6000))
        cells.append(
            _cell(
                None, domain, 0.1 + shift / 100, se=0.02, n=6000, indicator="mean_theta"
            )
        )
        for i, code in enumerate(DISTRICT_CODES):
            hidden = code in suppressed
            cells.append(
                _cell(
                    code,
                    domain,
                    base - 8 + i,
                    se=2.5,
                    n=20 if hidden else 350,
                    suppressed=hidden,
                )
            )
        for level, share in zip(LEVELS, [10.0, 30.0, 40.0, 20.0], strict=True):
            cells.append(
                _cell(
                    None,
                    domain,
                    share,
                    se=1.0,
                    n=6000,
                    indicator="level_share",
                    category=level,
                )
            )
    for topic, share in zip(NEEDS, [55.0, 42.0, 18.0], strict=True):
        cells.append(
            _cell(
                None,
                "needs.topics",
                share,
                se=1.2,
                n=6000,
                indicator="needs_share",
                category=topic,
            )
        )
    cells.append(
        _cell(
            "310151",
            "needs.topics",
            33.0,
            n=12,
            indicator="needs_share",
            category="health",
            suppressed=True,
        )
    )
    return cells


def campaign_make(*, year: int):
    from django.utils import timezone

    from assessment.models import Campaign, Instrument

    instrument, _ = Instrument.objects.get_or_create(
        code="cms-survey",
        defaults={
            "name_zh": "市民素养调查",
            "kind": "ability",
            "domain_code": "info",
            "mode": "booklet",
            "settings": {"booklets": [[1, 2]]},
        },
    )
    return Campaign.objects.create(
        name_zh=f"{year} 年专项调查",
        kind="thematic",
        instrument=instrument,
        audience="invited",
        opens_at=timezone.now() - timedelta(days=30),
        closes_at=timezone.now() - timedelta(days=1),
        year=year,
    )


def rollup_make(
    *,
    year: int = 2025,
    shift: float = 0.0,
    campaign=None,
    name: str | None = None,
    suppressed=("310151",),
    published: bool = True,
):
    """Store and publish a roll-up with ``rollup_cells``."""
    import numpy as np

    from assessment.survey.models import (
        RollUp,
        RollUpCell,
        ScoreSet,
        WeightSet,
        pack_arrays,
    )

    campaign = campaign or campaign_make(year=year)
    weights = WeightSet.objects.create(
        campaign=campaign, arrays=pack_arrays(final=np.ones(2))
    )
    scores = ScoreSet.objects.create(
        campaign=campaign, arrays=pack_arrays(x=np.ones(2))
    )
    rollup = RollUp.objects.create(
        name=name or f"{year} 信息素养专项调查汇总",
        campaign=campaign,
        year=year,
        score_set=scores,
        weight_set=weights,
        parameter_set_id=7,
        method=METHOD,
    )
    RollUpCell.objects.bulk_create(
        # The survey stores the city and "no category" as "" (its selectors give None).
        RollUpCell(
            rollup=rollup,
            **{
                **cell,
                "district_code": cell["district_code"] or "",
                "category": cell["category"] or "",
            },
        )
        for cell in rollup_cells(shift=shift, suppressed=suppressed)
    )
    if published:
        rollup.published = True
        rollup.save()
    return rollup
