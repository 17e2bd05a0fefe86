"""Logs carry no passwords, tokens or answers, through the real handler configuration."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.test import Client

from learning_platform.security.logfilter import REDACTED, RedactingFilter, redact
from tests.security.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ANSWER_SENTINEL = "ANSWER-SENTINEL-7f3a"


@pytest.fixture
def console():
    """Capture what the configured console handler writes (filters included)."""
    handlers = [
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.StreamHandler) and h.get_name() == "console"
    ]
    assert handlers, "LOGGING has no console handler on the root logger"
    handler = handlers[0]
    assert any(isinstance(f, RedactingFilter) for f in handler.filters)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    old_level = logging.getLogger().level
    logging.getLogger().setLevel(logging.DEBUG)
    try:
        yield buffer
    finally:
        handler.setStream(previous)
        logging.getLogger().setLevel(old_level)


@pytest.mark.parametrize(
    "text, secret",
    [
        ('{"username": "a", "password": "hunter2-x"}', "hunter2-x"),
        ("password=hunter2-x&next=/", "hunter2-x"),
        ("Authorization: Bearer abcDEF123456789", "abcDEF123456789"),
        ("GET /api/v1/x?token=tok-999999&y=1", "tok-999999"),
        ("{'answer': ['A', 'C'], 'sequence': 3}", "'C'"),
        ('{"answer": "B-secret"}', "B-secret"),
        ("csrfmiddlewaretoken=zzzz9999 sessionid=qqqq8888", "qqqq8888"),
    ],
)
def test_redact_removes_values_of_secret_fields(text, secret):
    cleaned = redact(text)
    assert secret not in cleaned and REDACTED in cleaned


def test_redact_keeps_harmless_text():
    text = "Item 12 is no longer deliverable; skipped (session 4f2c)"
    assert redact(text) == text


def test_tracebacks_are_redacted_too(console):
    logger = logging.getLogger("tests.security")
    try:
        raise ValueError('bad payload {"password": "tb-secret-1"}')
    except ValueError:
        logger.exception("failed with token=%s", "tb-token-2")
    output = console.getvalue()
    assert "ValueError" in output
    assert "tb-secret-1" not in output and "tb-token-2" not in output


def test_real_requests_log_no_password_token_or_answer(
    console, make_user, fixed_campaign, item_bank
):
    from learning_platform.accounts.services import api_token_create

    user = make_user("citizen", username="logcheck", password=PASSWORD)
    _token, raw = api_token_create(user=user, name="phone")
    anonymous = Client()
    # A failed and a successful sign-in.
    anonymous.post(
        "/accounts/login/", {"username": "logcheck", "password": "wrong-" + PASSWORD}
    )
    anonymous.post("/accounts/login/", {"username": "logcheck", "password": PASSWORD})
    # A bad token in the query string and in the header, then a good one.
    anonymous.get(f"/api/v1/accounts/me?token={raw}")
    anonymous.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {raw}x")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    start = anonymous.post(
        f"/api/v1/assessment/campaigns/{fixed_campaign.pk}/sessions",
        data=json.dumps({"consent": True, "background": {}}),
        content_type="application/json",
        **auth,
    )
    assert start.status_code == 201, start.content
    state = start.json()
    url = f"/api/v1/assessment/sessions/{state['session_id']}/responses"
    item = state["item"]
    # An answer that is not an option (refused, logged as a 4xx) and a real one.
    for answer in (ANSWER_SENTINEL, "B"):
        anonymous.post(
            url,
            data=json.dumps(
                {
                    "sequence": item["sequence"],
                    "item_id": item["item_id"],
                    "answer": answer,
                }
            ),
            content_type="application/json",
            **auth,
        )
    # A page that does not exist, with secrets in the query string.
    anonymous.get(f"/no-such-page/?password={PASSWORD}&answer={ANSWER_SENTINEL}")
    output = console.getvalue()
    assert "Not Found" in output  # the requests really were logged
    for secret in (PASSWORD, raw, ANSWER_SENTINEL):
        assert secret not in output, f"{secret[:6]}… reached the log:\n{output}"
