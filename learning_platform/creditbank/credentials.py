"""Build Open Badges 3.0 and CLR 2.0 documents (unsigned) from credit-bank rows."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from decimal import Decimal
from typing import Any

from learning_platform.creditbank.models import (
    LearningAccount,
    LearningOutcome,
    OutcomeKind,
)

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
ISSUER_NAME = "上海市终身教育学分银行 · 市民终身学习监测平台"
ISSUER_NAME_EN = (
    "Shanghai lifelong-education credit bank · citizen learning monitoring platform"
)

ACHIEVEMENT_TYPES = {
    OutcomeKind.ASSESSMENT: "Assessment",
    OutcomeKind.COURSE: "Course",
    OutcomeKind.CERTIFICATE: "Certificate",
    OutcomeKind.VOCATIONAL_CERTIFICATE: "Certification",
    OutcomeKind.VENUE_LEARNING: "LearningProgram",
    OutcomeKind.DEGREE_CREDITS: "Course",
}


def _iso(moment: datetime) -> str:
    return (
        moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        if moment.utcoffset() is not None and moment.utcoffset().total_seconds() == 0
        else moment.isoformat(timespec="seconds")
    )


def issuer_profile(*, did: str, base_url: str) -> dict[str, Any]:
    return {
        "id": did,
        "type": ["Profile"],
        "name": ISSUER_NAME,
        "url": base_url.rstrip("/") + "/creditbank/verify/",
        "description": ISSUER_NAME_EN,
    }


def subject_identifiers(account: LearningAccount) -> list[dict[str, Any]]:
    """Name the holder: their display name in plain text, the account number salted and hashed."""
    # A fresh salt per credential, so two credentials cannot be linked by their hash.
    salt = secrets.token_hex(8)
    digest = hashlib.sha256((account.number + salt).encode()).hexdigest()
    name = (
        account.user.display_name
        or account.user.get_full_name()
        or account.user.username
    )
    return [
        {
            "type": "IdentityObject",
            "identityType": "name",
            "hashed": False,
            "identityHash": name,
        },
        {
            "type": "IdentityObject",
            "identityType": "accountId",
            "hashed": True,
            "identityHash": f"sha256${digest}",
            "salt": salt,
        },
    ]


def status_entry(*, credential_id: str, base_url: str) -> dict[str, Any]:
    return {
        "id": base_url.rstrip("/")
        + f"/api/v1/creditbank/credentials/{credential_id}/status",
        "type": "1EdTechRevocationList",
    }


def achievement(outcome: LearningOutcome, *, base_url: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": base_url.rstrip("/")
        + f"/creditbank/achievements/{outcome.kind}/"
        + (outcome.instrument_code or outcome.domain_code or str(outcome.pk)),
        "type": ["Achievement"],
        "achievementType": ACHIEVEMENT_TYPES[OutcomeKind(outcome.kind)],
        "name": outcome.title,
        "description": outcome.title_en or outcome.title,
        "criteria": {"narrative": _criteria(outcome)},
        "creator": {
            "type": ["Profile"],
            "id": "urn:creditbank:source:" + _slug(outcome.source),
            "name": outcome.source,
        },
    }
    scores = list(outcome.domain_scores.all())
    if scores or outcome.level_code:
        descriptions = [
            {
                "id": f"urn:creditbank:result:{s.domain_code}",
                "type": ["ResultDescription"],
                "name": s.domain_code,
                "resultType": "ScaledScore",
            }
            for s in scores
        ]
        if outcome.level_code:
            descriptions.append(
                {
                    "id": "urn:creditbank:result:level",
                    "type": ["ResultDescription"],
                    "name": outcome.level_name or outcome.level_code,
                    "resultType": "PerformanceLevel",
                }
            )
        data["resultDescription"] = descriptions
    return data


def _slug(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _criteria(outcome: LearningOutcome) -> str:
    if outcome.kind == OutcomeKind.ASSESSMENT:
        return (
            f"完成在线测评《{outcome.instrument_name or outcome.title}》，"
            "按项目反应理论（IRT）计分，以所用参数集的分界分数判定水平。"
        )
    return f"由{outcome.source}认定的学习成果。"


def results(outcome: LearningOutcome) -> list[dict[str, Any]]:
    items = [
        {
            "type": ["Result"],
            "resultDescription": f"urn:creditbank:result:{s.domain_code}",
            "value": f"{s.theta:.2f}" + (f" ± {s.se:.2f}" if s.se is not None else ""),
            **(
                {"achievedLevel": f"urn:creditbank:level:{s.level_code}"}
                if s.level_code
                else {}
            ),
        }
        for s in outcome.domain_scores.all()
    ]
    if outcome.level_code:
        items.append(
            {
                "type": ["Result"],
                "resultDescription": "urn:creditbank:result:level",
                "value": outcome.level_name or outcome.level_code,
            }
        )
    return items


def badge_document(
    *,
    outcome: LearningOutcome,
    credential_id: str,
    issued_at: datetime,
    did: str,
    base_url: str,
    credits: Decimal,
) -> dict[str, Any]:
    """Return an unsigned OpenBadgeCredential for one outcome."""
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": subject_identifiers(outcome.account),
        "achievement": achievement(outcome, base_url=base_url),
        "activityEndDate": outcome.achieved_on.isoformat() + "T00:00:00+08:00",
    }
    result_list = results(outcome)
    if result_list:
        subject["result"] = result_list
    if credits:
        subject["creditsEarned"] = float(credits)
    if outcome.evidence_url or outcome.evidence_ref:
        evidence: dict[str, Any] = {
            "type": ["Evidence"],
            "name": outcome.evidence_ref or outcome.title,
        }
        if outcome.evidence_url:
            evidence["id"] = outcome.evidence_url
        evidence_list = [evidence]
    else:
        evidence_list = []
    document: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": f"urn:uuid:{credential_id}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer_profile(did=did, base_url=base_url),
        "validFrom": _iso(issued_at),
        "name": outcome.title,
        "credentialSubject": subject,
        "credentialStatus": status_entry(
            credential_id=credential_id, base_url=base_url
        ),
    }
    if evidence_list:
        document["evidence"] = evidence_list
    return document


def clr_document(
    *,
    account: LearningAccount,
    credential_id: str,
    issued_at: datetime,
    did: str,
    base_url: str,
    badges: list[dict[str, Any]],
    outcomes: list[LearningOutcome],
    total_credits: Decimal,
) -> dict[str, Any]:
    """Return an unsigned ClrCredential holding the signed badges of every outcome."""
    name = account.user.display_name or account.user.username
    subject: dict[str, Any] = {
        "type": ["ClrSubject"],
        "identifier": subject_identifiers(account),
        "verifiableCredential": badges,
        "achievement": [achievement(o, base_url=base_url) for o in outcomes],
    }
    return {
        "@context": [VC_CONTEXT, CLR_CONTEXT, OB_CONTEXT],
        "id": f"urn:uuid:{credential_id}",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": issuer_profile(did=did, base_url=base_url),
        "validFrom": _iso(issued_at),
        "name": f"{name}的终身学习档案",
        "description": f"学分银行账户 {account.number}；累计学分 {total_credits}",
        "credentialSubject": subject,
        "credentialStatus": status_entry(
            credential_id=credential_id, base_url=base_url
        ),
    }
