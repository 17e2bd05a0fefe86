"""Pages of the register of organisations: list, detail with history, edit, tier decisions,
XLSX import. Each view calls a selector or a service; access lives there."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from learning_platform.accounts.requests import AuthenticatedRequest
from learning_platform.accounts.roles import Role
from learning_platform.accounts.selectors import user_roles
from learning_platform.districts.models import District
from learning_platform.downloads import download_response
from learning_platform.organisations.models import (
    Organisation,
    OrganisationKind,
    Tier,
)
from learning_platform.organisations.selectors import register as sel
from learning_platform.organisations.services import register as services

PAGE_SIZE = 50
REGISTER_ROLES = sel.CITY_ROLES | sel.DISTRICT_STAFF | sel.MEMBER_ROLES | {Role.EXPERT}


def _organisation(request: HttpRequest, org_id: int) -> Organisation:
    try:
        return sel.organisation_get_for_user(user=request.user, org_id=org_id)
    except Organisation.DoesNotExist as exc:
        raise Http404(_("No such organisation.")) from exc


@login_required
def register_list(request: HttpRequest) -> HttpResponse:
    roles = set(user_roles(user=request.user))
    if not roles & REGISTER_ROLES:
        raise PermissionDenied(
            _(
                "The register of learning organisations is for districts, the monitoring "
                "centre and the organisations themselves."
            )
        )
    visible = sel.organisations_visible_to(request.user)
    filters = {
        key: request.GET.get(key, "")[:60] for key in ("district", "kind", "tier", "q")
    }
    page = Paginator(sel.organisations_filter(visible, **filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    district_ids = set(visible.values_list("district_id", flat=True).distinct())
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "organisations/register/list.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "districts": District.objects.filter(pk__in=district_ids),
            "kinds": OrganisationKind.choices,
            "tiers": Tier.choices,
            "may_register": sel.may_register(request.user),
            "is_expert_only": Role.EXPERT in roles
            and not roles & (REGISTER_ROLES - {Role.EXPERT}),
        },
    )


def _form_context(
    request: HttpRequest, *, org: Organisation | None, values: dict, errors: dict
) -> dict:
    manages = org is None or sel.may_manage_district(request.user, org.district_id)
    return {
        "org": org,
        "values": values,
        "errors": errors,
        "manages": manages,
        "kinds": OrganisationKind.choices,
        "districts": sel.districts_for_registering(request.user)
        if manages
        else District.objects.none(),
    }


def _values_of(org: Organisation) -> dict:
    return {
        "name": org.name,
        "kind": org.kind,
        "district": org.district.code,
        "street": org.street,
        "contact_name": org.contact_name,
        "contact_phone": org.contact_phone,
        "contact_email": org.contact_email,
        "residents": org.residents or "",
        "members": org.members or "",
        "users": ", ".join(
            org.users.order_by("username").values_list("username", flat=True)
        ),
    }


def _shown(name: str, value, districts: dict[str, str]) -> str:
    if value in (None, ""):
        return ""
    if name == "kind" and value in OrganisationKind.values:
        return str(OrganisationKind(value).label)
    if name == "tier" and value in Tier.values:
        return str(Tier(value).label)
    if name == "district":
        return districts.get(str(value), str(value))
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


ACTIONS = {
    "create": gettext_lazy("Registered"),
    "import": gettext_lazy("Imported"),
    "tier": gettext_lazy("Tier decision"),
    "update": gettext_lazy("Edited"),
}


def event_rows(org: Organisation) -> list[dict]:
    """The history, readable: labels for fields, kinds, tiers and districts instead of codes."""
    districts = dict(District.objects.values_list("code", "name_zh"))
    rows = []
    for event in org.events.select_related("actor").order_by("-at", "-pk"):
        changes = []
        for name, pair in (event.changes or {}).items():
            if name == "year" or not isinstance(pair, list) or len(pair) != 2:
                continue
            changes.append(
                (
                    services.field_label(name),
                    _shown(name, pair[0], districts),
                    _shown(name, pair[1], districts),
                )
            )
        rows.append(
            {
                "at": event.at,
                "action": ACTIONS.get(event.action, event.action),
                "actor": event.actor,
                "changes": changes,
            }
        )
    return rows


def _detail_context(request: HttpRequest, org: Organisation, **extra) -> dict:
    manages = sel.may_manage_district(request.user, org.district_id)
    context = {
        "org": org,
        "manages": manages,
        "may_edit": sel.may_edit_organisation(request.user, org),
        "may_change_tier": sel.may_change_tier(request.user, org),
        "next_tiers": [(t, Tier(t).label) for t in sel.next_tiers(org)],
        "tier_changes": org.tier_changes.select_related("decided_by"),
        "events": event_rows(org),
        "users": org.users.order_by("username") if manages else [],
        "errors": {},
        "tier_values": {},
    }
    context.update(extra)
    return context


@login_required
def register_detail(request: HttpRequest, org_id: int) -> HttpResponse:
    org = _organisation(request, org_id)
    return render(
        request, "organisations/register/detail.html", _detail_context(request, org)
    )


@login_required
@require_http_methods(["GET", "POST"])
def register_edit(request: HttpRequest, org_id: int) -> HttpResponse:
    org = _organisation(request, org_id)
    if not sel.may_edit_organisation(request.user, org):
        raise PermissionDenied(_("You may not edit this organisation."))
    if request.method == "GET":
        return render(
            request,
            "organisations/register/form.html",
            _form_context(request, org=org, values=_values_of(org), errors={}),
        )
    fields = (
        services.ALL_FIELDS
        if sel.may_manage_district(request.user, org.district_id)
        else services.MEMBER_FIELDS
    )
    data = {name: request.POST.get(name, "") for name in fields}
    try:
        services.organisation_update(user=request.user, org=org, data=data)
    except ValidationError as exc:
        messages.error(
            request, _("Nothing was saved; correct the fields marked below.")
        )
        errors = {k: " ".join(v) for k, v in exc.message_dict.items()}
        return render(
            request,
            "organisations/register/form.html",
            _form_context(request, org=org, values=data, errors=errors),
            status=400,
        )
    messages.success(request, _("The organisation's entry is saved."))
    return redirect("organisations:register_detail", org_id=org.pk)


@login_required
@require_http_methods(["GET", "POST"])
def register_new(request: AuthenticatedRequest) -> HttpResponse:
    if not sel.may_register(request.user):
        raise PermissionDenied(
            _("Only district staff and the monitoring centre register organisations.")
        )
    if request.method == "GET":
        start = (
            {"district": getattr(request.user.district, "code", "")}
            if sel.staff_district_id(request.user)
            else {}
        )
        return render(
            request,
            "organisations/register/form.html",
            _form_context(request, org=None, values=start, errors={}),
        )
    data = {name: request.POST.get(name, "") for name in services.ALL_FIELDS}
    try:
        org = services.organisation_create(user=request.user, data=data)
    except ValidationError as exc:
        messages.error(
            request, _("Nothing was saved; correct the fields marked below.")
        )
        errors = {k: " ".join(v) for k, v in exc.message_dict.items()}
        return render(
            request,
            "organisations/register/form.html",
            _form_context(request, org=None, values=data, errors=errors),
            status=400,
        )
    messages.success(request, _("The organisation is registered."))
    return redirect("organisations:register_detail", org_id=org.pk)


@login_required
@require_POST
def register_tier(request: HttpRequest, org_id: int) -> HttpResponse:
    org = _organisation(request, org_id)
    try:
        services.organisation_tier_change(
            user=request.user,
            org=org,
            to_tier=request.POST.get("to_tier", ""),
            year=request.POST.get("year", ""),
            evidence=request.POST.get("evidence", ""),
        )
    except ValidationError as exc:
        messages.error(
            request, _("The tier was not changed; correct the fields marked below.")
        )
        context = _detail_context(
            request,
            org,
            errors={k: " ".join(v) for k, v in exc.message_dict.items()},
            tier_values=request.POST,
        )
        return render(
            request, "organisations/register/detail.html", context, status=400
        )
    messages.success(request, _("The tier decision is recorded with its evidence."))
    return redirect("organisations:register_detail", org_id=org.pk)


@login_required
@require_http_methods(["GET", "POST"])
def register_import(request: HttpRequest) -> HttpResponse:
    if not sel.may_register(request.user):
        raise PermissionDenied(
            _("Only district staff and the monitoring centre register organisations.")
        )
    context: dict = {
        "columns": [h for h, _f in services.IMPORT_COLUMNS],
        "required": services.REQUIRED_COLUMNS,
        "max_rows": services.IMPORT_MAX_ROWS,
    }
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["errors"] = [_("Choose the XLSX file to import.")]
            return render(
                request, "organisations/register/import.html", context, status=400
            )
        if upload.size > services.IMPORT_MAX_BYTES:
            data = b"x" * (
                services.IMPORT_MAX_BYTES + 1
            )  # refused by size without reading it
        else:
            data = upload.read()
        result = services.organisations_import_xlsx(
            user=request.user, data=data, filename=upload.name or ""
        )
        if result.errors:
            context["errors"] = [str(e) for e in result.errors[:200]]
            context["more_errors"] = max(0, len(result.errors) - 200)
            return render(
                request, "organisations/register/import.html", context, status=400
            )
        messages.success(
            request,
            _("%(n)s organisations registered from the file.")
            % {"n": len(result.created)},
        )
        return redirect("organisations:register_list")
    return render(request, "organisations/register/import.html", context)


@login_required
def register_import_template(request: HttpRequest) -> HttpResponse:
    if not sel.may_register(request.user):
        raise PermissionDenied(
            _("Only district staff and the monitoring centre register organisations.")
        )
    return download_response(
        services.import_template_xlsx(),
        filename="organisations-register-template.xlsx",
    )
