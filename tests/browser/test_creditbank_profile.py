"""A citizen reads their learning account on a phone, downloads their record and verifies it."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from learning_platform.accounts.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def signing_key_env(monkeypatch):
    from learning_platform.creditbank.signing import signing_key

    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    monkeypatch.setenv("CREDITBANK_SIGNING_KEY", base64.b64encode(raw).decode())
    signing_key.cache_clear()
    yield
    signing_key.cache_clear()


@pytest.fixture
def citizen_with_record(districts, make_user):
    from learning_platform.creditbank.services import (
        conversion_rule_save,
        outcome_enter,
        outcome_record_assessment,
    )

    huangpu = next(d for d in districts if d.code == "310101")
    citizen = make_user(
        Role.CITIZEN,
        username="zhang",
        password="Citizen-2026!",
        display_name="张市民",
        district=huangpu,
    )
    institution = make_user(
        Role.INSTITUTION, username="shou", display_name="上海开放大学"
    )
    conversion_rule_save(
        code="info",
        data={
            "name": "信息素养达标",
            "outcome_kind": "assessment",
            "domain_code": "info",
            "credits": Decimal("1"),
            "points": 10,
        },
        changed_by=None,
    )
    for n, (day, info, health) in enumerate(
        [
            ((2024, 5, 1), -0.9, -0.2),
            ((2025, 5, 1), -0.1, 0.3),
            ((2026, 5, 1), 0.7, 0.5),
        ]
    ):
        outcome_record_assessment(
            user=citizen,
            source_ref=f"assessment-session:b{n}",
            instrument_code="LL",
            instrument_name=f"终身学习能力测评 {day[0]}",
            completed_at=datetime(*day, 9, tzinfo=TZ),
            level_code="L2",
            level_name="基本达标",
            domain_scores=[
                {"domain_code": "info", "theta": info, "se": 0.3, "level_code": "L2"},
                {
                    "domain_code": "health",
                    "theta": health,
                    "se": 0.35,
                    "level_code": "L2",
                },
            ],
            parameter_set_id=1,
        )
    outcome_enter(
        entered_by=institution,
        account_number=citizen.learning_account.number,
        kind="vocational_certificate",
        title="育婴员（五级）职业技能等级证书",
        achieved_on="2025-03-17",
        evidence_ref="3101250317000123",
    )
    return citizen


def sign_in(page, live_server, next_url):
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.fill("#id_username", "zhang")
    page.fill("#id_password", "Citizen-2026!")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}{next_url}")


def test_profile_on_a_phone(
    live_server, phone_page, citizen_with_record, screenshot_dir, tmp_path
):
    page = phone_page
    sign_in(page, live_server, "/creditbank/")
    # the chart: two domains, three results each, drawn on the server
    chart = page.locator("svg.results-chart")
    assert chart.is_visible()
    assert chart.locator("g.series").count() == 2
    assert chart.locator("circle").count() == 6
    box = chart.bounding_box()
    assert box["width"] <= 390 and box["width"] > 300
    # nothing wider than the phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator("[data-testid=credits]").inner_text() == "3.00"
    assert (
        "育婴员" in page.locator("#cb-outcomes + ul, .cb-outcomes").first.inner_text()
    )
    assert page.locator(".cb-suggestions li").count() >= 2
    assert page.locator(".cb-levels tbody tr").count() == 2
    page.screenshot(
        path=str(screenshot_dir / "creditbank-profile-phone.png"), full_page=True
    )

    # download the whole record and check it at the public verification page
    with page.expect_download() as download_info:
        page.click("a[href='/creditbank/record.clr.json']")
    path = tmp_path / "record.json"
    download_info.value.save_as(path)
    record = json.loads(path.read_text())
    assert record["type"] == ["VerifiableCredential", "ClrCredential"]
    assert len(record["credentialSubject"]["verifiableCredential"]) == 4

    page.goto(f"{live_server.url}/creditbank/verify/")
    page.set_input_files("#file", str(path))
    page.click("main form button[type=submit]")
    assert page.locator(".cb-verdict").get_attribute("data-status") == "valid"

    record["credentialSubject"]["verifiableCredential"][0]["name"] = "博士学位"
    page.fill("#document", json.dumps(record, ensure_ascii=False))
    page.click("main form button[type=submit]")
    assert page.locator(".cb-verdict").get_attribute("data-status") == "tampered"


def test_closure_request_on_a_phone(live_server, phone_page, citizen_with_record):
    page = phone_page
    sign_in(page, live_server, "/creditbank/")
    page.click(".cb-close summary")
    page.fill("#reason", "迁出本市")
    page.click(".cb-close button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".warn").is_visible()
    citizen_with_record.learning_account.refresh_from_db()
    assert citizen_with_record.learning_account.status == "closure_requested"
