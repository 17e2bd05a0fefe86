"""Cut-score sets (standard setting, review, one active version per domain) and the
review of parameter sets, through the services, the REST API and the admin."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from itembank.models import CutScoreSet, Domain, ItemParameterSet, ReviewStatus
from itembank.selectors import cut_score_sets_for_rollup
from itembank.services import (
    cut_score_set_activate,
    cut_score_set_create,
    cut_score_set_review,
    parameter_set_require_approved,
)

pytestmark = pytest.mark.django_db

LEVELS = [
    {"code": "L1"},
    {"code": "L2", "min_theta": -0.3, "attained": True},
    {"code": "L3", "min_theta": 0.9},
]


@pytest.fixture(autouse=True)
def english():
    """These tests read the English messages (the Chinese ones are checked elsewhere)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def domain(db):
    return Domain.objects.create(code="science", name_zh="科学素养", kind="ability")


def _create(domain, levels=LEVELS, **kw):
    return cut_score_set_create(
        domain=domain,
        levels=levels,
        scale=kw.pop("scale", "θ"),
        set_by=kw.pop("set_by", "专家组"),
        set_on=timezone.localdate(),
        **kw,
    )


def test_standard_setting_is_checked_and_nothing_is_saved_on_bad_input(domain):
    bad = [
        (
            [
                {"code": "L1"},
                {"code": "L2", "min_theta": 0.5, "attained": True},
                {"code": "L3", "min_theta": 0.1},
            ],
            "increasing",
        ),
        ([{"code": "L1"}, {"code": "L2", "min_theta": 0.5}], "exactly one"),
        ([{"code": "L1"}, {"code": "L2", "attained": True}], "needs a cut score"),
    ]
    for levels, message in bad:
        with pytest.raises(ValidationError, match=message):
            _create(domain, levels)
    with pytest.raises(ValidationError, match="who set"):
        _create(domain, set_by=" ")
    assert not CutScoreSet.objects.exists()


def test_one_active_version_and_activation_needs_approval(domain, make_user):
    reviewer = make_user()
    with pytest.raises(
        ValidationError, match="No active cut-score set for domain.*science"
    ):
        cut_score_sets_for_rollup(["science"])
    v1 = _create(domain)
    with pytest.raises(ValidationError, match="has not been approved"):
        cut_score_set_activate(cut_score_set=v1, activated_by=reviewer)
    with pytest.raises(ValidationError, match="Say why"):
        cut_score_set_review(cut_score_set=v1, reviewer=reviewer, approve=False)
    cut_score_set_review(cut_score_set=v1, reviewer=reviewer, approve=True)
    cut_score_set_activate(cut_score_set=v1, activated_by=reviewer)
    v2 = _create(
        domain,
        levels=[
            {"code": "L1"},
            {"code": "L2", "min_theta": 0.0},
            {"code": "L3", "min_theta": 1.0, "attained": True},
        ],
    )
    cut_score_set_review(cut_score_set=v2, reviewer=reviewer, approve=True)
    cut_score_set_activate(cut_score_set=v2, activated_by=reviewer)
    assert list(CutScoreSet.objects.filter(is_active=True)) == [v2]
    v1.refresh_from_db()
    assert v1.levels[1]["min_theta"] == -0.3  # an old version never changes
    levels, used = cut_score_sets_for_rollup(["science"])
    assert levels["science"].attained_cut == 1.0 and used["science"]["version"] == 2


def _researcher_client(client, make_user):
    from learning_platform.accounts.roles import Role
    from learning_platform.accounts.services import user_role_assign

    user = make_user()
    user_role_assign(user=user, role=Role.RESEARCHER)
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_cut_score_api_create_review_activate(client, make_user, domain):
    citizen = make_user()
    client.force_login(citizen)
    body = {
        "domain_code": "science",
        "scale": "θ",
        "set_by": "专家组",
        "set_on": "2026-12-01",
        "levels": LEVELS,
    }
    assert (
        client.post(
            "/api/v1/itembank/cut-score-sets", body, content_type="application/json"
        ).status_code
        == 403
    )
    client = _researcher_client(client, make_user)
    bad = client.post(
        "/api/v1/itembank/cut-score-sets",
        {**body, "levels": LEVELS[:1]},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert bad.status_code == 422 and "two levels" in bad.content.decode()
    made = client.post(
        "/api/v1/itembank/cut-score-sets", body, content_type="application/json"
    )
    assert made.status_code == 201, made.content
    set_id = made.json()["id"]
    refused = client.post(f"/api/v1/itembank/cut-score-sets/{set_id}/activate")
    assert (
        refused.status_code == 422 and "not been approved" in refused.content.decode()
    )
    ok = client.post(
        f"/api/v1/itembank/cut-score-sets/{set_id}/review",
        {"approve": True, "comment": "ok"},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["status"] == "approved"
    active = client.post(f"/api/v1/itembank/cut-score-sets/{set_id}/activate")
    assert active.status_code == 200 and active.json()["is_active"] is True
    listing = client.get("/api/v1/itembank/cut-score-sets?domain=science").json()
    assert [r["version"] for r in listing] == [1]


def _parameter_set_in_review(name: str) -> ItemParameterSet:
    """A parameter set of one published information item, as calibration leaves it."""
    from itembank.services import item_create_published, parameter_set_create

    Domain.objects.create(code="info", name_zh="信息素养", kind="ability")
    item = item_create_published(
        code="I-1",
        domain_code="info",
        kind="single_choice",
        stem="<p>题</p>",
        options=[
            {"option_id": "A", "text": "<p>a</p>", "is_key": True},
            {"option_id": "B", "text": "<p>b</p>"},
        ],
    )
    return parameter_set_create(
        name=name, model="2pl", source="test", items={item.pk: {"a": 1.2, "b": 0.1}}
    )


def test_review_api_answers_outsiders_as_if_nothing_existed(client, make_user):
    """A citizen asking for a set in review gets the 404 of a set that does not exist."""
    pset = _parameter_set_in_review("内部")
    client.force_login(make_user())
    seen = client.get(f"/api/v1/itembank/parameter-sets/{pset.pk}")
    missing = client.get(f"/api/v1/itembank/parameter-sets/{pset.pk + 999}")
    assert seen.status_code == missing.status_code == 404
    assert seen.json()["code"] == missing.json()["code"]
    refused = client.post(
        f"/api/v1/itembank/parameter-sets/{pset.pk}/activate",
        {"comment": "go"},
        content_type="application/json",
    )
    assert refused.status_code == 404
    assert not ItemParameterSet.objects.get(pk=pset.pk).is_active
    assert client.get("/api/v1/itembank/cut-score-sets").status_code == 403


def test_parameter_set_api_review_and_the_gate(client, make_user):
    pset = _parameter_set_in_review("2026 校准")
    assert pset.status == ReviewStatus.IN_REVIEW
    with pytest.raises(
        ValidationError, match="Scoring refused.*2026 校准.*not been approved"
    ):
        parameter_set_require_approved(parameter_set_id=pset.pk, what="Scoring")
    client = _researcher_client(client, make_user)
    got = client.get(f"/api/v1/itembank/parameter-sets/{pset.pk}").json()
    assert got["status"] == "in_review" and got["flagged_item_ids"] == []
    r = client.post(
        f"/api/v1/itembank/parameter-sets/{pset.pk}/review",
        {"approve": True, "comment": "fit ok"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert (
        parameter_set_require_approved(parameter_set_id=pset.pk, what="Scoring") == pset
    )
    again = client.post(
        f"/api/v1/itembank/parameter-sets/{pset.pk}/review",
        {"approve": True},
        content_type="application/json",
    )
    assert again.status_code == 422 and "not in review" in again.content.decode()
    a = client.post(
        f"/api/v1/itembank/parameter-sets/{pset.pk}/activate",
        {"comment": "go"},
        content_type="application/json",
    )
    assert a.status_code == 200 and a.json()["is_active"] is True
    assert ItemParameterSet.objects.get(is_active=True).pk == pset.pk
    spec = client.get("/api/v1/openapi.json").json()
    ops = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert {
        "itembank_parameter_set_review",
        "itembank_parameter_set_activate",
        "itembank_cut_score_set_create",
        "itembank_cut_score_set_review",
        "itembank_cut_score_set_activate",
    } <= ops


def test_review_page_marks_flagged_items_and_item_page_shows_fit(
    client, make_user, domain
):
    from itembank.services import (
        item_create_published,
        parameter_set_create,
        parameter_set_evidence_store,
    )
    from learning_platform.accounts.services import roles_sync

    roles_sync()
    Domain.objects.create(code="info", name_zh="信息素养", kind="ability")
    items = [
        item_create_published(
            code=f"I-{k}",
            domain_code="info",
            kind="single_choice",
            stem="<p>题</p>",
            options=[
                {"option_id": "A", "text": "<p>a</p>", "is_key": True},
                {"option_id": "B", "text": "<p>b</p>"},
            ],
        )
        for k in range(2)
    ]
    pset = parameter_set_create(
        name="2026 校准",
        model="2pl",
        source="test",
        items={i.pk: {"a": 1.0, "b": 0.0} for i in items},
    )
    bad, good = items
    parameter_set_evidence_store(
        parameter_set=pset,
        evidence={
            "flagged": [str(bad.pk)],
            "domains": {
                "info": {
                    "n_persons": 900,
                    "n_items": 2,
                    "linking_error": 0.031,
                    "n_common": 2,
                    "drifted": [str(bad.pk)],
                }
            },
        },
        item_fit={
            bad.pk: {
                "infit": 1.52,
                "outfit": 1.61,
                "s_x2": 40.2,
                "df": 9,
                "p_value": 0.0001,
                "flags": ["misfit", "sx2", "drift"],
                "dif": {"sex": {"mh_class": "C", "logistic_class": "B"}},
            },
            good.pk: {
                "infit": 0.98,
                "outfit": 1.01,
                "s_x2": 5.0,
                "df": 9,
                "p_value": 0.83,
                "flags": [],
                "dif": {},
            },
        },
    )
    client.force_login(make_user("researcher"))
    with translation_zh():
        html = client.get(f"/admin/itembank/parameter-set/{pset.pk}/").content.decode()
    assert "审核中" in html and "1.52" in html and "0.031" in html
    assert html.count('data-flagged="1"') == 1 and "较上一轮漂移" in html
    assert "性别: C / B" in html
    # reviewing from the page
    client.post(
        f"/admin/itembank/parameter-set/{pset.pk}/review/",
        {"decision": "reject", "comment": ""},
    )
    pset.refresh_from_db()
    assert pset.status == ReviewStatus.IN_REVIEW  # a rejection needs its reason
    client.post(
        f"/admin/itembank/parameter-set/{pset.pk}/review/",
        {"decision": "approve", "comment": ""},
    )
    pset.refresh_from_db()
    assert pset.status == ReviewStatus.APPROVED
    with translation_zh():
        item_html = client.get(f"/admin/itembank/item/{bad.pk}/").content.decode()
    assert "1.52" in item_html and "S-X²" in item_html and "{'" not in item_html
    # cut-score page: a version in review is approved, then activated, from the admin
    row = _create(domain)
    client.post(
        f"/admin/itembank/cut-score-sets/{row.pk}/decide/", {"decision": "activate"}
    )
    row.refresh_from_db()
    assert not row.is_active
    client.post(
        f"/admin/itembank/cut-score-sets/{row.pk}/decide/", {"decision": "approve"}
    )
    client.post(
        f"/admin/itembank/cut-score-sets/{row.pk}/decide/", {"decision": "activate"}
    )
    row.refresh_from_db()
    assert row.is_active and row.status == ReviewStatus.APPROVED
    with translation_zh():
        page = client.get("/admin/itembank/cut-score-sets/").content.decode()
    assert "科学素养划界分数第1版" in page and "专家组" in page


def translation_zh():
    from django.utils import translation

    return translation.override("zh-hans")
