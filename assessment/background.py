"""The background questions asked before a test (survey weighting and plausible values)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

AGE_BANDS = [
    ("15-24", _lazy("15 to 24")),
    ("25-34", _lazy("25 to 34")),
    ("35-44", _lazy("35 to 44")),
    ("45-54", _lazy("45 to 54")),
    ("55-64", _lazy("55 to 64")),
    ("65-74", _lazy("65 to 74")),
    ("75+", _lazy("75 or older")),
]
SEXES = [("female", _lazy("Female")), ("male", _lazy("Male"))]
EDUCATION = [
    ("primary", _lazy("Primary school or less")),
    ("junior_secondary", _lazy("Junior secondary school")),
    ("senior_secondary", _lazy("Senior secondary or vocational school")),
    ("junior_college", _lazy("Junior college")),
    ("bachelor", _lazy("Bachelor's degree")),
    ("postgraduate", _lazy("Postgraduate degree")),
]
OCCUPATIONS = [
    ("public_sector", _lazy("Government or public institution")),
    ("professional", _lazy("Professional or technical")),
    ("office", _lazy("Office or clerical")),
    ("commerce_service", _lazy("Commerce or services")),
    ("production", _lazy("Production, transport or construction")),
    ("agriculture", _lazy("Agriculture")),
    ("student", _lazy("Student")),
    ("retired", _lazy("Retired")),
    ("not_working", _lazy("Not working")),
    ("other", _lazy("Other")),
]
FIELDS = ("age_band", "sex", "education", "district_code", "occupation")


def district_choices() -> list[tuple[str, str]]:
    """Return (code, name) of every district."""
    from learning_platform.districts.models import District

    return [(d.code, d.name_zh) for d in District.objects.order_by("sort_order", "code")]


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
        raise ValidationError({"background": _("The background answers must be an object.")})
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        errors["background"] = [
            _("Unknown background question(s): %(names)s.") % {"names": ", ".join(unknown)}
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
