"""The register: who sees and edits which organisation, its history and tier decisions,
on the selectors, the services, the pages and the API."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from learning_platform.organisations.models import (
    Organisation,
    OrganisationEvent,
    TierChange,
)
from learning_platform.organisations.selectors.register import (
    may_change_tier,
    may_edit_organisation,
    organisations_visible_to,
)
from learning_platform.organisations.services.register import (
    organisation_create,
    organisation_tier_change,
    organisation_update,
)
from learning_platform.start import header_links, start_url

pytestmark = pytest.mark.django_db


def _names(user) -> set[str]:
    return set(organisations_visible_to(user).values_list("name", flat=True))


# --- selectors ---------------------------------------------------------------------------


def test_each_role_sees_only_its_scope(people, orgs):
    assert _names(people["org_user"]) == {"五里桥街道"}
    assert _names(people["org_user_xh"]) == {"天平街道"}
    assert _names(people["officer"]) == _names(people["stat"]) == {"五里桥街道", "李家"}
    assert _names(people["officer_xh"]) == {"天平街道"}
    assert (
        _names(people["researcher"])
        == _names(people["admin"])
        == {"五里桥街道", "李家", "天平街道"}
    )
    assert _names(people["expert"]) == _names(people["citizen"]) == set()


def test_a_citizen_listed_as_maintainer_still_sees_nothing(people, orgs):
    """Maintaining an organisation needs the organisation role, not only a listing."""
    orgs["family"].users.add(people["citizen"])
    assert _names(people["citizen"]) == set()


def test_who_may_edit_and_decide_tiers(people, orgs):
    community, other = orgs["community"], orgs["other"]
    assert may_edit_organisation(people["org_user"], community)
    assert not may_edit_organisation(people["org_user"], other)
    assert not may_edit_organisation(people["org_user"], orgs["family"])
    assert may_edit_organisation(people["officer"], community)
    assert not may_edit_organisation(people["officer"], other)
    assert may_edit_organisation(people["researcher"], other)
    assert not may_change_tier(people["org_user"], community)
    assert may_change_tier(people["stat"], community)
    assert not may_change_tier(people["officer_xh"], community)
    assert may_change_tier(people["admin"], other)


# --- services ----------------------------------------------------------------------------


def test_an_organisation_user_edits_only_its_contact_details(people, orgs):
    community = orgs["community"]
    organisation_update(
        user=people["org_user"],
        org=community,
        data={
            "contact_name": "王老师",
            "contact_phone": "021-63010000",
            "residents": "70000",
        },
    )
    community.refresh_from_db()
    assert (community.contact_name, community.residents) == ("王老师", 70000)
    event = OrganisationEvent.objects.get(organisation=community, action="update")
    assert (
        event.changes["residents"] == [68000, 70000]
        and event.actor == people["org_user"]
    )
    with pytest.raises(ValidationError) as caught:
        organisation_update(
            user=people["org_user"], org=community, data={"name": "改名"}
        )
    assert "name" in caught.value.message_dict
    with pytest.raises(Organisation.DoesNotExist):
        organisation_update(
            user=people["org_user"], org=orgs["other"], data={"contact_name": "x"}
        )
    with pytest.raises(Organisation.DoesNotExist):
        organisation_update(
            user=people["officer_xh"], org=community, data={"contact_name": "x"}
        )


def test_district_staff_register_only_in_their_district(people, hp, xh):
    org = organisation_create(
        user=people["stat"],
        data={
            "name": "黄浦区图书馆",
            "kind": "学习型机关（事业单位）",
            "district": "黄浦区",
            "users": "org_hp",
        },
    )
    assert (org.kind, org.district, list(org.users.all())) == (
        "agency",
        hp,
        [people["org_user"]],
    )
    assert OrganisationEvent.objects.get(organisation=org).action == "create"
    with pytest.raises(ValidationError) as caught:
        organisation_create(
            user=people["stat"],
            data={"name": "徐汇某单位", "kind": "enterprise", "district": "310104"},
        )
    assert "district" in caught.value.message_dict
    with pytest.raises(PermissionDenied):
        organisation_create(
            user=people["org_user"],
            data={"name": "x", "kind": "family", "district": "310101"},
        )
    assert not Organisation.objects.filter(district=xh, name="徐汇某单位").exists()


def test_invalid_fields_are_named_and_nothing_is_saved(people, orgs):
    with pytest.raises(ValidationError) as caught:
        organisation_create(
            user=people["officer"],
            data={
                "name": "",
                "kind": "club",
                "district": "310101",
                "contact_email": "not-mail",
                "residents": "many",
                "users": "nobody",
            },
        )
    assert set(caught.value.message_dict) == {
        "name",
        "kind",
        "contact_email",
        "residents",
        "users",
    }
    with pytest.raises(ValidationError) as caught:
        organisation_create(
            user=people["officer"],
            data={"name": "五里桥街道", "kind": "community", "district": "310101"},
        )
    assert "name" in caught.value.message_dict  # already registered
    with pytest.raises(ValidationError) as caught:
        organisation_update(
            user=people["officer"], org=orgs["family"], data={"residents": "100"}
        )
    assert "residents" in caught.value.message_dict
    assert Organisation.objects.count() == 3


def test_a_tier_change_is_recorded_with_its_evidence(people, orgs):
    community = orgs["community"]
    change = organisation_tier_change(
        user=people["officer"],
        org=community,
        to_tier="selected",
        year=2024,
        evidence="2024年区级遴选，区教育局文件黄教〔2024〕12号",
    )
    community.refresh_from_db()
    assert community.tier == "selected"
    assert (change.from_tier, change.to_tier, change.year, change.decided_by) == (
        "registered",
        "selected",
        2024,
        people["officer"],
    )
    assert "黄教〔2024〕12号" in change.evidence
    event = OrganisationEvent.objects.get(organisation=community, action="tier")
    assert event.changes["tier"] == ["registered", "selected"]


@pytest.mark.parametrize(
    "to_tier, year, evidence, field",
    [
        ("model", 2024, "依据", "to_tier"),  # skips a step
        ("registered", 2024, "依据", "to_tier"),  # already there
        ("selected", 1999, "依据", "year"),
        ("selected", 2024, "  ", "evidence"),
        ("gold", 2024, "依据", "to_tier"),
    ],
)
def test_a_bad_tier_decision_is_refused(people, orgs, to_tier, year, evidence, field):
    with pytest.raises(ValidationError) as caught:
        organisation_tier_change(
            user=people["officer"],
            org=orgs["community"],
            to_tier=to_tier,
            year=year,
            evidence=evidence,
        )
    assert field in caught.value.message_dict
    assert not TierChange.objects.exists()


def test_organisations_may_not_decide_their_own_tier(people, orgs):
    with pytest.raises(PermissionDenied):
        organisation_tier_change(
            user=people["org_user"],
            org=orgs["community"],
            to_tier="selected",
            year=2024,
            evidence="自评",
        )
    with pytest.raises(Organisation.DoesNotExist):
        organisation_tier_change(
            user=people["officer_xh"],
            org=orgs["community"],
            to_tier="selected",
            year=2024,
            evidence="x",
        )
    assert not TierChange.objects.exists()


def test_a_tier_goes_up_step_by_step_and_may_come_back_down(people, orgs):
    community = orgs["community"]
    for tier in ("selected", "model", "exemplar"):
        organisation_tier_change(
            user=people["researcher"],
            org=community,
            to_tier=tier,
            year=2025,
            evidence="依据",
        )
    organisation_tier_change(
        user=people["researcher"],
        org=community,
        to_tier="selected",
        year=2026,
        evidence="复核未达示范标准",
    )
    assert list(TierChange.objects.values_list("to_tier", flat=True)) == [
        "selected",
        "model",
        "exemplar",
        "selected",
    ]


# --- pages -------------------------------------------------------------------------------


def test_the_list_shows_each_user_its_own(client, people, orgs):
    client.force_login(people["officer"])
    text = client.get("/organisations/").content.decode()
    assert "五里桥街道" in text and "李家" in text and "天平街道" not in text
    assert "学习型社区" in text and "登记" in text
    text = client.get("/organisations/?kind=family").content.decode()
    assert "李家" in text and "五里桥街道</a>" not in text
    client.force_login(people["researcher"])
    text = client.get("/organisations/?district=310104&q=天平").content.decode()
    assert "天平街道" in text and "李家" not in text
    client.force_login(people["citizen"])
    assert client.get("/organisations/").status_code == 403
    client.force_login(people["expert"])
    assert client.get("/organisations/").status_code == 200


def test_pages_of_another_organisation_answer_404(client, people, orgs):
    other = orgs["other"].pk
    client.force_login(people["org_user"])
    for url in (
        f"/organisations/register/{other}/",
        f"/organisations/register/{other}/edit/",
    ):
        assert client.get(url).status_code == 404
    assert (
        client.post(
            f"/organisations/register/{other}/tier/",
            {"to_tier": "selected", "year": 2024, "evidence": "x"},
        ).status_code
        == 404
    )
    client.force_login(people["officer"])
    assert client.get(f"/organisations/register/{other}/").status_code == 404
    assert (
        client.get(f"/organisations/register/{orgs['family'].pk}/").status_code == 200
    )


def test_an_organisation_user_edits_its_entry_on_the_page(client, people, orgs):
    community = orgs["community"]
    client.force_login(people["org_user"])
    page = client.get(f"/organisations/register/{community.pk}/edit/").content.decode()
    assert (
        'name="contact_phone"' in page
        and 'name="name"' not in page
        and 'name="users"' not in page
    )
    response = client.post(
        f"/organisations/register/{community.pk}/edit/",
        {"contact_phone": "abc", "name": "改名"},
    )
    assert response.status_code == 400
    assert "电话" in response.content.decode()
    response = client.post(
        f"/organisations/register/{community.pk}/edit/",
        {"contact_phone": "021-63010000", "name": "改名", "street": "五里桥街道"},
    )
    assert response.status_code == 302
    community.refresh_from_db()
    assert (community.name, community.contact_phone) == ("五里桥街道", "021-63010000")
    detail = client.get(f"/organisations/register/{community.pk}/").content.decode()
    assert "021-63010000" in detail and "记录层级决定" not in detail


def test_the_district_records_a_tier_decision_on_the_page(client, people, orgs):
    community = orgs["community"]
    client.force_login(people["officer"])
    response = client.post(
        f"/organisations/register/{community.pk}/tier/",
        {"to_tier": "selected", "year": "2024", "evidence": ""},
    )
    assert response.status_code == 400 and not TierChange.objects.exists()
    response = client.post(
        f"/organisations/register/{community.pk}/tier/",
        {"to_tier": "selected", "year": "2024", "evidence": "区级遴选名单"},
    )
    assert response.status_code == 302
    detail = client.get(f"/organisations/register/{community.pk}/").content.decode()
    assert "区级遴选名单" in detail and "培育" in detail
    assert "selected" not in detail.split("<h2>", 1)[1].replace('value="selected"', "")
    client.force_login(people["org_user"])
    assert (
        client.post(
            f"/organisations/register/{community.pk}/tier/",
            {"to_tier": "model", "year": "2025", "evidence": "x"},
        ).status_code
        == 403
    )


def test_start_page_and_header_of_organisation_users(people, orgs, make_user):
    assert (
        start_url(user=people["org_user"])
        == f"/organisations/register/{orgs['community'].pk}/"
    )
    assert start_url(user=people["expert"]) == "/organisations/rating/"
    assert start_url(user=make_user("organisation")) == "/organisations/"
    for who in ("org_user", "expert", "officer", "stat"):
        assert "/organisations/" in [
            link["url"] for link in header_links(user=people[who])
        ], who
    assert "/organisations/" not in [
        link["url"] for link in header_links(user=people["citizen"])
    ]


# --- API ---------------------------------------------------------------------------------


def _json(client, method, url, body=None):
    response = client.generic(
        method, url, data=json.dumps(body or {}), content_type="application/json"
    )
    return response.status_code, (response.json() if response.content else None)


def test_api_list_and_detail_are_scoped(client, people, orgs):
    client.force_login(people["org_user"])
    status, rows = _json(client, "GET", "/api/v1/organisations/register")
    assert status == 200 and [r["name"] for r in rows] == ["五里桥街道"]
    status, body = _json(
        client, "GET", f"/api/v1/organisations/register/{orgs['other'].pk}"
    )
    assert status == 404 and body["code"] == "not_found"
    status, missing = _json(client, "GET", "/api/v1/organisations/register/987654")
    assert status == 404 and missing == body
    client.force_login(people["officer_xh"])
    status, rows = _json(client, "GET", "/api/v1/organisations/register?kind=community")
    assert [r["name"] for r in rows] == ["天平街道"]
    assert (
        _json(client, "GET", f"/api/v1/organisations/register/{orgs['community'].pk}")[
            0
        ]
        == 404
    )
    client.force_login(people["citizen"])
    assert _json(client, "GET", "/api/v1/organisations/register")[0] == 403


def test_api_create_update_and_tier(client, people, orgs):
    client.force_login(people["stat"])
    status, body = _json(
        client,
        "POST",
        "/api/v1/organisations/register",
        {"name": "黄浦某企业", "kind": "enterprise", "district": "310101"},
    )
    assert (
        status == 201
        and body["district_code"] == "310101"
        and body["tier"] == "registered"
    )
    status, body = _json(
        client,
        "POST",
        "/api/v1/organisations/register",
        {"name": "徐汇某企业", "kind": "enterprise", "district": "310104"},
    )
    assert status == 422 and body["errors"][0]["field"] == "district"
    community = orgs["community"].pk
    status, body = _json(
        client,
        "PATCH",
        f"/api/v1/organisations/register/{community}",
        {"residents": 69000},
    )
    assert status == 200 and body["residents"] == 69000
    status, body = _json(
        client,
        "POST",
        f"/api/v1/organisations/register/{community}/tier",
        {"to_tier": "selected", "year": 2024, "evidence": "区级遴选"},
    )
    assert (
        status == 201
        and body["evidence"] == "区级遴选"
        and body["decided_by"] == "stat_hp"
    )
    status, body = _json(client, "GET", f"/api/v1/organisations/register/{community}")
    assert body["tier"] == "selected" and len(body["tier_changes"]) == 1
    # another district's organisation is missing, not forbidden
    assert (
        _json(
            client,
            "PATCH",
            f"/api/v1/organisations/register/{orgs['other'].pk}",
            {"street": "x"},
        )[0]
        == 404
    )
    assert (
        _json(
            client,
            "POST",
            f"/api/v1/organisations/register/{orgs['other'].pk}/tier",
            {"to_tier": "selected", "year": 2024, "evidence": "x"},
        )[0]
        == 404
    )
    # the organisation itself: contact details yes, tier and name no
    client.force_login(people["org_user"])
    assert (
        _json(
            client,
            "PATCH",
            f"/api/v1/organisations/register/{community}",
            {"contact_name": "王"},
        )[0]
        == 200
    )
    assert (
        _json(
            client,
            "PATCH",
            f"/api/v1/organisations/register/{community}",
            {"name": "改"},
        )[0]
        == 422
    )
    assert (
        _json(
            client,
            "POST",
            f"/api/v1/organisations/register/{community}/tier",
            {"to_tier": "model", "year": 2025, "evidence": "x"},
        )[0]
        == 403
    )
    assert (
        _json(
            client,
            "POST",
            "/api/v1/organisations/register",
            {"name": "x", "kind": "family", "district": "310101"},
        )[0]
        == 403
    )
    assert TierChange.objects.count() == 1
