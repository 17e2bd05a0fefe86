"""Parameter-set activation and history, statistics from responses, admin views render."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from itembank import selectors
from itembank.models import ItemParameterSet, ParameterSetActivation
from itembank.services import (
    item_statistics_update,
    parameter_set_activate,
    parameter_set_create,
)

pytestmark = pytest.mark.django_db


def test_activation_switches_the_active_set_and_keeps_history(make_item, make_user):
    item = make_item()
    researcher = make_user("researcher")
    first = parameter_set_create(
        name="2025", model="2pl", source="wave 1", items={item.pk: {"a": 1.0, "b": 0.0}}
    )
    second = parameter_set_create(
        name="2026", model="2pl", source="wave 2", items={item.pk: {"a": 1.5, "b": 0.7}}
    )
    assert (
        selectors.active_parameters().parameter_set_id is None
    )  # inactive until activated
    parameter_set_activate(parameter_set=first, approved_by=researcher, comment="ok")
    parameter_set_activate(
        parameter_set=second, approved_by=researcher, comment="better fit"
    )
    first.refresh_from_db()
    assert not first.is_active and second.is_active
    assert ItemParameterSet.objects.filter(is_active=True).count() == 1
    assert selectors.active_parameters().params.b[0] == pytest.approx(0.7)
    history = list(
        ParameterSetActivation.objects.values_list(
            "parameter_set__name", "previous__name", "comment"
        )
    )
    assert history == [("2026", "2025", "better fit"), ("2025", None, "ok")]
    assert [h["set_name"] for h in selectors.parameter_history(item.pk)] == [
        "2026",
        "2025",
    ]
    with pytest.raises(ValidationError):
        parameter_set_activate(parameter_set=second, approved_by=researcher)
    with pytest.raises(ValidationError):
        parameter_set_activate(parameter_set=first, approved_by=None)


@pytest.mark.parametrize(
    "values",
    [
        {"a": -1, "b": 0},
        {"a": 1},
        {"model": "grm", "a": 1, "thresholds": []},
        {"model": "grm", "a": 1, "thresholds": [1, 0]},
        {"model": "4pl", "a": 1, "b": 0},
        {"model": "3pl", "a": 1, "b": 0, "c": 1.2},
    ],
)
def test_bad_parameters_are_refused_and_nothing_is_saved(make_item, values):
    item = make_item()
    with pytest.raises(ValidationError):
        parameter_set_create(
            name="bad", model="2pl", source="x", items={item.pk: values}
        )
    assert not ItemParameterSet.objects.exists()


def test_statistics_are_recomputed_from_responses(make_item):
    item = make_item()
    rng = np.random.default_rng(1)
    rest = rng.normal(10, 3, 200)
    scores = (rest + rng.normal(0, 2, 200) > 10).astype(float)
    omitted = np.zeros(200, bool)
    omitted[:10] = True
    scores[:10] = np.nan
    seconds = np.full(200, 40.0)
    stats = item_statistics_update(
        item_id=item.pk,
        scores=scores,
        rest_scores=rest,
        seconds=seconds,
        omitted=omitted,
    )
    assert stats.exposure_count == 200
    assert stats.omit_rate == pytest.approx(0.05)
    assert stats.p_value == pytest.approx(np.nanmean(scores[10:]))
    assert stats.item_rest_correlation > 0.4
    assert stats.mean_seconds == pytest.approx(40.0)
    again = item_statistics_update(
        item_id=item.pk,
        scores=[1, 0, 1],
        rest_scores=[3, 1, 2],
        seconds=[10, 20, 30],
        omitted=[False] * 3,
    )
    assert again.pk == stats.pk and again.exposure_count == 3
    with pytest.raises(ValidationError, match="seconds"):
        item_statistics_update(
            item_id=item.pk,
            scores=[1, 0],
            rest_scores=[1, 2],
            seconds=[1],
            omitted=[False, False],
        )


@pytest.fixture
def staff_client(client, make_user):
    from learning_platform.accounts.services import roles_sync

    roles_sync()
    user = make_user("researcher")
    client.force_login(user)
    return client, user


def test_admin_views_render(make_item, staff_client):
    client, user = staff_client
    item = make_item(kind="likert", domain_code="needs.topics")
    other = make_item()
    pset = parameter_set_create(
        name="run",
        model="mixed",
        source="t",
        items={
            item.pk: {"model": "grm", "a": 1.2, "thresholds": [-1, 0, 1]},
            other.pk: {"a": 1, "b": 0.3},
        },
    )
    parameter_set_activate(parameter_set=pset, approved_by=user)
    response = client.get(f"/admin/itembank/item/{item.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="item-curves"' in html and "<polyline" in html
    assert "题干" in html and "很少" in html
    for url in (
        "/admin/itembank/overview/",
        f"/admin/itembank/parameter-set/{pset.pk}/",
        "/admin/snippets/itembank/item/",
        "/admin/snippets/itembank/item/?kind=likert",
        "/admin/snippets/itembank/item/?has_parameters=no&q=T-",
        f"/admin/snippets/itembank/item/edit/{item.pk}/",
    ):
        assert client.get(url).status_code == 200, url
    overview = client.get("/admin/itembank/overview/").content.decode()
    assert 'class="wright-map"' in overview


def test_citizens_cannot_open_the_admin_views(make_item, client, make_user):
    item = make_item()
    client.force_login(make_user("citizen"))
    response = client.get(f"/admin/itembank/item/{item.pk}/")
    assert response.status_code in (302, 403)


def test_demo_bank_loads_twice(db):
    from itembank.demo import load_demo
    from itembank.models import Item

    load_demo(stdout=None)
    load_demo(stdout=None)
    ability = Item.objects.filter(domain__kind="ability", live=True).count()
    needs = Item.objects.filter(domain__kind="needs", live=True).count()
    assert ability >= 120 and needs >= 40
    for code in (
        "info.data",
        "info.communication",
        "info.creation",
        "info.safety",
        "info.problem",
        "science",
        "health",
        "learning",
    ):
        assert Item.objects.filter(domain__code=code).count() >= 10
    active = selectors.active_parameters()
    assert len(active.item_ids) == ability + needs
    assert ItemParameterSet.objects.get(is_active=True).is_demo
    ids = selectors.deliverable_item_ids(domain_codes=["info"])
    assert all(d.payload["options"] for d in selectors.items_for_delivery(ids))
    # invariant 10: the demo's keys are spread over the positions (manage.py itembank_lint)
    lint = selectors.key_position_balance()
    assert {r.kind for r in lint} == {
        "single_choice",
        "multiple_response",
        "true_false",
        "ordered",
    }
    assert not [r for r in lint if r.flagged], lint
