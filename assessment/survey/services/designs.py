"""Sample designs: population counts per stratum and the allocation of a campaign's sample."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assessment.models import Campaign, CampaignKind
from assessment.survey.models import (
    AllocationMethod,
    RakingVariables,
    SampleDesign,
    Stratum,
)
from learning_platform.districts.models import District, DistrictYearFigure
from psychometrics.survey import Strata, allocate

# Age bands of the background questionnaire (assessment.background) and the share of
# the resident population aged 15+ in each (Shanghai 2020 census, rounded).
AGE_SHARES: dict[str, float] = {
    "15-24": 0.10,
    "25-34": 0.19,
    "35-44": 0.17,
    "45-54": 0.16,
    "55-64": 0.16,
    "65-74": 0.13,
    "75+": 0.09,
}
SEX_SHARES: dict[str, float] = {"female": 0.49, "male": 0.51}
ADULT_SHARE = 0.88  # share of residents aged 15 or more
EDUCATION_ORDER = [
    "primary",
    "junior_secondary",
    "senior_secondary",
    "junior_college",
    "bachelor",
    "postgraduate",
]


# ---------------------------------------------------------------- sample design
def population_counts(
    *, year: int, age_shares: Mapping[str, float] | None = None
) -> dict[tuple[str, str, str], int]:
    """Population per district × age band × sex from the districts' figures of ``year``."""

    shares = dict(age_shares or AGE_SHARES)
    total = sum(shares.values())
    if not shares or total <= 0 or any(v < 0 for v in shares.values()):
        raise ValidationError(
            {"age_shares": _("Age-band shares must be non-negative and not all zero.")}
        )
    counts: dict[tuple[str, str, str], int] = {}
    missing = []
    for district in District.objects.all():
        fig = (
            DistrictYearFigure.objects.filter(district=district, year__lte=year)
            .order_by("-year")
            .first()
        )
        if fig is None:
            missing.append(district.code)
            continue
        adults = float(fig.resident_population_10k) * 10_000 * ADULT_SHARE
        for band, share in shares.items():
            for sex, s_share in SEX_SHARES.items():
                n = int(round(adults * share / total * s_share))
                if n > 0:
                    counts[(district.code, band, sex)] = n
    if missing:
        raise ValidationError(
            {
                "population_year": _(
                    "No population figures for district(s) %(codes)s in or before %(year)s."
                )
                % {"codes": ", ".join(missing), "year": year}
            }
        )
    if not counts:
        raise ValidationError(
            {"population_year": _("There are no districts to sample from.")}
        )
    return counts


@transaction.atomic
def design_create(
    *,
    campaign: Campaign,
    method: str,
    sample_size: int,
    minimum_per_district: int = 0,
    population_year: int,
    age_shares: Mapping[str, float] | None = None,
    raking_variables: str = RakingVariables.AGE_SEX,
    created_by=None,
) -> SampleDesign:
    """Allocate the campaign's sample over district × age band × sex strata.

    ``raking_variables`` chooses the margins the weights are raked to besides the
    districts': age band and sex (default), or those and education (census figures).
    """
    if campaign.kind not in (CampaignKind.FIVE_YEARLY, CampaignKind.THEMATIC):
        raise ValidationError(
            {"campaign": _("Only survey campaigns take a sample design.")}
        )
    if hasattr(campaign, "sample_design"):
        raise ValidationError(
            {"campaign": _("This campaign already has a sample design.")}
        )
    if method not in AllocationMethod.values:
        raise ValidationError(
            {"method": _("Unknown allocation method %(m)r.") % {"m": method}}
        )
    if raking_variables not in RakingVariables.values:
        raise ValidationError(
            {
                "raking_variables": _("Unknown raking variables %(v)r.")
                % {"v": raking_variables}
            }
        )
    counts = population_counts(year=population_year, age_shares=age_shares)
    try:
        design = allocate(
            Strata.from_counts(counts),
            int(sample_size),
            method=method,
            minimum=int(minimum_per_district),
        )
    except ValueError as exc:
        raise ValidationError({"sample_size": str(exc)}) from exc
    row = SampleDesign.objects.create(
        campaign=campaign,
        method=method,
        sample_size=sample_size,
        minimum_per_district=minimum_per_district,
        population_year=population_year,
        age_shares=dict(age_shares or AGE_SHARES),
        raking_variables=raking_variables,
        created_by=created_by,
    )
    st = design.strata
    Stratum.objects.bulk_create(
        [
            Stratum(
                design=row,
                district_code=str(d),
                age_band=str(a),
                sex=str(s),
                population=int(p),
                allocation=int(n),
                inclusion_probability=float(pi),
            )
            for d, a, s, p, n, pi in zip(
                st.district,
                st.age_band,
                st.sex,
                st.population,
                design.allocation,
                design.inclusion_probability,
                strict=True,
            )
        ]
    )
    return row


@transaction.atomic
def design_from_allocation(
    *,
    campaign: Campaign,
    design,
    method: str = "minimum",
    minimum_per_district: int = 0,
    population_year: int,
    labels=None,
) -> SampleDesign:
    """Store an allocation computed elsewhere (e.g. a simulated city) as the campaign's design.

    ``labels(district, age_band, sex) -> (district_code, age_band, sex)`` maps the
    design's stratum labels to the platform's codes.
    """
    if hasattr(campaign, "sample_design"):
        raise ValidationError(
            {"campaign": _("This campaign already has a sample design.")}
        )
    st = design.strata
    row = SampleDesign.objects.create(
        campaign=campaign,
        method=method,
        sample_size=int(design.allocation.sum()),
        minimum_per_district=minimum_per_district,
        population_year=population_year,
    )
    rows = []
    for d, a, s, p, n, pi in zip(
        st.district,
        st.age_band,
        st.sex,
        st.population,
        design.allocation,
        design.inclusion_probability,
        strict=True,
    ):
        dc, ab, sx = labels(d, a, s) if labels else (str(d), str(a), str(s))
        rows.append(
            Stratum(
                design=row,
                district_code=dc,
                age_band=ab,
                sex=sx,
                population=int(p),
                allocation=int(n),
                inclusion_probability=float(pi),
            )
        )
    Stratum.objects.bulk_create(rows)
    return row
