"""The background questions asked before a test (survey weighting and plausible values)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from learning_platform.districts.models import District

AGE_BANDS = [
    ("15-24", gettext_lazy("15 to 24")),
    ("25-34", gettext_lazy("25 to 34")),
    ("35-44", gettext_lazy("35 to 44")),
    ("45-54", gettext_lazy("45 to 54")),
    ("55-64", gettext_lazy("55 to 64")),
    ("65-74", gettext_lazy("65 to 74")),
    ("75+", gettext_lazy("75 or older")),
]
SEXES = [("female", gettext_lazy("Female")), ("male", gettext_lazy("Male"))]
EDUCATION = [
    ("primary", gettext_lazy("Primary school or less")),
    ("junior_secondary", gettext_lazy("Junior secondary school")),
    ("senior_secondary", gettext_lazy("Senior secondary or vocational school")),
    ("junior_college", gettext_lazy("Junior college")),
    ("bachelor", gettext_lazy("Bachelor's degree")),
    ("postgraduate", gettext_lazy("Postgraduate degree")),
]
OCCUPATIONS = [
    ("public_sector", gettext_lazy("Government or public institution")),
    ("professional", gettext_lazy("Professional or technical")),
    ("office", gettext_lazy("Office or clerical")),
    ("commerce_service", gettext_lazy("Commerce or services")),
    ("production", gettext_lazy("Production, transport or construction")),
    ("agriculture", gettext_lazy("Agriculture")),
    ("student", gettext_lazy("Student")),
    ("retired", gettext_lazy("Retired")),
    ("not_working", gettext_lazy("Not working")),
    ("other", gettext_lazy("Other")),
]
FIELDS = ("age_band", "sex", "education", "district_code", "occupation")


def district_choices() -> list[tuple[str, str]]:
    """Return (code, name) of every district."""

    return [
        (d.code, d.name_zh) for d in District.objects.order_by("sort_order", "code")
    ]


def field_choices() -> dict[str, list[tuple[str, Any]]]:
    """Return the allowed values of every background question."""
    return {
        "age_band": AGE_BANDS,
        "sex": SEXES,
        "education": EDUCATION,
        "district_code": district_choices(),
        "occupation": OCCUPATIONS,
    }


def field_labels() -> dict[str, str]:
    return {
        "age_band": _("Age"),
        "sex": _("Sex"),
        "education": _("Highest education"),
        "district_code": _("District where you live"),
        "occupation": _("Occupation"),
    }


def background_clean(data: Any, *, required: bool) -> dict[str, str]:
    """Return the background answers checked against their choices.

    Survey campaigns need every answer; open practice lets each one stay empty.
    Unknown keys are refused so that nothing unexpected is stored.
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValidationError(
            {"background": _("The background answers must be an object.")}
        )
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        errors["background"] = [
            _("Unknown background question(s): %(names)s.")
            % {"names": ", ".join(unknown)}
        ]
    choices = field_choices()
    labels = field_labels()
    cleaned: dict[str, str] = {}
    for field in FIELDS:
        value = data.get(field) or ""
        if not isinstance(value, str):
            value = str(value)
        allowed = {code for code, _label in choices[field]}
        if value == "":
            if required:
                errors[f"background.{field}"] = [
                    _("Please answer: %(question)s.") % {"question": labels[field]}
                ]
            cleaned[field] = ""
            continue
        if value not in allowed:
            errors[f"background.{field}"] = [
                _("%(value)s is not an answer to %(question)s.")
                % {"value": value[:40], "question": labels[field]}
            ]
            continue
        cleaned[field] = value
    if errors:
        raise ValidationError(errors)
    return cleaned
