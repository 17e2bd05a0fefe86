"""Hostile input to the credit bank is refused before it costs work or breaks an account."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from learning_platform.creditbank import signing
from learning_platform.creditbank.models import CreditEntry, LearningAccount
from learning_platform.creditbank.services import credential_issue_badge, credit_correct
from tests.creditbank.test_admin import admin_client

BASE = "https://learn.example.org/"
VERIFY = "/api/v1/creditbank/verify"


def _huge_did_document(length: int) -> dict:
    did = "did:key:z" + "2" * length
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:x",
        "proof": {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-jcs-2022",
            "verificationMethod": f"{did}#{did[8:]}",
            "proofValue": "z" + "3" * 88,
        },
    }


def test_base58_decoding_refuses_overlong_text_before_decoding():
    """An overlong base58 text is refused by its length, whatever it holds."""
    with pytest.raises(ValueError, match="longer than"):
        signing.base58btc_decode("2" * (signing.MAX_BASE58_CHARS + 1))
    # A character outside the alphabet at the very end is not even reached.
    with pytest.raises(ValueError, match="longer than"):
        signing.base58btc_decode("2" * 1_000_000 + "0")
    assert (
        signing.base58btc_decode(signing.base58btc_encode(b"\0\x01abc")) == b"\0\x01abc"
    )


def test_decoding_work_is_bounded_by_the_input_size(monkeypatch):
    """Work on a did:key does not grow with its length: digit steps are counted, not timed."""
    steps = {"n": 0}
    real_index = signing._B58_INDEX

    class CountingIndex(dict):
        def get(self, key, default=None):
            steps["n"] += 1
            return real_index.get(key, default)

    monkeypatch.setattr(signing, "_B58_INDEX", CountingIndex(real_index))
    counts = []
    for length in (48, 160_000, 320_000):
        steps["n"] = 0
        assert not signing.proof_verify(_huge_did_document(length)).ok
        counts.append(steps["n"])
    # The 48-character did:key is decoded; the huge ones cost no decoding at all.
    assert counts[0] > 0
    assert counts[1] == counts[2] <= counts[0] + signing.MAX_BASE58_CHARS


@pytest.mark.django_db
def test_verify_refuses_a_huge_did_key_with_422_naming_the_field(client, monkeypatch):
    calls = []
    monkeypatch.setattr(
        signing, "base58btc_decode", lambda *a, **k: calls.append(a) or b""
    )
    response = client.post(
        VERIFY, json.dumps(_huge_did_document(160_000)), content_type="application/json"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_input"
    assert body["errors"][0]["field"] == "proof.verificationMethod"
    assert calls == []


@pytest.mark.django_db
def test_a_real_credential_still_verifies_through_the_api(
    client, citizen, record, info_rule
):
    badge = credential_issue_badge(outcome=record(), base_url=BASE)
    response = client.post(VERIFY, json.dumps(badge), content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "valid"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 500 + "1" + "}" * 500,
        '{"proof": "\\ud800"}',
        '{"\\udfff": 1}',
    ],
)
def test_verify_answers_deep_nesting_and_lone_surrogates_with_4xx(client, body):
    response = client.post(VERIFY, body, content_type="application/json")
    assert 400 <= response.status_code < 500
    assert response.json()["code"] in {"invalid_input", "invalid_json"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body", ["[" * 100_000 + "]" * 100_000, '{"proof": "\\ud800"}']
)
def test_verify_page_answers_deep_nesting_and_lone_surrogates_with_400(client, body):
    response = client.post("/creditbank/verify/", {"document": body})
    assert response.status_code == 400


@pytest.mark.django_db
def test_an_overflowing_correction_is_refused_with_422_and_the_account_still_reads(
    client, make_user, citizen, record, info_rule
):
    entry = CreditEntry.objects.get(outcome=record())
    client, _admin = admin_client(client, make_user)
    url = f"/api/v1/creditbank/credits/{entry.pk}/corrections"
    for payload, field in (
        ({"credits": "18446744073709551616", "reason": "x"}, "credits"),
        ({"credits": 18446744073709551616, "reason": "x"}, "credits"),
        ({"credits": "0.001", "reason": "x"}, "credits"),
        ({"credits": "1", "points": 18446744073709551616, "reason": "x"}, "points"),
    ):
        response = client.post(url, payload, content_type="application/json")
        assert response.status_code == 422, payload
        assert field in json.dumps(response.json()["errors"])
    assert CreditEntry.objects.count() == 1
    client.force_login(citizen)
    assert client.get("/api/v1/creditbank/credits").status_code == 200


@pytest.mark.django_db
def test_the_service_refuses_a_correction_that_would_overflow_the_balance(
    citizen, record, info_rule, admin_user
):
    award = CreditEntry.objects.get(outcome=record())
    LearningAccount.objects.filter(pk=award.account_id).update(
        credits_balance="99999999.00"
    )
    with pytest.raises(ValidationError) as excinfo:
        credit_correct(
            entry=award, credits="9999999.99", reason="x", corrected_by=admin_user
        )
    assert "credits" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        credit_correct(
            entry=award, credits="1", points=2**40, reason="x", corrected_by=admin_user
        )
    assert "points" in excinfo.value.message_dict
    assert CreditEntry.objects.count() == 1
