"""The one django-ninja API of the platform, mounted at /api/v1/."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI

from learning_platform.auth import authenticated
from learning_platform.errors import install_error_handlers

api = NinjaAPI(
    title="市民终身学习监测平台 API",
    version="1.0.0",
    description=str(
        _(
            "REST API of the citizen lifelong-learning assessment platform. Errors are "
            "JSON objects with a stable `code`, a human `message` and field `errors`."
        )
    ),
    urls_namespace="api",
    auth=authenticated,
    docs_url="/docs",
)
install_error_handlers(api)


def _mount() -> None:
    from assessment.api import router as assessment_router
    from assessment.survey.api import router as survey_router
    from cms.api import router as cms_router
    from itembank.api import router as itembank_router
    from learning_platform.accounts.api import router as accounts_router
    from learning_platform.creditbank.api import router as creditbank_router
    from learning_platform.districts.api import router as districts_router
    from learning_platform.indicators.api import router as indicators_router
    from learning_platform.system_api import router as system_router

    api.add_router("/system", system_router)
    api.add_router("/accounts", accounts_router)
    api.add_router("/districts", districts_router)
    api.add_router("/itembank", itembank_router)
    api.add_router("/assessment", assessment_router)
    api.add_router("/survey", survey_router)
    api.add_router("/creditbank", creditbank_router)
    api.add_router("/indicators", indicators_router)
    api.add_router("/cms", cms_router)


_mount()


def api_not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any path under /api/v1/ that no route takes: the API's JSON error, with 404."""
    return JsonResponse(
        {"code": "not_found", "message": gettext("No API endpoint at %(path)s.")
         % {"path": request.path}, "errors": []},
        status=404,
    )
