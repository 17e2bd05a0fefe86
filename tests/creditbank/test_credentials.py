"""Signed Open Badges 3.0 and CLR 2.0 exports and their verification."""

from __future__ import annotations

import base64
import copy
import json
import math

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from learning_platform.creditbank import signing
from learning_platform.creditbank.models import IssuedCredential
from learning_platform.creditbank.services import (
    account_close,
    account_open,
    credential_issue_badge,
    credential_issue_clr,
    credential_revoke,
    credential_verify,
    outcome_enter,
    outcome_revoke,
)
from learning_platform.errors import ApiError

BASE = "https://learn.example.org/"


@pytest.mark.django_db
def test_badge_is_an_open_badges_3_credential_and_verifies(citizen, record, info_rule):
    outcome = record()
    badge = credential_issue_badge(outcome=outcome, base_url=BASE)
    assert badge["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert badge["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert "ob/v3p0" in badge["@context"][1]
    subject = badge["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["achievement"]["achievementType"] == "Assessment"
    assert subject["creditsEarned"] == 1.0
    assert {r["resultDescription"] for r in subject["result"]} >= {
        "urn:creditbank:result:info"
    }
    assert badge["issuer"]["id"].startswith("did:key:z6Mk")
    proof = badge["proof"][0]
    assert (
        proof["type"] == "DataIntegrityProof"
        and proof["cryptosuite"] == "eddsa-jcs-2022"
    )
    result = credential_verify(json.loads(json.dumps(badge)))
    assert result.status == "valid", result.message
    assert IssuedCredential.objects.get(pk=result.credential_id).outcome == outcome


@pytest.mark.django_db
@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d["credentialSubject"]["result"][0].update(value="3.00 ± 0.10"),
        lambda d: d.update(name="博士学位"),
        lambda d: d["credentialSubject"].update(creditsEarned=100.0),
        lambda d: d["proof"][0].update(created="2001-01-01T00:00:00Z"),
        lambda d: d["proof"][0].update(
            proofValue=d["proof"][0]["proofValue"][:-2] + "11"
        ),
        lambda d: d.pop("proof"),
        lambda d: d["proof"][0].update(verificationMethod="did:key:zNotAKey"),
    ],
)
def test_any_change_is_reported_as_tampered(citizen, record, tamper):
    badge = credential_issue_badge(outcome=record(), base_url=BASE)
    forged = copy.deepcopy(badge)
    tamper(forged)
    assert credential_verify(forged).status == "tampered"
    assert credential_verify(badge).status == "valid"


@pytest.mark.django_db
def test_a_document_signed_by_another_key_is_unknown(citizen, record):
    badge = credential_issue_badge(outcome=record(), base_url=BASE)
    other = signing.SigningKey(Ed25519PrivateKey.generate(), "test")
    resigned = signing.proof_add(badge, key=other)
    assert signing.proof_verify(resigned).ok
    assert credential_verify(resigned).status == "unknown"


@pytest.mark.django_db
def test_revoked_credential_reports_revoked(citizen, record):
    badge = credential_issue_badge(outcome=record(), base_url=BASE)
    credential = IssuedCredential.objects.get()
    credential_revoke(credential=credential, reason="issued by mistake")
    result = credential_verify(badge)
    assert result.status == "revoked" and result.revoked_at is not None


@pytest.mark.django_db
def test_revoking_the_outcome_revokes_its_badges(citizen, record, admin_user):
    outcome = record()
    badge = credential_issue_badge(outcome=outcome, base_url=BASE)
    outcome_revoke(outcome=outcome, revoked_by=admin_user, reason="作弊")
    assert credential_verify(badge).status == "revoked"
    with pytest.raises(ApiError) as excinfo:
        credential_issue_badge(outcome=outcome, base_url=BASE)
    assert excinfo.value.code == "outcome_revoked"


@pytest.mark.django_db
def test_closing_the_account_revokes_its_credentials(citizen, record):
    badge = credential_issue_badge(outcome=record(), base_url=BASE)
    account_close(account=citizen.learning_account)
    assert credential_verify(badge).status == "revoked"


@pytest.mark.django_db
def test_clr_holds_a_signed_badge_per_outcome(citizen, record, institution, info_rule):
    record(day=(2025, 3, 1))
    account = account_open(user=citizen)
    outcome_enter(
        entered_by=institution,
        account_number=account.number,
        kind="certificate",
        title="老年大学结业证书",
        achieved_on="2025-07-01",
        evidence_url="https://example.org/cert/1",
    )
    clr = credential_issue_clr(account=account, base_url=BASE)
    assert clr["type"] == ["VerifiableCredential", "ClrCredential"]
    assert any("clr/v2p0" in c for c in clr["@context"])
    subject = clr["credentialSubject"]
    assert subject["type"] == ["ClrSubject"]
    assert len(subject["verifiableCredential"]) == 2
    assert len(subject["achievement"]) == 2
    result = credential_verify(clr)
    assert result.status == "valid", result.message
    assert [e.status for e in result.embedded] == ["valid", "valid"]
    # an embedded badge that was changed makes the whole record tampered
    forged = copy.deepcopy(clr)
    forged["credentialSubject"]["verifiableCredential"][0]["name"] = "x"
    assert credential_verify(forged).status == "tampered"


@pytest.mark.django_db
def test_clr_with_a_revoked_embedded_badge_is_not_valid(citizen, record):
    record()
    clr = credential_issue_clr(account=citizen.learning_account, base_url=BASE)
    inner = IssuedCredential.objects.filter(format="ob3").get()
    credential_revoke(credential=inner, reason="x")
    assert credential_verify(clr).status == "revoked"


@pytest.mark.django_db
@pytest.mark.parametrize("document", [None, [], "text", {"proof": "x"}, {"proof": {}}])
def test_garbage_is_tampered_not_an_error(document):
    assert credential_verify(document).status == "tampered"


def test_key_from_environment_as_pem(monkeypatch, tmp_path, settings):
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    monkeypatch.setenv("CREDITBANK_SIGNING_KEY", pem)
    signing.signing_key.cache_clear()
    loaded = signing.signing_key()
    assert loaded.source == "environment"
    assert loaded.public_bytes == key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def test_key_from_environment_as_base64_der(monkeypatch):
    key = Ed25519PrivateKey.generate()
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    monkeypatch.setenv("CREDITBANK_SIGNING_KEY", base64.b64encode(der).decode())
    signing.signing_key.cache_clear()
    assert signing.signing_key().did == signing.did_key_from_public(
        key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
    )


@pytest.mark.parametrize(
    "raw",
    [
        "not a key",
        base64.b64encode(b"short").decode(),
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
    ],
)
def test_bad_key_stops_with_the_variable_named(monkeypatch, raw):
    monkeypatch.setenv("CREDITBANK_SIGNING_KEY", raw)
    signing.signing_key.cache_clear()
    with pytest.raises(ImproperlyConfigured, match="CREDITBANK_SIGNING_KEY"):
        signing.signing_key()


def test_development_key_is_generated_once_and_kept(monkeypatch, tmp_path):
    monkeypatch.delenv("CREDITBANK_SIGNING_KEY")
    monkeypatch.setattr(signing, "dev_key_path", lambda: tmp_path / "k" / "dev.pem")
    signing.signing_key.cache_clear()
    first = signing.signing_key()
    assert (tmp_path / "k" / "dev.pem").stat().st_mode & 0o777 == 0o600
    signing.signing_key.cache_clear()
    assert signing.signing_key().did == first.did


def test_base58_round_trip_and_known_value():
    assert signing.base58btc_encode(b"hello world") == "StV1DL6CwTryKyV"
    assert signing.base58btc_decode("StV1DL6CwTryKyV") == b"hello world"
    assert signing.base58btc_decode(signing.base58btc_encode(b"\0\0ab")) == b"\0\0ab"


@pytest.mark.parametrize(
    "value, expected",
    [
        (1.0, "1"),
        (0.5, "0.5"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1e-7, "1e-7"),
        (0.000001, "0.000001"),
        (-0.25, "-0.25"),
        (123.456, "123.456"),
        (1.5e-10, "1.5e-10"),
        (5e-324, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
    ],
)
def test_jcs_numbers_follow_ecmascript(value, expected):
    assert signing.canonical_json(value).decode() == expected


def test_jcs_orders_keys_and_keeps_unicode():
    assert signing.canonical_json({"b": [1, "信"], "a": None, "\u20ac": True}) == (
        '{"a":null,"b":[1,"信"],"€":true}'.encode()
    )


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_jcs_numbers_round_trip(value):
    assert float(signing.canonical_json(value)) == value or (
        value == 0 and math.copysign(1, value)
    )


@pytest.mark.django_db
def test_badge_has_the_fields_open_badges_3_requires(citizen, record):
    badge = credential_issue_badge(outcome=record(), base_url=BASE)
    assert {
        "@context",
        "id",
        "type",
        "name",
        "credentialSubject",
        "issuer",
        "validFrom",
        "proof",
    } <= set(badge)
    achievement = badge["credentialSubject"]["achievement"]
    assert {"id", "type", "name", "description", "criteria"} <= set(achievement)
    for identity in badge["credentialSubject"]["identifier"]:
        assert {"type", "hashed", "identityHash", "identityType"} <= set(identity)
    hashed = next(i for i in badge["credentialSubject"]["identifier"] if i["hashed"])
    import hashlib

    number = citizen.learning_account.number
    assert (
        hashed["identityHash"]
        == "sha256$" + hashlib.sha256((number + hashed["salt"]).encode()).hexdigest()
    )
    for description in achievement["resultDescription"]:
        assert {"id", "type", "name", "resultType"} <= set(description)
