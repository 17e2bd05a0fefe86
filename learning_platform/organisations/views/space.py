"""Pages of the organisations' spaces: the public index and page, entries, review, files."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from learning_platform.districts.models import District
from learning_platform.organisations.models import (
    EntryKind,
    EntryStatus,
    Organisation,
    OrganisationKind,
    SpaceEntry,
    Tier,
)
from learning_platform.organisations.selectors import space as selectors
from learning_platform.organisations.selectors.results import organisation_results
from learning_platform.organisations.services import space as services
from learning_platform.private_files import private_file_response


def space_index(request: HttpRequest) -> HttpResponse:
    """Public index of the organisations' spaces, with filters."""
    filters = {
        name: request.GET.get(name, "").strip()[:60]
        for name in ("district", "kind", "tier", "q")
    }
    rows = selectors.space_index(**filters)
    return render(
        request,
        "organisations/space/index.html",
        {
            "organisations": rows[:300],
            "total": rows.count(),
            "filters": filters,
            "districts": District.objects.all(),
            "kinds": OrganisationKind.choices,
            "tiers": Tier.choices,
            "mine": selectors.organisations_maintained_by(user=request.user),
            "to_review": selectors.space_entries_to_review(user=request.user).count(),
        },
    )


def _space(request: HttpRequest, slug: str) -> Organisation:
    try:
        return selectors.space_get_for_user(user=request.user, slug=slug)
    except Organisation.DoesNotExist as exc:
        raise Http404(_("No such space.")) from exc


def space_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """An organisation's space: approved records and yearly results (plus pending for its own users)."""
    organisation = _space(request, slug)
    entries = selectors.space_entries_for_user(
        user=request.user, organisation=organisation
    )
    return render(
        request,
        "organisations/space/detail.html",
        {
            "organisation": organisation,
            "entries": entries,
            "results": organisation_results(organisation=organisation),
            "can_edit": selectors.user_maintains(
                user=request.user, organisation=organisation
            ),
            "can_review": selectors.user_reviews_district(
                user=request.user, district_id=organisation.district_id
            ),
            "approved": EntryStatus.APPROVED,
            "photo": EntryKind.PHOTO,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def space_entry_edit(
    request: HttpRequest, slug: str, entry_id: int | None = None
) -> HttpResponse:
    """Add or change a record of the user's own organisation; it then awaits the district."""
    organisation = _space(request, slug)
    if not selectors.user_maintains(user=request.user, organisation=organisation):
        raise Http404(_("No such space."))
    entry = None
    if entry_id is not None:
        entry = SpaceEntry.objects.filter(
            pk=entry_id, organisation=organisation
        ).first()
        if entry is None:
            raise Http404(_("No such entry."))
    errors: dict = {}
    data = (
        request.POST
        if request.method == "POST"
        else {
            "kind": entry.kind
            if entry
            else request.GET.get("kind", EntryKind.ACTIVITY),
            "title": entry.title if entry else "",
            "body": entry.body if entry else "",
            "happened_on": entry.happened_on.isoformat()
            if entry and entry.happened_on
            else "",
            "alt_text": entry.alt_text if entry else "",
        }
    )
    if request.method == "POST":
        try:
            services.space_entry_save(
                user=request.user,
                organisation=organisation,
                data=request.POST,
                upload=request.FILES.get("file"),
                entry=entry,
            )
        except ValidationError as exc:
            errors = exc.message_dict
        except PermissionDenied as exc:
            raise Http404(_("No such space.")) from exc
        else:
            messages.success(
                request, _("Saved. The record is public once the district approves it.")
            )
            return redirect("organisations:space_detail", slug=organisation.slug)
    kinds = [(k, label) for k, label in EntryKind.choices if k in services.ENTRY_KINDS]
    return render(
        request,
        "organisations/space/entry_form.html",
        {
            "organisation": organisation,
            "entry": entry,
            "data": data,
            "errors": errors,
            "kinds": kinds,
            "photo_types": " ".join(sorted(services.PHOTO_TYPES)),
            "document_types": " ".join(sorted(services.DOCUMENT_TYPES)),
        },
        status=400 if errors else 200,
    )


@login_required
def space_review_list(request: HttpRequest) -> HttpResponse:
    """Pending records of the reviewer's district."""
    if not selectors.is_space_reviewer(user=request.user):
        raise PermissionDenied(
            _("Only district staff review the organisations' spaces.")
        )
    return render(
        request,
        "organisations/space/review.html",
        {
            "entries": selectors.space_entries_to_review(user=request.user),
            "photo": EntryKind.PHOTO,
        },
    )


@login_required
@require_POST
def space_entry_review(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = (
        selectors.space_entries_to_review(user=request.user).filter(pk=entry_id).first()
    )
    if entry is None:
        raise Http404(_("No such entry."))
    try:
        services.space_entry_review(
            user=request.user,
            entry=entry,
            approve=request.POST.get("decision") == "approve",
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        for problems in exc.message_dict.values():
            for problem in problems:
                messages.error(request, problem)
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("organisations:space_review")


def space_file(request: HttpRequest, entry_id: int) -> HttpResponse:
    """A record's file: approved ones for everyone, pending ones for its users and district staff."""
    try:
        entry = selectors.space_entry_get_for_user(user=request.user, entry_id=entry_id)
    except SpaceEntry.DoesNotExist as exc:
        raise Http404(_("No such file.")) from exc
    if not entry.file:
        raise Http404(_("No such file."))
    name = entry.file.name.rsplit("/", 1)[-1]
    return private_file_response(
        entry.file, filename=name, as_attachment=entry.kind != EntryKind.PHOTO
    )
