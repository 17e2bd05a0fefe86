"""No actor succeeds where the policy does not allow it; missing and forbidden look alike.

Every OpenAPI operation and every page pattern is requested as every actor, with the
path parameters pointing at a real object (owned by ``citizen``, in district A) and
at a missing one.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import pytest
from django.test import Client

from tests.security.conftest import ACTORS
from tests.security.matrix import (
    PARAMETERLESS_ONLY_PREFIXES,
    allowed_for,
    api_operations,
    example,
    fill,
    missing_value,
    page_patterns,
)

pytestmark = pytest.mark.django_db

NIGHTLY = os.environ.get("LP_SECURITY_NIGHTLY") == "1"


@dataclass(frozen=True)
class Outcome:
    actor: str
    method: str
    template: str
    url: str
    status: int
    missing_status: int | None


def _clients(world) -> dict[str, Client]:
    clients = {}
    for name in ACTORS:
        client = Client(raise_request_exception=False)
        if world.users[name] is not None:
            client.force_login(world.users[name])
        clients[name] = client
    return clients


def _request(client: Client, method: str, url: str, body=None):
    if method == "GET":
        return client.get(url)
    return client.generic(
        method,
        url,
        data=json.dumps(body if body is not None else {}),
        content_type="application/json",
    )


def _api_outcomes(world) -> list[Outcome]:
    from learning_platform.api import api

    schema = api.get_openapi_schema()
    operations = api_operations(schema)
    clients = _clients(world)
    # Reads before writes, so a write (finishing a session) cannot hide a read's answer.
    operations.sort(key=lambda op: op.method != "GET")
    out = []
    for op in operations:
        real = {}
        missing = {}
        for name, pschema in op.params:
            kind = pschema.get("format") or pschema.get("type", "str")
            missing[name] = missing_value(name, kind)
            real[name] = world.objects.get(name, missing[name])
        has_object = any(name in world.objects for name, _ in op.params)
        query = {name: example(schema, s) for name, s, required in op.query if required}
        suffix = ("?" + "&".join(f"{k}={v}" for k, v in query.items())) if query else ""
        body = example(schema, op.body_schema) if op.body_schema else None
        for actor, client in clients.items():
            url = fill(op.template, real) + suffix
            response = _request(client, op.method, url, body)
            missing_status = None
            if has_object:
                missing_status = _request(
                    client, op.method, fill(op.template, missing) + suffix, body
                ).status_code
            out.append(
                Outcome(
                    actor,
                    op.method,
                    op.template,
                    url,
                    response.status_code,
                    missing_status,
                )
            )
    return out


def _page_outcomes(world) -> list[Outcome]:
    clients = _clients(world)
    out = []
    for pattern in page_patterns():
        if (
            pattern.params
            and pattern.template.startswith(PARAMETERLESS_ONLY_PREFIXES)
            and not NIGHTLY
        ):
            continue
        missing = {name: missing_value(name, conv) for name, conv in pattern.params}
        real = {
            name: world.objects.get(name, missing[name]) for name, _ in pattern.params
        }
        has_object = any(name in world.objects for name, _ in pattern.params)
        for actor, client in clients.items():
            url = fill(pattern.template, real)
            status = client.get(url).status_code
            missing_status = (
                client.get(fill(pattern.template, missing)).status_code
                if has_object
                else None
            )
            out.append(
                Outcome(actor, "GET", pattern.template, url, status, missing_status)
            )
    return out


def _check(outcomes: list[Outcome]) -> list[str]:
    problems = []
    for o in outcomes:
        allowed, why = allowed_for(o.method, o.template)
        if o.status >= 500 or (o.missing_status or 0) >= 500:
            problems.append(f"{o.actor:15} {o.method} {o.url}: server error {o.status}")
        elif 200 <= o.status < 300 and o.actor not in allowed:
            problems.append(
                f"{o.actor:15} {o.method} {o.url}: {o.status} but only "
                f"{sorted(allowed) or 'nobody'} may succeed ({why})"
            )
        elif (
            o.actor not in allowed
            and o.missing_status is not None
            and o.missing_status != o.status
        ):
            problems.append(
                f"{o.actor:15} {o.method} {o.url}: forbidden answers {o.status}, "
                f"missing answers {o.missing_status}"
            )
    return problems


def test_api_access_matrix(world):
    """Every API operation × every actor: no unauthorised success, no tell-tale status."""
    outcomes = _api_outcomes(world)
    assert len({o.template for o in outcomes}) >= 20  # the schema really was read
    problems = _check(outcomes)
    assert not problems, "\n".join(problems)


def test_page_access_matrix(world):
    """Every page pattern × every actor: no unauthorised success, no tell-tale status."""
    outcomes = _page_outcomes(world)
    templates = {o.template for o in outcomes}
    assert "/assessment/s/<uuid:session_id>/" in templates
    problems = _check(outcomes)
    assert not problems, "\n".join(problems)


def test_owner_succeeds_where_the_policy_says_so(world):
    """The matrix can fail: the owner really reads their session, others do not."""
    clients = _clients(world)
    url = f"/api/v1/assessment/sessions/{world.objects['session_id']}"
    assert clients["citizen"].get(url).status_code == 200
    for actor in ("citizen_other", "officer_a", "researcher", "administrator"):
        assert clients[actor].get(url).status_code == 404, actor
    assert clients["anonymous"].get(url).status_code == 401


def test_policy_refuses_routes_without_a_rule():
    """A route nobody wrote a rule for may not succeed for anyone."""
    allowed, _why = allowed_for("GET", "/api/v1/brand-new/secret")
    assert allowed == frozenset()
    allowed, _why = allowed_for(
        "GET", "/api/v1/indicators/districts/{district_code}/data"
    )
    assert "officer_a" in allowed and "officer_b" not in allowed
