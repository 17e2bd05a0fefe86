"""The access matrix, generated: every API operation and page pattern × every actor.

Routes come from the OpenAPI schema and from Django's URL resolver, so a route added
by any app is in the matrix the day it lands. ``POLICY`` says, per route family, who
may get a successful (2xx) answer; a success by anyone else fails the test, and so
does a route nobody wrote a rule for once someone succeeds on it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tests.security.conftest import ACTORS

EVERYONE = frozenset(ACTORS)
SIGNED_IN = EVERYONE - {"anonymous"}
STAFF_ADMIN = frozenset({"item_author", "item_reviewer", "researcher", "administrator"})
ITEM_STAFF = STAFF_ADMIN
RESEARCH = frozenset({"researcher", "administrator"})
DISTRICT_STAFF = frozenset({"officer_a", "officer_b", "statistician_a"})
RATER = frozenset({"expert"})  # the expert actor rates the world's one assignment
OWNER = frozenset({"citizen"})  # owner of every object the world creates
NOBODY: frozenset[str] = frozenset()

# Path parameters that name a district: the world passes district A, so district B's
# staff must never succeed on them (invariant 4).
DISTRICT_PARAMS = frozenset({"code", "district_code", "district"})


@dataclass(frozen=True)
class Rule:
    methods: frozenset[str]  # empty = every method
    pattern: re.Pattern[str]
    allowed: frozenset[str]
    why: str

    def matches(self, method: str, path: str) -> bool:
        return (not self.methods or method in self.methods) and bool(
            self.pattern.search(path)
        )


def rule(methods: str, pattern: str, allowed: frozenset[str], why: str) -> Rule:
    wanted = frozenset(m for m in methods.upper().split() if m != "*")
    return Rule(wanted, re.compile(pattern), frozenset(allowed), why)


# First match wins. Paths are templates: ``{name}`` for API and ``<conv:name>`` for pages.
POLICY: list[Rule] = [
    # -- API: platform
    rule("GET", r"^/api/v1/(openapi\.json|docs)$", EVERYONE, "the published contract"),
    rule("GET", r"^/api/v1/system/health$", EVERYONE, "load-balancer probe"),
    rule("GET", r"^/api/v1/districts/", EVERYONE, "the 16 districts are public"),
    rule("*", r"^/api/v1/accounts/", SIGNED_IN, "the caller's own account and tokens"),
    # -- API: delivery
    rule("GET", r"^/api/v1/assessment/campaigns$", SIGNED_IN, "open campaigns"),
    rule(
        "POST",
        r"^/api/v1/assessment/campaigns/\{campaign_id\}/sessions$",
        SIGNED_IN,
        "anyone signed in may take a test",
    ),
    rule(
        "GET", r"^/api/v1/assessment/sessions$", SIGNED_IN, "the caller's own sessions"
    ),
    rule(
        "*", r"^/api/v1/assessment/sessions/\{session_id\}", OWNER, "own session only"
    ),
    rule("*", r"^/api/v1/assessment/", RESEARCH, "delivery administration"),
    # -- API: credit bank
    rule(
        "GET",
        r"^/api/v1/creditbank/(rules|credentials/\{credential_id\}/status)$",
        EVERYONE,
        "public rules and revocation status",
    ),
    rule(
        "POST",
        r"^/api/v1/creditbank/verify$",
        EVERYONE,
        "anyone may verify a credential",
    ),
    rule(
        "*", r"^/api/v1/creditbank/account(/|$)", SIGNED_IN, "the caller's own account"
    ),
    rule(
        "GET",
        r"^/api/v1/creditbank/(credits|outcomes)$",
        SIGNED_IN,
        "the caller's own records",
    ),
    rule(
        "*",
        r"^/api/v1/creditbank/outcomes/\{outcome_id\}",
        OWNER | {"administrator"},
        "own outcome; administrators correct records",
    ),
    rule(
        "*",
        r"^/api/v1/creditbank/outcomes(/import)?$",
        frozenset({"administrator"}),
        "institutions enter outcomes (no institution actor here)",
    ),
    rule(
        "*",
        r"^/api/v1/creditbank/credits/\{entry_id\}/corrections$",
        frozenset({"administrator"}),
        "administrators correct credits",
    ),
    rule(
        "GET",
        r"^/api/v1/creditbank/district-counts$",
        DISTRICT_STAFF | RESEARCH,
        "counts, each district its own",
    ),
    # -- API: apps landing in parallel; family defaults
    rule("*", r"^/api/v1/itembank/", ITEM_STAFF, "the item bank is staff-only"),
    rule(
        "GET",
        r"^/api/v1/survey/rollups(/\{rollup_id\}(/changes)?)?$",
        EVERYONE,
        "published roll-ups (suppressed figures withheld) are public",
    ),
    rule(
        "GET",
        r"^/api/v1/survey/",
        RESEARCH | DISTRICT_STAFF,
        "roll-ups; districts their own",
    ),
    rule("*", r"^/api/v1/survey/", RESEARCH, "survey operations"),
    rule(
        "GET",
        r"^/api/v1/indicators/frameworks$",
        SIGNED_IN,
        "the published indicator framework",
    ),
    rule(
        "GET",
        r"^/api/v1/organisations/(spaces|results)",
        EVERYONE,
        "approved spaces and suppressed aggregates are public; pending only to the org and district",
    ),
    rule(
        "GET",
        r"^/api/v1/indicators/field/\{year\}$",
        RESEARCH,
        "the field draw is the centre's",
    ),
    rule(
        "*",
        r"^/api/v1/indicators/field/\{year\}/ratings/",
        NOBODY,
        "an expert's own ratings: only panel members, and no actor here is one",
    ),
    rule(
        "GET",
        r"^/api/v1/indicators/field/\{year\}/reports/",
        RESEARCH | DISTRICT_STAFF,
        "field sub-reports: the centre; a district its own once released",
    ),
    rule(
        "GET",
        r"^/api/v1/indicators/",
        RESEARCH | DISTRICT_STAFF,
        "indicators; own district",
    ),
    rule("*", r"^/api/v1/indicators/", RESEARCH | DISTRICT_STAFF, "district filings"),
    # -- API: expert rating of learning organisations (keep above any organisations family rule)
    rule(
        "GET",
        r"^/api/v1/organisations/rating/assignments$",
        SIGNED_IN,
        "the caller's own rating assignments (empty for non-raters)",
    ),
    rule(
        "*",
        r"^/api/v1/organisations/rating/assignments/\{assignment_id\}$",
        RATER,
        "the assigned rater only; anyone else's assignment is missing",
    ),
    rule(
        "*",
        r"^/api/v1/organisations/rating/",
        RESEARCH,
        "researchers assign raters and read every submitted score",
    ),
    # -- API: learning organisations, the register (the world's organisation is in district A)
    rule(
        "*",
        r"^/api/v1/organisations/register$",
        RESEARCH | DISTRICT_STAFF,
        "the register; each district its own organisations",
    ),
    rule(
        "*",
        r"^/api/v1/organisations/register/\{org_id\}",
        RESEARCH | {"officer_a", "statistician_a"},
        "an organisation of district A",
    ),
    rule(
        "GET",
        r"^/api/v1/organisations/monitoring/\{year\}/sample$",
        RESEARCH | DISTRICT_STAFF,
        "a year's sample; districts see their own sampled organisations",
    ),
    rule(
        "GET",
        r"^/api/v1/organisations/monitoring/assessments/",
        RESEARCH | DISTRICT_STAFF,
        "self-assessments: the organisation's users, its district, the centre",
    ),
    rule(
        "*",
        r"^/api/v1/organisations/monitoring/",
        NOBODY,
        "only the organisation's own users save and submit; the district's liaison and head review",
    ),
    rule("GET", r"^/api/v1/cms/", EVERYONE, "published report content"),
    rule("*", r"^/api/v1/cms/", RESEARCH, "report editing"),
    # -- pages
    rule("GET", r"^/accounts/login/$", EVERYONE, "sign-in form"),
    rule("GET", r"^/assessment/$", EVERYONE, "campaign list"),
    rule(
        "GET", r"^/assessment/c/<int:campaign_id>/(start/)?$", EVERYONE, "campaign page"
    ),
    rule("GET", r"^/assessment/history/$", SIGNED_IN, "own history"),
    rule("GET", r"^/assessment/s/<uuid:session_id>/", OWNER, "own session pages"),
    rule("GET", r"^/creditbank/verify/$", EVERYONE, "public verification"),
    rule("GET", r"^/creditbank/outcomes/<int:outcome_id>/", OWNER, "own badge"),
    rule("GET", r"^/creditbank/", SIGNED_IN, "own learning account"),
    rule(
        "GET",
        r"^/organisations/register/<int:org_id>/",
        RESEARCH | {"officer_a", "statistician_a"},
        "an organisation of district A",
    ),
    rule(
        "GET",
        r"^/organisations/$",
        RESEARCH | DISTRICT_STAFF | RATER,
        "the register list; an expert sees a note that rating lives elsewhere",
    ),
    rule(
        "GET",
        r"^/organisations/(register/(new|import)/.*)?$",
        RESEARCH | DISTRICT_STAFF,
        "the register of learning organisations, its forms and import",
    ),
    rule("GET", r"^/reports/", EVERYONE, "published reports and dashboards"),
    rule("GET", r"^/itembank/", ITEM_STAFF, "item bank pages"),
    rule("GET", r"^/survey/", RESEARCH | DISTRICT_STAFF, "survey pages"),
    rule(
        "GET",
        r"^/indicators/field/<int:year>/$",
        RESEARCH,
        "the field year's draw, panel and campaign",
    ),
    rule(
        "GET",
        r"^/indicators/field/<int:year>/rate/",
        NOBODY,
        "expert ratings: only the year's panel members, and no actor here is one",
    ),
    rule(
        "GET",
        r"^/indicators/field/<int:year>/report/",
        RESEARCH | DISTRICT_STAFF,
        "field sub-reports: the centre; a district its own once released",
    ),
    rule(
        "GET",
        r"^/indicators/field/",
        RESEARCH | DISTRICT_STAFF,
        "field monitoring entry and a district's own sites",
    ),
    rule(
        "GET",
        r"^/indicators/compare/$",
        SIGNED_IN,
        "comparison over the submissions the selector lets the caller see",
    ),
    rule("GET", r"^/indicators/", RESEARCH | DISTRICT_STAFF, "indicator pages"),
    rule("GET", r"^/organisations/rating/$", RATER, "an expert's own rating queue"),
    rule(
        "GET",
        r"^/organisations/rating/<int:assignment_id>/",
        RATER,
        "the assigned rater's form and evidence files only",
    ),
    rule(
        "GET",
        r"^/organisations/rating/(assign|agreement)/",
        RESEARCH,
        "rater assignment and the agreement report",
    ),
    rule(
        "GET",
        r"^/organisations/monitoring/<int:year>/sample/$",
        RESEARCH,
        "the monitoring centre draws the sample",
    ),
    rule(
        "GET",
        r"^/organisations/monitoring/",
        RESEARCH | DISTRICT_STAFF,
        "sampled monitoring: the organisation's users, its district, the centre",
    ),
    rule(
        "GET",
        r"^/organisations/space/review/$",
        DISTRICT_STAFF | {"administrator"},
        "district staff review their district's space records",
    ),
    rule(
        "GET",
        r"^/organisations/results/tiers/$",
        RESEARCH | DISTRICT_STAFF,
        "tier decisions with evidence: researchers, district staff their own",
    ),
    rule(
        "GET",
        r"^/organisations/(space|results)/",
        EVERYONE,
        "approved spaces and suppressed aggregates are public; pending only to the org and district",
    ),
    rule(
        "GET",
        r"^/(admin|django-admin)/(login|password_reset|jsi18n|sprite)/",
        EVERYONE,
        "sign-in, password reset and static helpers of the admin",
    ),
    rule(
        "GET",
        r"^/admin/workflows/task_chooser/",
        STAFF_ADMIN,
        "Wagtail lets every editor pick a workflow task",
    ),
    rule(
        "GET",
        r"^/admin/(users|groups|sites|locales|workflows|settings)/",
        frozenset({"administrator"}),
        "Wagtail settings are the administrator's",
    ),
    rule("GET", r"^/admin/", STAFF_ADMIN, "the Wagtail admin"),
    rule(
        "GET",
        r"^/django-admin/",
        STAFF_ADMIN,
        "the Django admin: staff see the models their role's permissions open",
    ),
    rule("GET", r"^/$", EVERYONE, "home page"),
    rule("GET", r"^/(documents|_util)/", EVERYONE, "Wagtail serves public documents"),
]


def allowed_for(method: str, template: str) -> tuple[frozenset[str], str]:
    """Return who may succeed on a route, and why; a district-scoped route drops district B."""
    for candidate in POLICY:
        if candidate.matches(method, template):
            allowed = candidate.allowed
            params = set(re.findall(r"[{<](?:\w+:)?(\w+)[}>]", template))
            if params & DISTRICT_PARAMS and allowed != EVERYONE:
                allowed = allowed - {"officer_b"}
            return allowed, candidate.why
    return NOBODY, "no rule: nobody may succeed"


# ---------------------------------------------------------------- routes


@dataclass(frozen=True)
class ApiOperation:
    method: str
    template: str  # /api/v1/assessment/sessions/{session_id}
    operation_id: str
    params: tuple[tuple[str, dict], ...]  # path parameters with their schema
    body_schema: dict | None
    query: tuple[tuple[str, dict, bool], ...]  # name, schema, required


def _resolve(schema: dict, node: Any) -> Any:
    if isinstance(node, dict) and "$ref" in node:
        target: Any = schema
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return _resolve(schema, target)
    return node


def api_operations(schema: dict) -> list[ApiOperation]:
    """Return every operation of an OpenAPI document."""
    out = []
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            params = tuple(
                (p["name"], _resolve(schema, p.get("schema", {})))
                for p in op.get("parameters", [])
                if p.get("in") == "path"
            )
            query = tuple(
                (
                    p["name"],
                    _resolve(schema, p.get("schema", {})),
                    bool(p.get("required")),
                )
                for p in op.get("parameters", [])
                if p.get("in") == "query"
            )
            body = None
            content = (op.get("requestBody") or {}).get("content", {})
            if "application/json" in content:
                body = _resolve(schema, content["application/json"].get("schema", {}))
            out.append(
                ApiOperation(
                    method.upper(), path, op.get("operationId", ""), params, body, query
                )
            )
    return out


def example(schema: dict, node: Any, depth: int = 0) -> Any:
    """Return a small value valid for a JSON schema (required fields only)."""
    node = _resolve(schema, node) or {}
    if depth > 6:
        return None
    if "enum" in node:
        return node["enum"][0]
    if "default" in node and node["default"] is not None:
        return node["default"]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in node:
            options = [
                o for o in node[key] if _resolve(schema, o).get("type") != "null"
            ]
            return example(schema, (options or node[key])[0], depth + 1)
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        props = node.get("properties", {})
        return {
            name: example(schema, props[name], depth + 1)
            for name in node.get("required", [])
            if name in props
        }
    if kind == "array":
        return []
    if kind == "integer":
        return max(int(node.get("minimum", 1)), 1)
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return True
    if kind == "string":
        fmt = node.get("format")
        if fmt == "date-time":
            return datetime(2026, 1, 1, tzinfo=UTC).isoformat()
        if fmt == "date":
            return "2026-01-01"
        if fmt == "uuid":
            return str(uuid.uuid4())
        return "x" * max(int(node.get("minLength", 1)), 1)
    return None


def missing_value(name: str, kind: str) -> str:
    """Return a path value that names no object."""
    if (
        kind in {"uuid", "uuid4"}
        or name.endswith("session_id")
        or name == "credential_id"
    ):
        return str(uuid.UUID(int=0x5EC0_0000_0000_4000_8000_0000_0000_0001))
    if (
        kind in {"int", "integer", "path_int"}
        or name.endswith("_id")
        or name in {"pk", "id"}
    ):
        return "987654"
    if name in DISTRICT_PARAMS:
        return "999999"
    return "missing-object"


# ---------------------------------------------------------------- pages


@dataclass(frozen=True)
class PagePattern:
    template: str  # /assessment/s/<uuid:session_id>/
    name: str
    params: tuple[tuple[str, str], ...]  # name, converter


# Regex routes whose arguments have a meaning we can supply.
REGEX_SAMPLES = {
    "wagtail_serve": "/",
    "wagtaildocs_serve": "/documents/987654/missing.pdf",
}
# Pages left out: Wagtail's deliberate server-error page.
SKIPPED_PAGE_NAMES = frozenset({"wagtailadmin_failwhale", "failwhale"})
# Page families probed with parameterless routes only unless the nightly target runs.
PARAMETERLESS_ONLY_PREFIXES = ("/admin/", "/django-admin/")


def page_patterns() -> Iterator[PagePattern]:
    """Yield every page pattern of the URL resolver except the API's."""
    from django.urls import URLResolver, get_resolver
    from django.urls.resolvers import RoutePattern

    def walk(patterns, prefix, regex):
        for p in patterns:
            is_regex = regex or not isinstance(p.pattern, RoutePattern)
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern), is_regex)
            else:
                yield prefix + str(p.pattern), p.name or "", is_regex

    for route, name, is_regex in walk(get_resolver().url_patterns, "", False):
        template = "/" + route
        if (
            template.startswith("/api/")
            or name in SKIPPED_PAGE_NAMES
            or "failwhale" in route
        ):
            continue
        if is_regex:
            sample = REGEX_SAMPLES.get(name)
            if sample is None and not re.search(r"[\^$()\\\[]", route):
                sample = template  # a plain regex without groups
            if sample is not None:
                yield PagePattern(sample, name, ())
            continue
        params = tuple(
            (m.group(2), m.group(1) or "str")
            for m in re.finditer(r"<(?:(\w+):)?(\w+)>", template)
        )
        yield PagePattern(template, name, params)


def fill(template: str, values: dict[str, str]) -> str:
    """Substitute ``{name}`` and ``<conv:name>`` placeholders."""
    out = re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), template)
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), out)
