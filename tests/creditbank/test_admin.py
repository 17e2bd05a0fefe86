"""Administrators edit conversion rules (with history) and correct credits."""

from __future__ import annotations

import pytest

from learning_platform.creditbank.models import (
    ConversionRule,
    ConversionRuleVersion,
    CreditEntry,
)

pytestmark = pytest.mark.django_db

RULE_FORM = {
    "code": "venue",
    "name": "场馆学习",
    "name_en": "Venue learning",
    "outcome_kind": "venue_learning",
    "domain_code": "",
    "level_codes": "[]",
    "credits": "0.50",
    "points": "5",
    "cap_period": "year",
    "cap_credits": "2",
    "cap_points": "",
    "valid_months": "",
    "valid_from": "",
    "valid_to": "",
    "active": "on",
    "change_comment": "新增",
}


def admin_client(client, make_user):
    admin = make_user("administrator", username="root")
    admin.is_superuser = admin.is_staff = True
    admin.save()
    client.force_login(admin)
    return client, admin


def test_admin_creates_and_edits_a_rule_and_each_save_is_a_version(client, make_user):
    client, admin = admin_client(client, make_user)
    response = client.post("/django-admin/creditbank/conversionrule/add/", RULE_FORM)
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = ConversionRule.objects.get(code="venue")
    assert rule.version == 1
    response = client.post(
        f"/django-admin/creditbank/conversionrule/{rule.pk}/change/",
        {**RULE_FORM, "credits": "0.75", "change_comment": "上调"},
    )
    assert response.status_code == 302
    versions = ConversionRuleVersion.objects.filter(rule=rule).order_by("version")
    assert [
        (v.version, v.data["credits"], v.comment, v.changed_by_id) for v in versions
    ] == [(1, "0.50", "新增", admin.pk), (2, "0.75", "上调", admin.pk)]
    page = client.get(f"/django-admin/creditbank/conversionrule/{rule.pk}/change/")
    assert "上调".encode() in page.content


def test_admin_form_refuses_bad_rule(client, make_user):
    client, _admin = admin_client(client, make_user)
    response = client.post(
        "/django-admin/creditbank/conversionrule/add/", {**RULE_FORM, "credits": "-1"}
    )
    assert response.status_code == 200
    assert not ConversionRule.objects.exists()


def test_ledger_has_no_edit_or_delete_in_admin(client, make_user, record, info_rule):
    client, _admin = admin_client(client, make_user)
    entry = CreditEntry.objects.get(outcome=record())
    assert (
        client.get(
            f"/django-admin/creditbank/creditentry/{entry.pk}/delete/"
        ).status_code
        == 403
    )
    client.post(
        f"/django-admin/creditbank/creditentry/{entry.pk}/change/", {"credits": "9"}
    )
    assert CreditEntry.objects.get(pk=entry.pk).credits == 1


def test_admin_closes_accounts_that_asked(client, make_user, citizen, record):
    from learning_platform.creditbank.services import account_closure_request

    record()
    account_closure_request(account=citizen.learning_account, reason="x")
    client, _admin = admin_client(client, make_user)
    client.post(
        "/django-admin/creditbank/learningaccount/",
        {"action": "close_accounts", "_selected_action": [citizen.learning_account.pk]},
    )
    citizen.learning_account.refresh_from_db()
    assert citizen.learning_account.status == "closed"


def test_credit_correction_api_is_for_administrators(
    client, make_user, citizen, record, info_rule
):
    entry = CreditEntry.objects.get(outcome=record())
    url = f"/api/v1/creditbank/credits/{entry.pk}/corrections"
    client.force_login(citizen)
    response = client.post(
        url, {"credits": "1", "reason": "x"}, content_type="application/json"
    )
    # anyone but an administrator gets the 404 of a missing entry (was 403)
    missing = client.post(
        "/api/v1/creditbank/credits/999999/corrections",
        {"credits": "1", "reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()
    assert response.json()["code"] == "not_found"
    client, _admin = admin_client(client, make_user)
    response = client.post(
        url,
        {"credits": "-0.5", "points": -2, "reason": "复核"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["corrects_id"] == entry.pk
    response = client.post(
        url, {"credits": "-5", "reason": "x"}, content_type="application/json"
    )
    assert response.status_code == 422
    response = client.post(
        "/api/v1/creditbank/credits/999999/corrections",
        {"credits": "1", "reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 404
