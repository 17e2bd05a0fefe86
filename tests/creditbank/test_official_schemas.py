"""Badges and CLRs validate against the schemas 1EdTech publishes, so other wallets accept them.

The schema files are byte-for-byte copies kept in ``tests/standards/`` (their sources are
listed in ``tests/standards/README.md``):

- ``ob3/ob_v3p0_achievementcredential_schema.formal.json``: the formal Open Badges 3.0
  AchievementCredential schema, 1EdTech/openbadges-specification ``docs/schema/achievementcredential.json``
  (it wants ``proof`` as an array);
- ``ob3/ob_v3p0_achievementcredential_schema.jsonld.json``: the JSON-LD adaptation served at the
  1EdTech purl (conform-ed/conform-ed vendor copy);
- ``clr2/clr_v2p0_clrcredential_schema.jsonld.json``: the CLR 2.0 ClrCredential schema served at
  the 1EdTech purl (conform-ed/conform-ed vendor copy; no formal CLR schema is published).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema_rs
import pytest

from learning_platform.creditbank.services import (
    account_open,
    credential_issue_badge,
    credential_issue_clr,
    credential_verify,
    outcome_enter,
)

STANDARDS = Path(__file__).resolve().parents[1] / "standards"
BASE = "https://learn.example.org/"


def _validator(relative: str):
    return jsonschema_rs.validator_for(
        json.loads((STANDARDS / relative).read_text("utf-8"))
    )


OB_FORMAL = "ob3/ob_v3p0_achievementcredential_schema.formal.json"
OB_JSONLD = "ob3/ob_v3p0_achievementcredential_schema.jsonld.json"
CLR_JSONLD = "clr2/clr_v2p0_clrcredential_schema.jsonld.json"


def _errors(relative: str, document: dict) -> list[str]:
    return [
        f"{list(e.instance_path)}: {e.message}"
        for e in _validator(relative).iter_errors(document)
    ]


@pytest.mark.django_db
def test_badge_validates_against_the_formal_and_json_ld_open_badges_schemas(
    citizen, record, info_rule
):
    badge = json.loads(
        json.dumps(credential_issue_badge(outcome=record(), base_url=BASE))
    )
    assert _errors(OB_FORMAL, badge) == []
    assert _errors(OB_JSONLD, badge) == []
    assert isinstance(badge["proof"], list) and len(badge["proof"]) == 1
    # the schema can fail: a single proof object is what the formal schema refuses
    single = copy.deepcopy(badge)
    single["proof"] = single["proof"][0]
    assert any("proof" in e for e in _errors(OB_FORMAL, single))


@pytest.mark.django_db
def test_clr_and_its_badges_validate_against_the_official_schemas(
    citizen, record, institution, info_rule
):
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
    clr = json.loads(json.dumps(credential_issue_clr(account=account, base_url=BASE)))
    assert _errors(CLR_JSONLD, clr) == []
    assert isinstance(clr["proof"], list)
    embedded = clr["credentialSubject"]["verifiableCredential"]
    assert len(embedded) == 2
    for badge in embedded:
        assert _errors(OB_FORMAL, badge) == []


@pytest.mark.django_db
def test_verifier_accepts_both_proof_shapes(citizen, record, info_rule):
    """Credentials issued before proofs became arrays carry one proof object; the proof
    check reads both shapes, and refuses two proofs (one proof set is all this platform signs)."""
    from learning_platform.creditbank import signing

    badge = json.loads(
        json.dumps(credential_issue_badge(outcome=record(), base_url=BASE))
    )
    assert credential_verify(badge).status == "valid"
    assert signing.proof_verify(badge).ok
    single = copy.deepcopy(badge)
    single["proof"] = single["proof"][0]
    assert signing.proof_verify(single).ok
    two = copy.deepcopy(badge)
    two["proof"] = [badge["proof"][0], badge["proof"][0]]
    assert not signing.proof_verify(two).ok
