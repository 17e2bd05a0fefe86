"""Writes of field monitoring: sites, the reproducible draw, the panel, ratings, feedback."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from typing import Any, Protocol

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from learning_platform.accounts.roles import Role
from learning_platform.accounts.selectors import user_roles
from learning_platform.districts.models import District
from learning_platform.indicators.field_models import (
    FieldDistrict,
    FieldPanelMember,
    FieldRating,
    FieldSampledSite,
    FieldSite,
    FieldYear,
    SiteType,
)
from learning_platform.indicators.models import FrameworkVersion, Indicator
from learning_platform.indicators.selectors import DISTRICT_STAFF

CITY_ROLES = {Role.RESEARCHER, Role.ADMINISTRATOR}
SITE_EDITORS = {Role.DISTRICT_STATISTICIAN, Role.DISTRICT_LIAISON, Role.DISTRICT_HEAD}
RATER_ROLES = {Role.EXPERT, Role.RESEARCHER}
RATING_SCALE = (1, 2, 3, 4, 5)
MIN_SITES = 2


# --- the satisfaction questionnaire (run by assessment, a higher layer) -------------------


class SatisfactionBackend(Protocol):
    def campaign_create(
        self, *, field_year: FieldYear, user, per_site: int
    ) -> tuple[int, list]: ...

    def site_counts(self, *, field_year: FieldYear) -> dict[int, dict[str, int]]: ...

    def district_results(
        self, *, field_year: FieldYear
    ) -> dict[int, dict[str, Any]]: ...


_backend: list[SatisfactionBackend] = []


def satisfaction_backend_register(backend: SatisfactionBackend) -> None:
    """Called by ``assessment.survey`` when it is ready: it owns campaigns and invitations."""
    _backend[:] = [backend]


def satisfaction_backend() -> SatisfactionBackend | None:
    return _backend[0] if _backend else None


# --- sites ----------------------------------------------------------------------------------


def _require_city(user) -> None:
    if not CITY_ROLES & set(user_roles(user=user)):
        raise PermissionDenied(_("Only the monitoring centre runs field monitoring."))


def district_sites_editable(user, district: District) -> bool:
    """Whether ``user`` may change the district's learning sites."""
    roles = set(user_roles(user=user))
    return bool(CITY_ROLES & roles) or (
        bool(SITE_EDITORS & roles) and user.district_id == district.pk
    )


@transaction.atomic
def field_site_add(
    *, user, district: District, name: str, site_type: str, address: str
) -> FieldSite:
    """Add a site the district offers for a field visit; errors name the field."""
    if not district_sites_editable(user, district):
        raise PermissionDenied(
            _("Only the district's staff and the monitoring centre enter its sites.")
        )
    name, address = (name or "").strip(), (address or "").strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Enter the site's name.")
    elif len(name) > 200:
        errors["name"] = _("The site's name is longer than 200 characters.")
    elif FieldSite.objects.filter(district=district, name=name).exists():
        errors["name"] = _("This district already has a site of this name.")
    if site_type not in SiteType.values:
        errors["site_type"] = _("Choose the site's type.")
    if not address:
        errors["address"] = _("Enter the site's address.")
    elif len(address) > 300:
        errors["address"] = _("The address is longer than 300 characters.")
    if errors:
        raise ValidationError(errors)
    return FieldSite.objects.create(
        district=district,
        name=name,
        site_type=site_type,
        address=address,
        created_by=user,
    )


@transaction.atomic
def field_site_withdraw(*, user, site: FieldSite) -> None:
    """Take a site out of future draws (a drawn site stays in its year's record)."""
    if not district_sites_editable(user, site.district):
        raise PermissionDenied(
            _("Only the district's staff and the monitoring centre enter its sites.")
        )
    site.active = False
    site.save(update_fields=["active"])


# --- the draw -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrawFrame:
    districts: list[tuple[str, list[int]]]  # (district code, active site ids), sorted
    excluded: list[str]  # district codes with fewer than MIN_SITES sites


def draw_frame() -> DrawFrame:
    """Return the frame: every district with at least two active sites, in code order."""
    sites: dict[int, list[int]] = {}
    for site_id, district_id in (
        FieldSite.objects.filter(active=True)
        .order_by("pk")
        .values_list("pk", "district_id")
    ):
        sites.setdefault(district_id, []).append(site_id)
    included: list[tuple[str, list[int]]] = []
    excluded: list[tuple[str, list[int]]] = []
    for d in District.objects.order_by("code"):
        ids = sites.get(d.pk, [])
        (included if len(ids) >= MIN_SITES else excluded).append((d.code, ids))
    return DrawFrame(districts=included, excluded=[c for c, _ids in excluded])


def draw_compute(
    *, frame: DrawFrame, seed: int, n_districts: int, sites_per_district: int
) -> list[dict[str, Any]]:
    """Draw districts then sites by simple random sampling; the same inputs give the same draw."""
    rng = random.Random(seed)
    pool = frame.districts
    chosen = rng.sample(range(len(pool)), n_districts)
    out = []
    p_district = n_districts / len(pool)
    for order, index in enumerate(chosen):
        code, site_ids = pool[index]
        k = min(sites_per_district, len(site_ids))
        picked = rng.sample(site_ids, k)
        out.append(
            {
                "code": code,
                "order": order,
                "p": p_district,
                "sites": [(sid, p_district * k / len(site_ids)) for sid in picked],
            }
        )
    return out


def draw_includes(
    *, code: str, start: int, n_districts: int = 3, sites_per_district: int = 3
) -> int:
    """Return the first seed from ``start`` whose draw over the current frame includes ``code`` (demos)."""
    frame = draw_frame()
    for seed in range(start, start + 1000):
        drawn = draw_compute(
            frame=frame,
            seed=seed,
            n_districts=n_districts,
            sites_per_district=sites_per_district,
        )
        if any(row["code"] == code for row in drawn):
            return seed
    return start


def field_year_has_started(field_year: FieldYear) -> bool:
    return bool(
        field_year.visits_started_at
        or field_year.campaign_id
        or FieldRating.objects.filter(field_district__field_year=field_year).exists()
    )


@transaction.atomic
def field_year_draw(
    *,
    user,
    year: int,
    seed: int | None = None,
    sites_per_district: int = 3,
    n_districts: int = 3,
) -> FieldYear:
    """Draw the year's districts and sites from a seed and record it; refuse once visits started."""
    _require_city(user)
    errors: dict[str, str] = {}
    if not 2000 <= int(year) <= 2100:
        errors["year"] = _("Enter a year between 2000 and 2100.")
    if sites_per_district not in (2, 3):
        errors["sites_per_district"] = _("Sites per district must be 2 or 3.")
    if seed is not None and not 0 <= seed < 2**62:
        errors["seed"] = _(
            "The seed must be a whole number from 0 to 4611686018427387903."
        )
    if errors:
        raise ValidationError(errors)
    field_year = FieldYear.objects.select_for_update().filter(year=year).first()
    if field_year is not None and field_year_has_started(field_year):
        raise ValidationError(
            {
                "year": _(
                    "The %(year)s field visits have started (a questionnaire campaign, ratings or a visit "
                    "exist): the draw can no longer be repeated."
                )
                % {"year": year}
            }
        )
    frame = draw_frame()
    if len(frame.districts) < n_districts:
        raise ValidationError(
            {
                "year": _(
                    "Only %(n)s districts have entered at least two sites; %(k)s are needed for the draw."
                )
                % {"n": len(frame.districts), "k": n_districts}
            }
        )
    if seed is None:
        seed = secrets.randbits(31)
    drawn = draw_compute(
        frame=frame,
        seed=seed,
        n_districts=n_districts,
        sites_per_district=sites_per_district,
    )
    if field_year is None:
        field_year = FieldYear(year=year)
    field_year.seed = seed
    field_year.districts_to_draw = n_districts
    field_year.sites_per_district = sites_per_district
    field_year.frame = {
        "districts": [[c, ids] for c, ids in frame.districts],
        "excluded": frame.excluded,
    }
    field_year.drawn_by = user
    field_year.drawn_at = timezone.now()
    field_year.save()
    field_year.districts.all().delete()
    by_code = {
        d.code: d for d in District.objects.filter(code__in=[r["code"] for r in drawn])
    }
    for row in drawn:
        fd = FieldDistrict.objects.create(
            field_year=field_year,
            district=by_code[row["code"]],
            order=row["order"],
            selection_probability=row["p"],
        )
        FieldSampledSite.objects.bulk_create(
            [
                FieldSampledSite(
                    field_district=fd, site_id=sid, order=i, selection_probability=p
                )
                for i, (sid, p) in enumerate(row["sites"])
            ]
        )
    return field_year


@transaction.atomic
def field_year_start_visits(*, user, field_year: FieldYear) -> FieldYear:
    _require_city(user)
    if field_year.drawn_at is None:
        raise ValidationError(
            {"year": _("Draw the districts before starting the visits.")}
        )
    if field_year.visits_started_at is None:
        field_year.visits_started_at = timezone.now()
        field_year.save(update_fields=["visits_started_at"])
    return field_year


@transaction.atomic
def field_satisfaction_campaign_create(
    *, user, field_year: FieldYear, per_site: int = 30
) -> list:
    """Open the year's satisfaction campaign for the sampled sites; return the one-time codes."""
    _require_city(user)
    if field_year.drawn_at is None:
        raise ValidationError(
            {"year": _("Draw the districts before opening the questionnaire.")}
        )
    if field_year.campaign_id:
        raise ValidationError(
            {"year": _("This year's satisfaction campaign already exists.")}
        )
    if not 1 <= per_site <= 2000:
        raise ValidationError(
            {"per_site": _("Invitations per site must be between 1 and 2000.")}
        )
    backend = satisfaction_backend()
    if backend is None:
        raise ValidationError(
            {"year": _("The questionnaire delivery is not installed.")}
        )
    campaign_id, codes = backend.campaign_create(
        field_year=field_year, user=user, per_site=per_site
    )
    field_year.campaign_id = campaign_id
    field_year.save(update_fields=["campaign_id"])
    return codes


# --- the panel and its ratings -------------------------------------------------------------


@transaction.atomic
def field_panel_member_add(
    *,
    user,
    field_year: FieldYear,
    name: str,
    organisation: str,
    member_user,
    is_lead: bool = False,
) -> FieldPanelMember:
    _require_city(user)
    errors: dict[str, str] = {}
    if not (name or "").strip():
        errors["name"] = _("Enter the expert's name.")
    if not (organisation or "").strip():
        errors["organisation"] = _("Enter the expert's organisation.")
    if member_user is None:
        errors["username"] = _("No user account has this user name.")
    elif not RATER_ROLES & set(user_roles(user=member_user)):
        errors["username"] = _(
            "This account has neither the expert nor the researcher role, so it may not rate."
        )
    elif FieldPanelMember.objects.filter(
        field_year=field_year, user=member_user
    ).exists():
        errors["username"] = _("This account is already on the year's panel.")
    if errors:
        raise ValidationError(errors)
    return FieldPanelMember.objects.create(
        field_year=field_year,
        name=name.strip(),
        organisation=organisation.strip(),
        user=member_user,
        is_lead=is_lead,
    )


def monitoring_points(version: FrameworkVersion) -> list[tuple[Indicator, int, str]]:
    """Every monitoring point of the framework as (third-level indicator, 1-based position, text)."""
    out = []
    for ind in Indicator.objects.filter(version=version, level=3).order_by("sort"):
        for i, text in enumerate(ind.monitoring_points or [], start=1):
            out.append((ind, i, text))
    return out


def framework_for_field_year(field_year: FieldYear) -> FrameworkVersion:
    version = (
        FrameworkVersion.objects.filter(data_year__lte=field_year.year)
        .order_by("-data_year")
        .first()
        or FrameworkVersion.objects.first()
    )
    if version is None:
        raise ValidationError({"year": _("No indicator framework is loaded.")})
    return version


@transaction.atomic
def field_ratings_save(
    *, member: FieldPanelMember, field_district: FieldDistrict, data: dict[str, str]
) -> int:
    """Save an expert's ratings and comments from ``r_<code>-<n>`` / ``c_<code>-<n>`` fields.

    A rating outside the rubric, or a point the framework does not have, refuses the whole
    form with an error per point; nothing is saved. Returns the number of points stored.
    """
    if field_district.field_year_id != member.field_year_id:
        raise PermissionDenied(_("This district is not in your panel's year."))
    version = framework_for_field_year(member.field_year)
    points = {f"{ind.code}-{n}": (ind, n) for ind, n, _t in monitoring_points(version)}
    errors: dict[str, str] = {}
    rows: dict[str, dict[str, Any]] = {}
    for key, raw in data.items():
        if key[:2] not in ("r_", "c_"):
            continue
        point = key[2:]
        if point not in points:
            errors[point] = _(
                "Monitoring point %(point)s does not exist in the framework."
            ) % {"point": point}
            continue
        row = rows.setdefault(point, {"rating": None, "comment": ""})
        value = (raw or "").strip()
        if key.startswith("r_"):
            if value == "":
                continue
            if not value.isdigit() or int(value) not in RATING_SCALE:
                errors[point] = _(
                    "Monitoring point %(point)s: the rating must be a whole number from 1 to 5, "
                    "not “%(value)s”."
                ) % {"point": point, "value": value[:20]}
                continue
            row["rating"] = int(value)
        else:
            if len(value) > 4000:
                errors[point] = _(
                    "Monitoring point %(point)s: the comment is longer than 4000 characters."
                ) % {"point": point}
                continue
            row["comment"] = value
    if errors:
        raise ValidationError(errors)
    stored = 0
    for point, row in rows.items():
        ind, n = points[point]
        if row["rating"] is None and not row["comment"]:
            FieldRating.objects.filter(
                member=member, field_district=field_district, indicator=ind, point=n
            ).delete()
            continue
        FieldRating.objects.update_or_create(
            member=member,
            field_district=field_district,
            indicator=ind,
            point=n,
            defaults=row,
        )
        stored += 1
    return stored


# --- feedback ---------------------------------------------------------------------------------


@transaction.atomic
def field_feedback_save(
    *, user, field_district: FieldDistrict, text: str, approve: bool, visit_date=None
) -> FieldDistrict:
    """Save the researcher's feedback; approving it releases the sub-report to the district."""
    _require_city(user)
    text = (text or "").strip()
    if approve and not text:
        raise ValidationError(
            {"feedback": _("Write the feedback before approving it.")}
        )
    if len(text) > 20000:
        raise ValidationError(
            {"feedback": _("The feedback is longer than 20000 characters.")}
        )
    field_district.feedback = text
    if visit_date is not None:
        field_district.visit_date = visit_date
    if approve:
        field_district.feedback_approved_at = timezone.now()
        field_district.feedback_approved_by = user
    elif field_district.acknowledged_at is None:
        field_district.feedback_approved_at = None
        field_district.feedback_approved_by = None
    field_district.save()
    return field_district


@transaction.atomic
def field_feedback_acknowledge(
    *, user, field_district: FieldDistrict, response: str
) -> FieldDistrict:
    """The district acknowledges the released feedback, optionally with a response."""
    roles = set(user_roles(user=user))

    if not (DISTRICT_STAFF & roles and user.district_id == field_district.district_id):
        raise PermissionDenied(_("Only the district's staff answer its feedback."))
    if field_district.feedback_approved_at is None:
        raise ValidationError(
            {"response": _("The feedback has not been released yet.")}
        )
    response = (response or "").strip()
    if len(response) > 10000:
        raise ValidationError(
            {"response": _("The response is longer than 10000 characters.")}
        )
    field_district.response = response
    field_district.acknowledged_at = timezone.now()
    field_district.acknowledged_by = user
    field_district.save(
        update_fields=["response", "acknowledged_at", "acknowledged_by"]
    )
    return field_district
