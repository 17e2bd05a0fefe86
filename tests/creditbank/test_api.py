"""The credit-bank API end to end, above all who may read what."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from learning_platform.creditbank.models import LearningAccount, LearningOutcome
from learning_platform.creditbank.services import account_open, outcome_enter

pytestmark = pytest.mark.django_db
API = "/api/v1/creditbank"


def login(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_anonymous_gets_401_on_private_routes(client):
    for url in [
        "/account",
        "/outcomes",
        "/credits",
        "/account/data",
        "/account/clr",
        "/district-counts",
    ]:
        response = client.get(API + url)
        assert response.status_code == 401, url


def test_citizen_opens_and_reads_own_account(citizen, huangpu):
    client = login(citizen)
    assert client.get(f"{API}/account").status_code == 404
    response = post(client, f"{API}/account", {"district_code": "310101"})
    assert response.status_code == 201
    data = response.json()
    assert data["district_code"] == "310101" and data["status"] == "open"
    assert post(client, f"{API}/account", {}).status_code == 200
    assert client.get(f"{API}/account").json()["number"] == data["number"]


def test_unknown_district_is_refused(citizen):
    response = post(login(citizen), f"{API}/account", {"district_code": "999"})
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_district"
    assert not LearningAccount.objects.exists()


def test_citizen_cannot_read_anothers_outcome_by_changing_the_id(
    citizen, other_citizen, record
):
    mine = record()
    theirs = record(other_citizen)
    client = login(citizen)
    assert client.get(f"{API}/outcomes/{mine.pk}").status_code == 200
    for url in [
        f"/outcomes/{theirs.pk}",
        f"/outcomes/{theirs.pk}/badge",
        "/outcomes/999999",
        "/outcomes/999999/badge",
    ]:
        response = client.get(API + url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"
    assert [o["id"] for o in client.get(f"{API}/outcomes").json()] == [mine.pk]


def test_credits_and_data_are_the_callers_own(
    citizen, other_citizen, record, info_rule
):
    record()
    record(other_citizen)
    entries = login(citizen).get(f"{API}/credits").json()
    assert len(entries) == 1 and entries[0]["credits"] == "1.00"
    data = login(citizen).get(f"{API}/account/data")
    assert data["Content-Disposition"].startswith("attachment;")
    body = data.json()
    assert body["account"]["number"] == citizen.learning_account.number
    assert len(body["outcomes"]) == 1
    assert body["outcomes"][0]["domain_scores"][0]["domain_code"] == "info"
    assert len(body["credit_entries"]) == 1
    assert body["user"]["username"] == "alice"


def test_full_download_has_every_outcome_entry_and_credential(
    citizen, record, info_rule, institution
):
    record()
    outcome_enter(
        entered_by=institution,
        account_number=citizen.learning_account.number,
        kind="course",
        title="摄影",
        achieved_on="2025-01-01",
        evidence_ref="x",
    )
    client = login(citizen)
    client.get(f"{API}/account/clr")
    body = client.get(f"{API}/account/data").json()
    assert {o["kind"] for o in body["outcomes"]} == {"assessment", "course"}
    assert {c["format"] for c in body["credentials"]} == {"ob3", "clr2"}
    assert body["format"] == "creditbank-account-export/1"


def test_institution_sees_only_what_it_entered(citizen, institution, make_user, record):
    record()
    other_institution = make_user("institution", username="museum")
    account = account_open(user=citizen)
    client = login(institution)
    response = post(
        client,
        f"{API}/outcomes",
        {
            "account_number": account.number,
            "kind": "course",
            "title": "书法",
            "achieved_on": "2025-04-01",
            "evidence_ref": "SH-1",
            "hours": "12",
        },
    )
    assert response.status_code == 201, response.content
    entered = response.json()["id"]
    assert [o["id"] for o in client.get(f"{API}/outcomes").json()] == [entered]
    assert client.get(f"{API}/account").status_code == 404
    assessment = LearningOutcome.objects.get(kind="assessment")
    assert client.get(f"{API}/outcomes/{assessment.pk}").status_code == 404
    assert login(other_institution).get(f"{API}/outcomes/{entered}").status_code == 404
    # the citizen sees both
    assert len(login(citizen).get(f"{API}/outcomes").json()) == 2


def test_citizen_cannot_enter_outcomes(citizen):
    account = account_open(user=citizen)
    response = post(
        login(citizen),
        f"{API}/outcomes",
        {
            "account_number": account.number,
            "kind": "course",
            "title": "x",
            "achieved_on": "2025-04-01",
            "evidence_ref": "1",
        },
    )
    assert response.status_code == 403
    assert not LearningOutcome.objects.exists()


def test_institution_bad_input_is_422_naming_the_field(citizen, institution):
    account = account_open(user=citizen)
    response = post(
        login(institution),
        f"{API}/outcomes",
        {
            "account_number": account.number,
            "kind": "course",
            "title": "x",
            "achieved_on": "2025-04-01",
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "evidence"
    response = post(
        login(institution),
        f"{API}/outcomes",
        {
            "account_number": account.number,
            "kind": "course",
            "title": "x",
            "achieved_on": "not a date",
            "evidence_ref": "1",
        },
    )
    assert response.status_code == 422
    assert "achieved_on" in response.json()["message"]


def test_import_route_reports_each_bad_row(citizen, institution):
    account = account_open(user=citizen)
    row = {
        "account_number": account.number,
        "kind": "course",
        "title": "x",
        "achieved_on": "2025-04-01",
        "evidence_ref": "1",
    }
    response = post(
        login(institution),
        f"{API}/outcomes/import",
        {"rows": [row, {**row, "achieved_on": "yesterday"}]},
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["row 2"]
    assert not LearningOutcome.objects.exists()
    response = post(login(institution), f"{API}/outcomes/import", {"rows": [row]})
    assert response.status_code == 201 and len(response.json()["created"]) == 1


def test_only_the_entering_institution_revokes(citizen, institution, make_user):
    account = account_open(user=citizen)
    outcome = outcome_enter(
        entered_by=institution,
        account_number=account.number,
        kind="course",
        title="x",
        achieved_on="2025-01-01",
        evidence_ref="1",
    )
    url = f"{API}/outcomes/{outcome.pk}/revoke"
    assert post(login(citizen), url, {"reason": "不要了"}).status_code == 403
    assert (
        post(login(make_user("institution")), url, {"reason": "x"}).status_code == 404
    )
    response = post(login(institution), url, {"reason": "录入错误"})
    assert response.status_code == 200 and response.json()["revoked_at"]


def test_closure_request(citizen, record):
    record()
    client = login(citizen)
    response = post(client, f"{API}/account/closure", {"reason": "搬离上海"})
    assert response.status_code == 200
    assert response.json()["status"] == "closure_requested"
    citizen.learning_account.refresh_from_db()
    assert citizen.learning_account.closure_reason == "搬离上海"


def test_badge_export_and_public_verification(citizen, record, client):
    outcome = record()
    badge = login(citizen).get(f"{API}/outcomes/{outcome.pk}/badge").json()
    anonymous = Client(enforce_csrf_checks=True)
    response = anonymous.post(f"{API}/verify", badge, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["status"] == "valid"
    badge["name"] = "changed"
    assert (
        anonymous.post(f"{API}/verify", badge, content_type="application/json").json()[
            "status"
        ]
        == "tampered"
    )
    response = anonymous.post(
        f"{API}/verify", "{not json", content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_json"


def test_status_endpoint(citizen, record, client):
    outcome = record()
    badge = login(citizen).get(f"{API}/outcomes/{outcome.pk}/badge").json()
    status_url = badge["credentialStatus"]["id"].split("testserver")[1]
    assert client.get(status_url).json()["status"] == "valid"
    assert client.get(f"{API}/credentials/not-a-uuid/status").status_code == 404


def test_rules_are_public(client, info_rule):
    rules = client.get(f"{API}/rules").json()
    assert rules[0]["code"] == "info-attained" and rules[0]["version"] == 1


def test_district_officer_sees_only_own_district_counts(
    districts, make_user, citizen, other_citizen, record
):
    huangpu = next(d for d in districts if d.code == "310101")
    xuhui = next(d for d in districts if d.code == "310104")
    record()
    record(other_citizen)
    account_open(user=make_user("citizen", district=xuhui))
    officer = make_user("district_officer", district=huangpu)
    rows = login(officer).get(f"{API}/district-counts").json()
    assert len(rows) == 1
    row = rows[0]
    assert row["district_code"] == "310101" and row["accounts"] == 2
    assert row["data_item"] == "学分银行开户数占比"
    population = row["resident_population"]
    assert population > 100000
    assert Decimal(row["share_percent"]) == (Decimal(2) * 100 / population).quantize(
        Decimal("0.0001")
    )
    # nothing about who holds the accounts
    assert set(row) == {
        "district_code",
        "district_name",
        "year",
        "accounts",
        "resident_population",
        "population_year",
        "share_percent",
        "data_item",
    }


def test_researcher_sees_every_district_and_citizens_none(
    districts, make_user, citizen
):
    rows = login(make_user("researcher")).get(f"{API}/district-counts").json()
    assert len(rows) == 16
    assert login(citizen).get(f"{API}/district-counts").status_code == 403
    assert (
        login(make_user("institution")).get(f"{API}/district-counts").status_code == 403
    )


def test_bad_year_is_refused(districts, make_user):
    response = login(make_user("researcher")).get(f"{API}/district-counts?year=1800")
    assert response.status_code == 422


def test_district_officer_cannot_read_outcomes(districts, make_user, record):
    outcome = record()
    officer = make_user("district_officer", district=districts[0])
    client = login(officer)
    assert client.get(f"{API}/outcomes").json() == []
    assert client.get(f"{API}/outcomes/{outcome.pk}").status_code == 404


def test_openapi_lists_every_creditbank_route_with_its_security(client):
    schema = client.get("/api/v1/openapi.json").json()
    operations = {
        op["operationId"]: op
        for path, item in schema["paths"].items()
        if path.startswith(API)
        for op in item.values()
    }
    public = {"creditbank_rules", "creditbank_verify", "creditbank_credential_status"}
    assert public < set(operations)
    assert len(operations) == 17
    for operation_id, op in operations.items():
        assert operation_id.startswith("creditbank_")
        if operation_id in public:
            assert not op.get("security"), operation_id
        else:
            assert {"SessionAuth", "TokenAuth"} <= {
                k for s in op["security"] for k in s
            }, operation_id


def test_token_client_reads_own_account(citizen, record):
    from learning_platform.accounts.services import api_token_create

    record()
    _token, raw = api_token_create(user=citizen, name="learning network")
    response = Client().get(f"{API}/account", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert response.json()["number"] == citizen.learning_account.number
