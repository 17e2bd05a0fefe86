"""The roll-up cell has one definition: the API, the selectors and the CMS snapshot all
give the same fields, and the API's JSON is the one it always was."""

from __future__ import annotations

import pytest
from django.test import Client

from assessment.survey import selectors
from assessment.survey.schemas import RollUpCell
from cms.figures import Figure, Figures
from cms.selectors import snapshot_from_views
from tests.survey.conftest import make_campaign
from tests.survey.test_selectors import _rollup

pytestmark = pytest.mark.django_db

# The cell JSON the survey API has always returned (field names, order and values).
API_CELLS = [
    {
        "district_code": "310101",
        "domain_code": "info",
        "indicator": "attainment_rate",
        "category": None,
        "estimate": 61.5,
        "se": 2.0,
        "ci_low": 57.5,
        "ci_high": 65.5,
        "n": 600,
        "suppressed": False,
        "suppression_reason": "",
        "breakdown": "",
        "breakdown_value": "",
        "linking_error": None,
    },
    {
        "district_code": "310104",
        "domain_code": "info",
        "indicator": "attainment_rate",
        "category": None,
        "estimate": None,
        "se": None,
        "ci_low": None,
        "ci_high": None,
        "n": 12,
        "suppressed": True,
        "suppression_reason": "primary",
        "breakdown": "",
        "breakdown_value": "",
        "linking_error": None,
    },
    {
        "district_code": None,
        "domain_code": "info",
        "indicator": "attainment_rate",
        "category": None,
        "estimate": 60.0,
        "se": 1.0,
        "ci_low": 58.0,
        "ci_high": 62.0,
        "n": 9000,
        "suppressed": False,
        "suppression_reason": "",
        "breakdown": "",
        "breakdown_value": "",
        "linking_error": None,
    },
]


def _key(cell: dict) -> tuple:
    return (cell["district_code"] or "", cell["domain_code"], cell["indicator"])


def test_api_returns_the_cell_json_it_always_did(make_user):
    r = _rollup(make_campaign(year=2025))
    client = Client()
    client.force_login(make_user("researcher"))
    body = client.get(f"/api/v1/survey/rollups/{r.pk}").json()
    cells = sorted(body["cells"], key=_key)
    assert cells == sorted(API_CELLS, key=_key)
    assert [list(c) for c in cells] == [list(API_CELLS[0])] * 3  # same field order
    assert list(RollUpCell.model_fields) == list(API_CELLS[0])


def test_selectors_snapshot_and_figures_share_the_one_cell(make_user):
    r = _rollup(make_campaign(year=2025))
    view = selectors.rollup_get(r.pk)
    assert all(type(c) is RollUpCell for c in view.cells)
    assert sorted((c.model_dump() for c in view.cells), key=_key) == sorted(
        API_CELLS, key=_key
    )
    snapshot = snapshot_from_views(view, [])
    assert {tuple(c) for c in snapshot["cells"]} == {
        tuple(k for k in API_CELLS[0] if not k.startswith("breakdown"))
    }
    figure = Figures(snapshot).cell("info", "attainment_rate", "310101")
    assert isinstance(figure, Figure) and isinstance(figure, RollUpCell)
    assert (figure.estimate, figure.n, figure.formatted()) == (61.5, 600, "61.5%")


def test_a_suppressed_cell_never_carries_a_figure_whatever_its_source():
    source = {**API_CELLS[0], "suppressed": True, "linking_error": 0.4}
    for cell in (
        RollUpCell(**source),
        RollUpCell.model_validate(source),
        Figure.model_validate({**source, "district_name": "黄浦区"}),
    ):
        assert (cell.estimate, cell.se, cell.ci_low, cell.ci_high) == (None,) * 4
        assert cell.linking_error is None and cell.n == 600
