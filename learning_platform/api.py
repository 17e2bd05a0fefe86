"""The one django-ninja API of the platform, mounted at /api/v1/."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI

from assessment.api import router as assessment_router
from assessment.survey.api import router as survey_router
from cms.api import router as cms_router
from itembank.api import router as itembank_router
from learning_platform.accounts.api import router as accounts_router
from learning_platform.auth import authenticated
from learning_platform.creditbank.api import router as creditbank_router
from learning_platform.districts.api import router as districts_router
from learning_platform.errors import install_error_handlers
from learning_platform.indicators.api import router as indicators_router
from learning_platform.jsonbounds import BoundedParser
from learning_platform.organisations.api import router as organisations_router
from learning_platform.system_api import router as system_router

# Statuses any operation can answer through the platform's error handlers and
# middleware, each with the error shape: bad JSON (400), a refusal (403: roles,
# CSRF, token scopes), a missing object (404), a state conflict (409), an oversized
# body (413), invalid input (422), too many attempts (429), and a service that is
# not ready (503: e.g. no active item parameters for adaptive delivery).
COMMON_ERROR_STATUSES = {
    "400": "The body is not JSON the platform reads.",
    "403": "Not allowed: role, CSRF or token scope.",
    "404": "Not found (or not visible to the caller).",
    "409": "The object's state does not allow this.",
    "413": "The request body is larger than the platform accepts.",
    "422": "The input is not valid; `errors` names each field.",
    "429": "Too many failed attempts; retry after the Retry-After header.",
    "503": "A resource the operation needs is not ready.",
}
ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": ["string", "null"]},
                    "message": {"type": "string"},
                },
            },
        },
    },
    "required": ["code", "message", "errors"],
}
# The auth class whose operations anonymous visitors may call too.
OPTIONAL_AUTH_SCHEMES = {"OptionalSessionAuth"}


class PlatformAPI(NinjaAPI):
    """The platform's NinjaAPI, whose schema declares every error and who may call what."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(
            path_prefix=path_prefix, path_params=path_params
        )
        # Rendered now, in the caller's language (the snapshot test renders msgids).
        schema.setdefault("info", {})["description"] = str(self.description)
        components = schema.setdefault("components", {})
        components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        error_ref = {"$ref": "#/components/schemas/Error"}
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                security = operation.get("security") or []
                public = not security or any(
                    set(entry) & OPTIONAL_AUTH_SCHEMES for entry in security
                )
                if security and public and {} not in security:
                    # Anonymous calls are allowed: say so (an empty requirement).
                    operation["security"] = [*security, {}]
                statuses = dict(COMMON_ERROR_STATUSES)
                if security:
                    statuses["401"] = "Not signed in, or the token is not valid."
                # ninja keys statuses by int; JSON keys are strings, so one key per status.
                responses = {str(k): v for k, v in operation["responses"].items()}
                operation["responses"] = responses
                for status, description in statuses.items():
                    responses.setdefault(
                        status,
                        {
                            "description": description,
                            "content": {"application/json": {"schema": error_ref}},
                        },
                    )
        return schema


api = PlatformAPI(
    title="市民终身学习监测平台 API",
    version="1.0.0",
    # Lazy, so the schema speaks the caller's language (rendered in get_openapi_schema).
    description=_(  # type: ignore[arg-type]
        "REST API of the citizen lifelong-learning assessment platform. Errors are "
        "JSON objects with a stable `code`, a human `message` and field `errors`."
    ),
    urls_namespace="api",
    auth=authenticated,
    docs_url="/docs",
    # Bounded nesting and no lone surrogates in any body or query.
    parser=BoundedParser(),
)
install_error_handlers(api)


def _mount() -> None:
    api.add_router("/system", system_router)
    api.add_router("/accounts", accounts_router)
    api.add_router("/districts", districts_router)
    api.add_router("/itembank", itembank_router)
    api.add_router("/assessment", assessment_router)
    api.add_router("/survey", survey_router)
    api.add_router("/creditbank", creditbank_router)
    api.add_router("/indicators", indicators_router)
    api.add_router("/organisations", organisations_router)
    api.add_router("/cms", cms_router)


_mount()


def openapi_document() -> str:
    """Return the OpenAPI document as stable JSON: sorted keys, msgids, no run data.

    ``tests/api/openapi.json`` holds the reviewed copy; regenerate it with
    ``UPDATE_OPENAPI_SNAPSHOT=1 .venv/bin/python -m pytest -q tests/api``.
    """
    import json

    from django.core.serializers.json import DjangoJSONEncoder
    from django.utils import translation

    with translation.override(None):
        schema = api.get_openapi_schema()
        text = json.dumps(
            schema, cls=DjangoJSONEncoder, sort_keys=True, indent=2, ensure_ascii=False
        )
    return text + "\n"


def api_not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any path under /api/v1/ that no route takes: the API's JSON error, with 404."""
    return JsonResponse(
        {
            "code": "not_found",
            "message": gettext("No API endpoint at %(path)s.") % {"path": request.path},
            "errors": [],
        },
        status=404,
    )
