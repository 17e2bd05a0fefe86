from __future__ import annotations

from ninja import Router

from learning_platform.auth import public
from learning_platform.districts.models import District
from learning_platform.districts.schemas import DistrictOut
from learning_platform.districts.selectors import district_get, district_list

router = Router(tags=["districts"])


def _district_out(district: District) -> dict:
    figure = district.figures.order_by("-year").first()
    return {
        "code": district.code,
        "name_zh": district.name_zh,
        "name_en": district.name_en,
        "resident_population_10k": figure.resident_population_10k if figure else None,
        "population_year": figure.year if figure else None,
    }


@router.get(
    "/",
    response=list[DistrictOut],
    auth=public,
    url_name="district_list",
    operation_id="district_list",
)
def list_districts(request):
    """List the districts with their latest resident population (10,000s)."""
    return [_district_out(d) for d in district_list().prefetch_related("figures")]


@router.get(
    "/{code}",
    response=DistrictOut,
    auth=public,
    url_name="district_detail",
    operation_id="district_detail",
)
def get_district(request, code: str):
    """Return one district by its division code."""
    return _district_out(district_get(code=code))
