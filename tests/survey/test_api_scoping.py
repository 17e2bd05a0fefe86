"""The survey API reads through scoped selectors: forbidden answers like missing."""

from __future__ import annotations

import pytest
from django.test import Client

from assessment.survey import selectors
from learning_platform.errors import NotFound
from tests.survey.conftest import make_campaign
from tests.survey.test_selectors import _rollup

pytestmark = pytest.mark.django_db


def _officer_client(make_user, districts, code: str) -> tuple[Client, object]:
    officer = make_user(
        "district_officer", district=next(d for d in districts if d.code == code)
    )
    client = Client()
    client.force_login(officer)
    return client, officer


def test_another_districts_rollup_answers_exactly_like_a_missing_one(
    make_user, districts
):
    """An officer gets the same status and body for another district as for nothing."""
    # given a published roll-up with cells for 310101 and 310104
    r = _rollup(make_campaign(year=2025))
    client, _ = _officer_client(make_user, districts, "310101")
    # when the officer of 310101 asks for 310104, an unknown district, an unknown roll-up
    forbidden = client.get(f"/api/v1/survey/rollups/{r.pk}/districts/310104")
    missing_district = client.get(f"/api/v1/survey/rollups/{r.pk}/districts/999999")
    missing_rollup = client.get(f"/api/v1/survey/rollups/{r.pk + 999}/districts/310101")
    # then the answers cannot be told apart
    assert forbidden.status_code == 404
    for other in (missing_district, missing_rollup):
        assert other.status_code == forbidden.status_code
        assert other.content == forbidden.content
    body = forbidden.json()
    assert body["code"] == "not_found" and body["errors"] == []
    own = client.get(f"/api/v1/survey/rollups/{r.pk}/districts/310101")
    assert own.status_code == 200
    assert {c["district_code"] for c in own.json()["cells"]} == {"310101"}


def test_needs_of_another_district_answer_like_a_missing_rollup(make_user, districts):
    """The needs read refuses another district with the missing roll-up's answer."""
    r = _rollup(make_campaign(year=2025))
    client, _ = _officer_client(make_user, districts, "310101")
    forbidden = client.get(f"/api/v1/survey/rollups/{r.pk}/needs?district=310104")
    missing = client.get(f"/api/v1/survey/rollups/{r.pk + 999}/needs")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.content == missing.content


def test_scoped_selectors_raise_not_found_for_missing_and_forbidden(
    make_user, districts
):
    """rollup_for and rollup_district_for raise one NotFound, never Http404."""
    c = make_campaign(year=2025)
    draft = _rollup(c, published=False, name="draft")
    r = _rollup(c, name="final")
    _, officer = _officer_client(make_user, districts, "310101")
    assert selectors.rollup_for(user=officer, rollup_id=r.pk) == r
    with pytest.raises(NotFound):
        selectors.rollup_for(user=officer, rollup_id=draft.pk)
    with pytest.raises(NotFound):
        selectors.rollup_district_for(
            user=officer, rollup_id=r.pk, district_code="310104"
        )
    cells = selectors.rollup_cells_visible_to(user=officer, rollup=r)
    assert {cell.district_code for cell in cells} == {None, "310101"}
    with pytest.raises(NotFound):
        selectors.job_for(user=officer, job_id="not-a-uuid")
    with pytest.raises(NotFound):
        selectors.campaign_for(user=officer, campaign_id=c.pk)
