"""Schemathesis against the OpenAPI schema, in process, as every actor.

CI runs a small budget per operation (``LP_FUZZ_EXAMPLES``, default 25) with the
actor drawn per example; the nightly target (``LP_SECURITY_NIGHTLY=1``) runs 1,000
examples per operation. Every answer must pass every schemathesis check (``--checks
all``): no server error, a declared status, content type and headers, the response
schema, invalid data refused, valid data accepted, declared authentication honoured.
"""

from __future__ import annotations

import os

import pytest
import schemathesis

# Importing the OpenAPI checks registers them, so CHECKS holds all of them: the
# Python equivalent of the CLI's ``--checks all``.
import schemathesis.specs.openapi.checks  # noqa: F401
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import CHECKS

from tests.security.conftest import ACTORS, PASSWORD

NIGHTLY = os.environ.get("LP_SECURITY_NIGHTLY") == "1"
EXAMPLES = 1000 if NIGHTLY else int(os.environ.get("LP_FUZZ_EXAMPLES", "25"))

CSRF = "fuzzcsrf" + "0" * 24
ALL_CHECKS = CHECKS.get_all()

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
# Schema-valid input may still be refused with the declared 422 when it refers to
# rows that do not exist or breaks a rule across fields (an account number nobody
# holds, an attained level that is not among the labels), which JSON Schema
# cannot express; ranges, lengths and enums are all in the schema.
schema.config.checks.positive_data_acceptance.expected_statuses = [
    *schema.config.checks.positive_data_acceptance.expected_statuses,
    "422",
]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Stop Django closing the test's database connection after each WSGI request.

    Django's own test client does the same; schemathesis calls the real WSGI
    handler, whose request signals would close the connection that holds the
    test's transaction (harmless on in-memory SQLite, fatal on PostgreSQL).
    """
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(make_user, districts) -> dict[str, str | None]:
    """A bearer token per actor (None for anonymous)."""
    from learning_platform.accounts.services import api_token_create

    by_code = {d.code: d for d in districts}
    out: dict[str, str | None] = {}
    for name, (roles, code) in ACTORS.items():
        if not roles:
            out[name] = None
            continue
        user = make_user(
            *roles,
            district=by_code[code] if code else None,
            username=f"fuzz-{name}",
            password=PASSWORD,
        )
        out[name] = api_token_create(user=user, name="fuzz")[1]
    return out


@pytest.mark.django_db
@schema.parametrize()
@schema.given(actor=st.sampled_from(sorted(ACTORS)))
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not NIGHTLY,
    suppress_health_check=list(HealthCheck),
)
def test_api_never_fails_and_answers_within_its_schema(case, actor, tokens):
    # A CSRF cookie and header as a browser sends them; bearer tokens need none, and
    # tests/security/test_token_auth.py checks that.
    headers = {"Cookie": f"csrftoken={CSRF}", "X-CSRFToken": CSRF}
    if tokens[actor]:
        headers["Authorization"] = f"Bearer {tokens[actor]}"
    case.call_and_validate(headers=headers, checks=ALL_CHECKS)
