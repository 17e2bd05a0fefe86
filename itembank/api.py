"""The item bank's API: downloads for staff (the admin pages are the main interface)."""

from __future__ import annotations

from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from ninja import Query, Router

from . import selectors
from .exporting import XLSX_CONTENT_TYPE, can_see_keys, items_csv, items_xlsx

router = Router(tags=["itembank"])


@router.get("/items/export", url_name="itembank_items_export",
            operation_id="itembank_items_export",
            openapi_extra={"responses": {200: {"description": "The items file.", "content": {
                "text/csv": {"schema": {"type": "string"}},
                XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}},
            }}}})
def items_export(request, format: Literal["csv", "xlsx"] = "csv",
                 domain: Annotated[str, Query(max_length=64)] = "",
                 kind: Annotated[str, Query(max_length=16)] = "",
                 live: bool = False):
    """Download items as CSV or XLSX in the import template's columns.

    Keys are filled only for callers allowed to see them (item authors, reviewers and
    researchers).
    """
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    if not request.user.has_perm("itembank.view_item"):
        raise PermissionDenied
    if format not in ("csv", "xlsx"):
        raise ValidationError({"format": _("Choose csv or xlsx.")})
    items = selectors.items_for_export(domain_code=domain or None, kind=kind or None,
                                       live_only=live)
    with_keys = can_see_keys(request.user)
    if format == "xlsx":
        response = HttpResponse(items_xlsx(items, with_keys=with_keys),
                                content_type=XLSX_CONTENT_TYPE)
    else:
        response = HttpResponse(items_csv(items, with_keys=with_keys),
                                content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="items.{format}"'
    return response
