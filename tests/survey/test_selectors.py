"""The roll-up selectors the CMS reads: only published roll-ups, cells as plain values."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from assessment.survey import selectors
from assessment.survey.models import (
    RollUp,
    RollUpCell,
    ScoreSet,
    WeightSet,
    pack_arrays,
)
from learning_platform.errors import NotFound
from tests.survey.conftest import make_campaign

pytestmark = pytest.mark.django_db


def _rollup(campaign, *, published=True, name="r"):
    import numpy as np

    ws = WeightSet.objects.create(
        campaign=campaign, arrays=pack_arrays(final=np.ones(2))
    )
    ss = ScoreSet.objects.create(campaign=campaign, arrays=pack_arrays(x=np.ones(2)))
    r = RollUp.objects.create(
        name=name,
        campaign=campaign,
        year=campaign.year,
        score_set=ss,
        weight_set=ws,
        method={"pv": 10},
    )
    RollUpCell.objects.create(
        rollup=r,
        district_code="310101",
        domain_code="info",
        indicator="attainment_rate",
        estimate=61.5,
        se=2.0,
        ci_low=57.5,
        ci_high=65.5,
        n=600,
    )
    RollUpCell.objects.create(
        rollup=r,
        district_code="310104",
        domain_code="info",
        indicator="attainment_rate",
        estimate=12.0,
        se=2.0,
        n=12,
        suppressed=True,
        suppression_reason="primary",
    )
    RollUpCell.objects.create(
        rollup=r,
        domain_code="info",
        indicator="attainment_rate",
        estimate=60.0,
        se=1.0,
        ci_low=58.0,
        ci_high=62.0,
        n=9000,
    )
    if published:
        r.published = True
        r.save()
    return r


def test_only_published_rollups_are_available_and_cells_hide_suppressed_figures():
    c = make_campaign(year=2025)
    draft = _rollup(c, published=False, name="draft")
    r = _rollup(c, name="final")
    assert [v.id for v in selectors.rollups_available()] == [r.pk]
    with pytest.raises(NotFound):
        selectors.rollup_get(draft.pk)
    view = selectors.rollup_get(r.pk)
    by_district = {cell.district_code: cell for cell in view.cells}
    assert by_district[None].estimate == 60.0 and by_district[None].n == 9000
    hidden = by_district["310104"]
    assert hidden.suppressed and hidden.estimate is None and hidden.se is None


def test_previous_wave_and_frozen_rollup():
    old = _rollup(make_campaign(year=2020, code="s2020"), name="2020")
    new = _rollup(make_campaign(year=2025, code="s2025"), name="2025")
    assert selectors.rollup_previous(new.pk).id == old.pk
    assert selectors.rollup_previous(old.pk) is None
    new.name = "changed"
    with pytest.raises(ValidationError):
        new.save()
    with pytest.raises(ValidationError):
        RollUpCell.objects.create(
            rollup=new, domain_code="info", indicator="mean_theta", n=1
        )
    assert RollUp.objects.get(pk=new.pk).name == "2025"


def test_change_since_last_wave_adds_the_linking_error(make_user, districts):
    from django.test import Client

    old = _rollup(make_campaign(year=2020, code="s2020"), name="2020")
    new = _rollup(make_campaign(year=2025, code="s2025"), name="2025")
    RollUp.objects.filter(pk=new.pk).update(method={"linking_error": {"info": 0.0}})
    for r, est in ((old, 0.10), (new, 0.25)):
        RollUp.objects.filter(pk=r.pk).update(published=False)
        RollUpCell.objects.create(
            rollup=r,
            district_code="310101",
            domain_code="info",
            indicator="mean_theta",
            estimate=est,
            se=0.03,
            n=600,
        )
        RollUp.objects.filter(pk=r.pk).update(published=True)
    RollUp.objects.filter(pk=new.pk).update(method={"linking_error": {"info": 0.04}})
    rows = selectors.rollup_changes(rollup_id=new.pk, district_code="310101")
    mean = next(x for x in rows if x["indicator"] == "mean_theta")
    assert mean["change"] == pytest.approx(0.15)
    assert mean["se"] == pytest.approx((0.03**2 + 0.03**2 + 0.04**2) ** 0.5)
    # the suppressed district has no change; officers of another district see only the city
    assert not any(x["district_code"] == "310104" for x in rows)
    officer = make_user(
        "district_officer", district=next(d for d in districts if d.code == "310104")
    )
    c = Client()
    c.force_login(officer)
    seen = c.get(f"/api/v1/survey/rollups/{new.pk}/changes").json()
    assert {x["district_code"] for x in seen} == {None}


def test_change_in_a_percentage_adds_its_own_linking_error():
    """Attainment 61.5 % (SE 2.0) vs 58.0 % (SE 1.5) with 1.2 points of linking error on the
    share: SE(Δ) = √(4 + 2.25 + 1.44) = 2.773; a cell without one falls back to 0."""
    old = _rollup(make_campaign(year=2020, code="p2020"), name="2020")
    new = _rollup(make_campaign(year=2025, code="p2025"), name="2025")
    RollUpCell.objects.filter(rollup=old, district_code="310101").update(
        estimate=58.0, se=1.5
    )
    RollUpCell.objects.filter(rollup=old, district_code="").update(
        estimate=59.0, se=1.0
    )
    RollUpCell.objects.filter(rollup=new, district_code="310101").update(
        linking_error=1.2
    )
    RollUp.objects.filter(pk=new.pk).update(method={"linking_error": {"info": 0.05}})
    rows = {x["district_code"]: x for x in selectors.rollup_changes(rollup_id=new.pk)}
    assert rows["310101"]["change"] == pytest.approx(3.5)
    assert rows["310101"]["se"] == pytest.approx(7.69**0.5)
    assert rows["310101"]["linking_error"] == pytest.approx(1.2)
    # the theta-scale error (0.05) is never added to a percentage as if it were points
    assert rows[None]["se"] == pytest.approx(2**0.5)
    # a withheld cell shows no linking error either
    hidden = next(c for c in selectors.rollup_get(new.pk).cells if c.suppressed)
    assert hidden.linking_error is None
