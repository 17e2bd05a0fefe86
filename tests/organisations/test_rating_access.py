"""Expert rating pages and API: blindness, access and clear errors."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from learning_platform.organisations.models import RaterAssignment, Rating
from learning_platform.organisations.services import rating as services
from learning_platform.start import header_links, start_url
from tests.organisations.rating_fixtures import (
    make_assessment,
    make_set,
    make_year,
    rated_item_ids,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/organisations/rating"


@pytest.fixture
def hp(districts):
    return next(d for d in districts if d.code == "310101")


@pytest.fixture
def setup(hp, make_user):
    researcher = make_user("researcher", username="res")
    first = make_user("expert", username="first")
    second = make_user("expert", username="second")
    outsider = make_user("expert", username="outsider")
    officer = make_user("district_officer", district=hp, username="officer")
    indicator_set = make_set()
    year = make_year()
    assessment = make_assessment(
        district=hp, indicator_set=indicator_set, monitoring_year=year
    )
    one = services.rater_assign(
        assessment=assessment, rater=first, round=1, actor=researcher
    )
    two = services.rater_assign(
        assessment=assessment, rater=second, round=2, actor=researcher
    )
    return {
        "researcher": researcher,
        "first": first,
        "second": second,
        "outsider": outsider,
        "officer": officer,
        "assessment": assessment,
        "one": one,
        "two": two,
        "items": rated_item_ids(indicator_set),
        "year": year,
    }


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _put(client, assignment_id, body):
    return client.put(
        f"{API}/assignments/{assignment_id}",
        data=json.dumps(body),
        content_type="application/json",
    )


# ------------------------------------------------------------------ blindness


def test_a_rater_cannot_see_the_other_raters_score_before_submitting(setup):
    """Rater 1 has submitted distinctive scores and comments; rater 2 finds none of them."""
    a, b, c = setup["items"]
    services.ratings_save(
        assignment=setup["one"],
        user=setup["first"],
        submit=True,
        scores={a: 4, b: 0, c: 4},
        comments={a: "第一位专家的秘密评语", b: "", c: ""},
    )
    client = _client(setup["second"])
    page = client.get(f"/organisations/rating/{setup['two'].pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "第一位专家的秘密评语" not in text
    assert "selected" not in text  # nothing preselected: rater 2 has no score yet
    # the other rater's assignment is missing, in the pages and in the API
    assert client.get(f"/organisations/rating/{setup['one'].pk}/").status_code == 404
    assert client.get(f"{API}/assignments/{setup['one'].pk}").status_code == 404
    detail = client.get(f"{API}/assignments/{setup['two'].pk}").json()
    assert [i["score"] for i in detail["items"]] == [None, None, None]
    assert "第一位专家的秘密评语" not in json.dumps(detail, ensure_ascii=False)
    listing = client.get(f"{API}/assignments").json()
    assert [row["id"] for row in listing] == [setup["two"].pk]
    # the researchers' view of the scores is closed to raters
    assert client.get(f"{API}/assessments/{setup['assessment'].pk}").status_code == 404
    assert (
        client.get(f"/organisations/rating/assign/{setup['year'].year}/").status_code
        == 403
    )


def test_rater_sees_own_draft_only(setup):
    a, b, c = setup["items"]
    services.ratings_save(
        assignment=setup["two"],
        user=setup["second"],
        scores={a: 2},
        comments={a: "我的草稿"},
    )
    services.ratings_save(
        assignment=setup["one"],
        user=setup["first"],
        scores={a: 4},
        comments={a: "别人的草稿"},
    )
    detail = _client(setup["second"]).get(f"{API}/assignments/{setup['two'].pk}").json()
    assert (
        detail["items"][0]["score"] == 2 and detail["items"][0]["comment"] == "我的草稿"
    )
    page = (
        _client(setup["second"])
        .get(f"/organisations/rating/{setup['two'].pk}/")
        .content.decode()
    )
    assert "我的草稿" in page and "别人的草稿" not in page


def test_a_researcher_who_is_also_a_rater_is_blind_until_submitting(
    setup, make_user, hp
):
    """City users read every score, except on an assessment they rate and have not submitted."""
    both = make_user("researcher", "expert", username="both")
    a, b, c = setup["items"]
    services.ratings_save(
        assignment=setup["one"],
        user=setup["first"],
        submit=True,
        scores=dict.fromkeys(setup["items"], 1),
    )
    services.ratings_save(
        assignment=setup["two"],
        user=setup["second"],
        submit=True,
        scores={a: 4, b: 1, c: 1},
    )
    third = RaterAssignment.objects.get(assessment=setup["assessment"], round=3)
    third.rater = both
    third.save()
    url = f"{API}/assessments/{setup['assessment'].pk}"
    assert _client(both).get(url).status_code == 404
    services.ratings_save(assignment=third, user=both, submit=True, scores={a: 3})
    body = _client(both).get(url).json()
    assert body["items"][0]["scores"] == {"1": 1, "2": 4, "3": 3}
    assert body["items"][0]["final"] == 3.0
    assert body["state"] == "done"


def test_researchers_read_submitted_scores_but_not_drafts(setup):
    a, _b, _c = setup["items"]
    services.ratings_save(assignment=setup["one"], user=setup["first"], scores={a: 2})
    body = (
        _client(setup["researcher"])
        .get(f"{API}/assessments/{setup['assessment'].pk}")
        .json()
    )
    assert body["items"][0]["scores"] == {"1": None, "2": None, "3": None}


# ------------------------------------------------------------------ access


@pytest.mark.parametrize("who", ["outsider", "researcher", "officer"])
def test_only_the_rater_opens_an_assignment(setup, who):
    client = _client(setup[who])
    one = setup["one"].pk
    assert client.get(f"/organisations/rating/{one}/").status_code == 404
    assert client.get(f"{API}/assignments/{one}").status_code == 404
    assert (
        _put(
            client, one, {"ratings": [{"item_id": setup["items"][0], "score": 1}]}
        ).status_code
        == 404
    )
    assert (
        client.get(
            f"/organisations/rating/{one}/evidence/{setup['items'][0]}/"
        ).status_code
        == 404
    )
    assert Rating.objects.count() == 0


def test_anonymous_is_sent_to_sign_in_and_api_says_401(setup):
    client = Client()
    assert client.get("/organisations/rating/").status_code == 302
    assert client.get(f"{API}/assignments").status_code == 401


def test_queue_lists_own_assignments_only(setup):
    page = _client(setup["first"]).get("/organisations/rating/")
    assert page.status_code == 200
    assert f"/organisations/rating/{setup['one'].pk}/" in page.content.decode()
    assert f"/organisations/rating/{setup['two'].pk}/" not in page.content.decode()
    assert _client(setup["outsider"]).get(f"{API}/assignments").json() == []
    assert _client(setup["officer"]).get("/organisations/rating/").status_code == 403


def test_researcher_pages_and_operations_are_closed_to_others(setup):
    year = setup["year"].year
    for who in ("first", "officer"):
        client = _client(setup[who])
        assert client.get(f"/organisations/rating/agreement/{year}/").status_code == 403
        assert client.get(f"{API}/years/{year}/agreement").status_code == 403
        assert (
            client.post(
                f"{API}/years/{year}/assign-random",
                data={"seed": 1},
                content_type="application/json",
            ).status_code
            == 403
        )
        assert (
            client.post(
                f"{API}/raters",
                content_type="application/json",
                data={
                    "assessment_id": setup["assessment"].pk,
                    "rater_id": setup["outsider"].pk,
                    "round": 1,
                },
            ).status_code
            == 403
        )
    researcher = _client(setup["researcher"])
    assert researcher.get(f"/organisations/rating/agreement/{year}/").status_code == 200
    assert researcher.get(f"/organisations/rating/assign/{year}/").status_code == 200
    assert researcher.get("/organisations/rating/").status_code == 302


def test_a_missing_year_or_rater_is_404_and_an_unseen_assessment_like_a_missing_one(
    setup,
):
    from learning_platform.errors import NotFound
    from learning_platform.organisations.selectors import rating as rating_selectors

    researcher = _client(setup["researcher"])
    missing_year = researcher.get(f"{API}/years/1999/agreement")
    assert missing_year.status_code == 404
    assert missing_year.json()["code"] == "not_found"
    missing_rater = researcher.post(
        f"{API}/raters",
        content_type="application/json",
        data={
            "assessment_id": setup["assessment"].pk,
            "rater_id": 999999,
            "round": 1,
        },
    )
    assert missing_rater.status_code == 404
    # an expert who rates nothing of it: the assessment's scores answer as missing
    outsider = _client(setup["outsider"])
    forbidden = outsider.get(f"{API}/assessments/{setup['assessment'].pk}")
    missing = outsider.get(f"{API}/assessments/999999")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json() == missing.json()
    # the selectors behind the year operations refuse anyone but the centre alike
    with pytest.raises(NotFound):
        rating_selectors.monitoring_year_for_city(
            user=setup["first"], year=setup["year"].year
        )
    with pytest.raises(NotFound):
        rating_selectors.rater_get_for_city(
            user=setup["first"], rater_id=setup["outsider"].pk
        )


def test_experts_start_on_their_rating_queue(setup):
    assert start_url(user=setup["first"]) == "/organisations/rating/"
    assert any(
        link["url"] == "/organisations/rating/"
        for link in header_links(user=setup["first"])
    )
    assert start_url(user=setup["researcher"]) != "/organisations/rating/"


# ------------------------------------------------------------------ bad input


def test_api_refuses_bad_scores_with_a_clear_error(setup):
    client = _client(setup["first"])
    a, b, _c = setup["items"]
    response = _put(
        client,
        setup["one"].pk,
        {"ratings": [{"item_id": a, "score": 3}, {"item_id": b, "score": 7}]},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"][0]["field"] == f"score_{b}"
    assert "0–4" in body["message"]
    response = _put(
        client, setup["one"].pk, {"ratings": [{"item_id": a, "score": 2.5}]}
    )
    assert response.status_code == 422 and "2.5" in response.json()["message"]
    assert Rating.objects.count() == 0


def test_page_refuses_bad_scores_in_chinese_and_keeps_the_input(setup):
    client = _client(setup["first"])
    a, b, c = setup["items"]
    response = client.post(
        f"/organisations/rating/{setup['one'].pk}/",
        {
            f"score_{a}": "3",
            f"score_{b}": "9",
            f"score_{c}": "",
            f"comment_{a}": "保留的评语",
            "submit": "1",
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "保留的评语" in text
    assert "超出评分标准 0–4" in text and "未保存任何内容" in text
    assert Rating.objects.count() == 0


def test_page_saves_a_draft_and_submits(setup):
    client = _client(setup["first"])
    a, b, c = setup["items"]
    url = f"/organisations/rating/{setup['one'].pk}/"
    response = client.post(url, {f"score_{a}": "3", "save": "1"})
    assert response.status_code == 302
    assert Rating.objects.get().score == 3
    response = client.post(
        url, {f"score_{a}": "3", f"score_{b}": "2", f"score_{c}": "1", "submit": "1"}
    )
    assert response.status_code == 302
    setup["one"].refresh_from_db()
    assert setup["one"].submitted_at is not None


def test_assign_page_random_and_manual(setup, hp):
    make_assessment(
        district=hp,
        indicator_set=setup["assessment"].indicator_set,
        monitoring_year=setup["year"],
    )
    client = _client(setup["researcher"])
    url = f"/organisations/rating/assign/{setup['year'].year}/"
    assert client.post(url, {"action": "random", "seed": "x"}).status_code == 400
    assert client.post(url, {"action": "random", "seed": "5"}).status_code == 302
    assert RaterAssignment.objects.count() == 4
    response = client.post(
        url,
        {
            "action": "manual",
            "assessment": setup["assessment"].pk,
            "round": "2",
            "rater": setup["first"].pk,
        },
    )
    assert response.status_code == 400  # first already rates round 1
    response = client.post(
        url,
        {
            "action": "manual",
            "assessment": setup["assessment"].pk,
            "round": "2",
            "rater": setup["outsider"].pk,
        },
    )
    assert response.status_code == 302
    assert (
        RaterAssignment.objects.get(assessment=setup["assessment"], round=2).rater
        == setup["outsider"]
    )


def test_agreement_page_shows_the_chinese_table(setup):
    a, b, c = setup["items"]
    services.ratings_save(
        assignment=setup["one"],
        user=setup["first"],
        submit=True,
        scores={a: 0, b: 2, c: 4},
    )
    services.ratings_save(
        assignment=setup["two"],
        user=setup["second"],
        submit=True,
        scores={a: 1, b: 2, c: 1},
    )
    client = _client(setup["researcher"])
    text = client.get(
        f"/organisations/rating/agreement/{setup['year'].year}/",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    ).content.decode()
    assert "加权" in text and "学习型社区指标（2023）" in text
    api = client.get(f"{API}/years/{setup['year'].year}/agreement").json()
    assert api[0]["n"] == 3 and api[0]["items_to_third_rater"] == 1


def test_the_rater_downloads_the_evidence_document_and_nobody_else(setup):
    from django.core.files.base import ContentFile

    from learning_platform.organisations.models import ItemEvidence

    a = setup["items"][0]
    evidence = ItemEvidence.objects.get(assessment=setup["assessment"], item_id=a)
    evidence.document.save("rating-evidence.pdf", ContentFile(b"%PDF-1.4 evidence"))
    url = f"/organisations/rating/{setup['one'].pk}/evidence/{a}/"
    response = _client(setup["first"]).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 evidence"
    for who in ("second", "outsider", "researcher"):
        assert _client(setup[who]).get(url).status_code == 404
    page = (
        _client(setup["first"])
        .get(f"/organisations/rating/{setup['one'].pk}/")
        .content.decode()
    )
    assert url in page
    evidence.document.delete()
