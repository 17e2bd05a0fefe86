"""The citizen's pages work without JavaScript: start, answer, result, history."""

from __future__ import annotations

import pytest

from assessment.models import Response, Session
from tests.assessment.fixtures import BACKGROUND

pytestmark = pytest.mark.django_db


def test_whole_fixed_test_through_the_pages(
    client, make_user, fixed_campaign, districts
):
    i1, i2, i3 = fixed_campaign.instrument.settings["item_ids"]
    user = make_user()
    landing = client.get(f"/assessment/c/{fixed_campaign.pk}/")
    assert landing.status_code == 200 and "信息素养固定卷" in landing.content.decode()
    client.force_login(user)
    form = client.get(f"/assessment/c/{fixed_campaign.pk}/start/")
    assert form.status_code == 200 and 'name="district_code"' in form.content.decode()
    refused = client.post(f"/assessment/c/{fixed_campaign.pk}/start/", BACKGROUND)
    assert refused.status_code == 422 and not Session.objects.exists()
    started = client.post(
        f"/assessment/c/{fixed_campaign.pk}/start/", {**BACKGROUND, "consent": "yes"}
    )
    session = Session.objects.get()
    assert (
        started.status_code == 302 and started["Location"] == session.get_absolute_url()
    )
    page = client.get(session.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200 and "题目 0" in html and 'type="radio"' in html
    assert "<legend" in html and 'role="alert"' in html
    empty = client.post(
        f"/assessment/s/{session.pk}/answer/", {"sequence": 1, "item_id": i1}
    )
    assert empty.status_code == 422 and not Response.objects.exists()
    for seq, item_id in enumerate([i1, i2, i3], start=1):
        r = client.post(
            f"/assessment/s/{session.pk}/answer/",
            {"sequence": seq, "item_id": item_id, "answer": "B"},
        )
        assert r.status_code == 302
    # a resubmitted form (back button) changes nothing
    client.post(
        f"/assessment/s/{session.pk}/answer/",
        {"sequence": 3, "item_id": i3, "answer": "A"},
    )
    assert Response.objects.filter(session=session).count() == 3
    assert client.get(session.get_absolute_url())["Location"].endswith("/result/")
    result = client.get(f"/assessment/s/{session.pk}/result/").content.decode()
    assert (
        "熟练" in result or "基础" in result or "入门" in result
    ) and "信息素养" in result
    history = client.get("/assessment/history/").content.decode()
    assert f"/assessment/s/{session.pk}/result/" in history


def test_other_users_pages_are_not_found(client, make_user, fixed_campaign):
    i1, i2, i3 = fixed_campaign.instrument.settings["item_ids"]
    from assessment.services import session_start

    session, _ = session_start(
        user=make_user(), campaign=fixed_campaign, background={}, consent=True
    )
    client.force_login(make_user())
    assert client.get(session.get_absolute_url()).status_code == 404
    assert client.get(f"/assessment/s/{session.pk}/result/").status_code == 404
    r = client.post(
        f"/assessment/s/{session.pk}/answer/",
        {"sequence": 1, "item_id": i1, "answer": "B"},
    )
    assert r.status_code == 404 and not Response.objects.exists()


def test_index_lists_open_public_campaigns(client, fixed_campaign):
    html = client.get("/assessment/").content.decode()
    assert f"/assessment/c/{fixed_campaign.pk}/" in html
