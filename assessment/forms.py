"""Researcher forms of delivery in the Wagtail admin: instruments and campaigns.

The forms only parse what a researcher types into the shapes the services take
(item-id lists, booklets, exposure settings). The services decide; their
``ValidationError`` keys (``settings.item_ids``, ``settings.exposure.k`` …) are put
back on the field that produced them by :func:`form_add_service_errors`.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings as django_settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm

from assessment import items as bank
from assessment.models import (
    Campaign,
    DeliveryMode,
    Instrument,
    MultistagePanel,
    PanelAssignment,
)
from assessment.services import instrument_settings_clean
from assessment.services.multistage import panel_design_check

EXPOSURE_CHOICES = [
    ("none", gettext_lazy("No exposure control")),
    (
        "randomesque",
        gettext_lazy("Randomesque (pick among the n most informative items)"),
    ),
    ("sympson_hetter", gettext_lazy("Sympson–Hetter (per-item exposure parameters)")),
]
RULE_CHOICES = [
    ("mfi", gettext_lazy("Maximum Fisher information")),
    ("kl", gettext_lazy("Kullback–Leibler information")),
    ("weighted_info", gettext_lazy("Posterior-weighted information")),
]

# Service error keys -> the form field that shows them (longest prefix wins).
INSTRUMENT_ERROR_FIELDS = {
    "settings.time_limit_seconds": "time_limit_minutes",
    "settings.item_ids": "item_ids",
    "settings.booklets": "booklets",
    "settings.max_length": "max_length",
    "settings.min_length": "min_length",
    "settings.se_target": "se_target",
    "settings.rule": "rule",
    "settings.panel_assignment": "panel_assignment",
    "settings.exposure.method": "exposure_method",
    "settings.exposure.k_params": "exposure_k_params",
    "settings.exposure.k": "exposure_k",
    "settings.exposure": "exposure_method",
    "settings": NON_FIELD_ERRORS,
    "blueprint": "blueprint_text",
}
SETTINGS_FIELDS = frozenset(
    {
        "time_limit_minutes",
        "item_ids",
        "booklets",
        "max_length",
        "min_length",
        "se_target",
        "rule",
        "panel_assignment",
        "exposure_method",
        "exposure_k",
        "exposure_k_params",
    }
)

_SPLIT = re.compile(r"[\s,，、;；]+")
_BOOKLET_KEY = re.compile(r"^settings\.booklets\[(\d+)\]")


def _field_for(key: str, form: forms.BaseForm, mapping: dict[str, str]) -> str:
    if key in form.fields or key == NON_FIELD_ERRORS:
        return key
    best = ""
    for prefix in mapping:
        if (
            key == prefix
            or key.startswith(prefix + ".")
            or key.startswith(prefix + "[")
        ) and (len(prefix) > len(best)):
            best = prefix
    field = mapping.get(best, NON_FIELD_ERRORS)
    return (
        field if field == NON_FIELD_ERRORS or field in form.fields else NON_FIELD_ERRORS
    )


def form_add_service_errors(
    form: forms.BaseForm, error: ValidationError, mapping: dict[str, str] | None = None
) -> None:
    """Show a service's ``ValidationError`` on the form fields its keys name."""
    mapping = mapping or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for key, errors in error.message_dict.items():
        field = _field_for(key, form, mapping)
        booklet = _BOOKLET_KEY.match(key)
        for message in errors:
            if booklet:
                message = _("Booklet %(n)s: %(message)s") % {
                    "n": int(booklet.group(1)) + 1,
                    "message": message,
                }
            if (
                field != NON_FIELD_ERRORS
                and field in form.errors
                and message in form.errors[field]
            ):
                continue
            form.add_error(None if field == NON_FIELD_ERRORS else field, message)


def parse_item_ids(text: str, *, label: str = "") -> list[int]:
    """Return the item ids in ``text`` (separated by commas or white space)."""
    ids = []
    for token in _SPLIT.split(text.strip()):
        if not token:
            continue
        if not token.isdigit() or int(token) < 1:
            message = _("“%(token)s” is not an item id (a positive whole number).") % {
                "token": token[:40]
            }
            raise ValidationError(f"{label}{message}" if label else message)
        ids.append(int(token))
    return ids


def parse_booklets(text: str) -> list[list[int]]:
    """Return one item-id list per non-empty line."""
    booklets: list[list[int]] = []
    for line in text.splitlines():
        if line.strip():
            label = _("Booklet %(n)s: ") % {"n": len(booklets) + 1}
            booklets.append(parse_item_ids(line, label=label))
    return booklets


def parse_number_lines(text: str, *, key_kind: str) -> dict[str, float]:
    """Parse ``key: number`` lines (``=`` also works) into a dict, naming the bad line."""
    out: dict[str, float] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = re.split(r"\s*[:：=]\s*|\s+", line, maxsplit=1)
        if len(parts) != 2 or not parts[0] or not parts[1]:
            raise ValidationError(
                _("Line %(line)s: write “%(kind)s: number”.")
                % {"line": number, "kind": key_kind}
            )
        key, raw = parts
        try:
            value = float(raw)
        except ValueError:
            raise ValidationError(
                _("Line %(line)s: “%(value)s” is not a number.")
                % {"line": number, "value": raw[:40]}
            ) from None
        if key in out:
            raise ValidationError(
                _("Line %(line)s: %(key)s is listed twice.")
                % {"line": number, "key": key}
            )
        out[key] = value
    return out


def _lines(values: dict[str, Any]) -> str:
    return "\n".join(
        f"{k}: {v:g}" if isinstance(v, int | float) else f"{k}: {v}"
        for k, v in values.items()
    )


def domain_choices() -> list[tuple[str, str]]:
    return [(code, f"{code} · {zh}") for code, (zh, _en) in bank.domain_names().items()]


class InstrumentForm(WagtailAdminModelForm):
    """An instrument with its delivery settings as separate, checked fields."""

    domain_code = forms.ChoiceField(
        label=gettext_lazy("Main domain"), choices=domain_choices
    )
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=())
    blueprint_text = forms.CharField(
        label=gettext_lazy("Blueprint"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "One domain per line with its share or count, e.g. "
            "“info.data: 1”. Adaptive tests balance content by it."
        ),
    )
    time_limit_minutes = forms.DecimalField(
        label=gettext_lazy("Time limit (minutes)"),
        required=False,
        min_value=Decimal("0.5"),
        max_digits=6,
        decimal_places=1,
        help_text=gettext_lazy("Empty for an untimed test."),
    )
    item_ids = forms.CharField(
        label=gettext_lazy("Items"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Item ids in presentation order, separated by commas or spaces. "
            "Required for a fixed form; for an adaptive test the pool "
            "(empty: every published item of the blueprint's domains)."
        ),
    )
    booklets = forms.CharField(
        label=gettext_lazy("Booklets"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "Booklet rotation: one booklet per line, its item ids separated "
            "by commas or spaces."
        ),
    )
    panel_assignment = forms.ChoiceField(
        label=gettext_lazy("Panel assignment"),
        choices=PanelAssignment.choices,
        initial=PanelAssignment.ROUND_ROBIN,
        required=False,
        help_text=gettext_lazy(
            "Multistage tests: how each new session is given one of the panels."
        ),
    )
    max_length = forms.IntegerField(
        label=gettext_lazy("Maximum length (items)"),
        required=False,
        min_value=1,
        help_text=gettext_lazy(
            "Adaptive tests stop after this many items (default 30)."
        ),
    )
    min_length = forms.IntegerField(
        label=gettext_lazy("Minimum length (items)"),
        required=False,
        min_value=0,
        help_text=gettext_lazy(
            "Adaptive tests present at least this many items (default 5)."
        ),
    )
    se_target = forms.FloatField(
        label=gettext_lazy("Standard-error target"),
        required=False,
        help_text=gettext_lazy(
            "Adaptive tests stop once the ability's SE is at or below this "
            "(default 0.3)."
        ),
    )
    rule = forms.ChoiceField(
        label=gettext_lazy("Item selection rule"),
        choices=RULE_CHOICES,
        initial="mfi",
        required=False,
    )
    exposure_method = forms.ChoiceField(
        label=gettext_lazy("Exposure control"),
        choices=EXPOSURE_CHOICES,
        initial="randomesque",
        required=False,
    )
    exposure_k = forms.IntegerField(
        label=gettext_lazy("Randomesque n"),
        required=False,
        min_value=1,
        initial=5,
        help_text=gettext_lazy(
            "Choose at random among this many most informative items."
        ),
    )
    exposure_k_params = forms.CharField(
        label=gettext_lazy("Sympson–Hetter exposure parameters"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "One item per line: “item id: probability” with the probability "
            "in (0, 1]; items not listed use 1."
        ),
    )

    class Meta:
        model = Instrument
        fields = [
            "code",
            "name_zh",
            "name_en",
            "description_zh",
            "description_en",
            "kind",
            "domain_code",
            "mode",
            "language",
            "precision_rule",
            "precision_min_items",
            "precision_se_target",
        ]
        widgets = {
            "description_zh": forms.Textarea(attrs={"rows": 3}),
            "description_en": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = list(django_settings.LANGUAGES)
        self.fields["language"].initial = "zh-hans"
        for name in ("precision_rule", "precision_min_items", "precision_se_target"):
            # Left empty: the instrument keeps its rule (a new one: the default).
            self.fields[name].required = False
        domain = self.fields["domain_code"]
        current = self.instance.domain_code if self.instance.pk else ""
        if current and current not in dict(domain.choices):
            domain.choices = [(current, current), *domain.choices]
        self.cleaned_settings: dict[str, Any] = {}
        self.cleaned_blueprint: dict[str, float] = {}
        if self.instance.pk and not self.is_bound:
            self._initial_from_instance(self.instance)

    def _initial_from_instance(self, instrument: Instrument) -> None:
        data = dict(instrument.settings or {})
        initial = self.initial
        initial["blueprint_text"] = _lines(instrument.blueprint or {})
        limit = data.get("time_limit_seconds")
        initial["time_limit_minutes"] = (
            (Decimal(limit) / 60).quantize(Decimal("0.1")) if limit else None
        )
        initial["item_ids"] = ", ".join(str(i) for i in data.get("item_ids") or [])
        initial["booklets"] = "\n".join(
            ", ".join(str(i) for i in b) for b in data.get("booklets") or []
        )
        for key in (
            "max_length",
            "min_length",
            "se_target",
            "rule",
            "panel_assignment",
        ):
            if key in data:
                initial[key] = data[key]
        exposure = data.get("exposure") or {"method": "none"}
        initial["exposure_method"] = exposure.get("method") or "none"
        initial["exposure_k"] = exposure.get("k", 5)
        initial["exposure_k_params"] = _lines(exposure.get("k_params") or {})

    def clean_blueprint_text(self) -> dict[str, float]:
        values = parse_number_lines(
            self.cleaned_data.get("blueprint_text") or "", key_kind=_("domain code")
        )
        known = bank.domain_names()
        for code, share in values.items():
            if code not in known:
                raise ValidationError(
                    _("%(code)s is not a domain of the item bank.") % {"code": code}
                )
            if share < 0:
                raise ValidationError(
                    _("The share of %(code)s must be 0 or more.") % {"code": code}
                )
        return values

    def clean_item_ids(self) -> list[int]:
        return parse_item_ids(self.cleaned_data.get("item_ids") or "")

    def clean_booklets(self) -> list[list[int]]:
        return parse_booklets(self.cleaned_data.get("booklets") or "")

    def clean_exposure_k_params(self) -> dict[str, float]:
        values = parse_number_lines(
            self.cleaned_data.get("exposure_k_params") or "", key_kind=_("item id")
        )
        for key, value in values.items():
            if not key.isdigit():
                raise ValidationError(
                    _("“%(key)s” is not an item id.") % {"key": key[:40]}
                )
            if not 0 < value <= 1:
                raise ValidationError(
                    _("The exposure parameter of item %(key)s must lie in (0, 1].")
                    % {"key": key}
                )
        return values

    def settings_from_fields(self) -> dict[str, Any]:
        """Return the settings dict the service takes, from the cleaned fields."""
        data = self.cleaned_data
        mode = data.get("mode")
        out: dict[str, Any] = {}
        minutes = data.get("time_limit_minutes")
        if minutes:
            out["time_limit_seconds"] = int(round(minutes * 60))
        if mode == DeliveryMode.FIXED:
            out["item_ids"] = data.get("item_ids") or []
        elif mode == DeliveryMode.BOOKLET:
            out["booklets"] = data.get("booklets") or []
        elif mode == DeliveryMode.MULTISTAGE:
            out["panel_assignment"] = (
                data.get("panel_assignment") or PanelAssignment.ROUND_ROBIN
            )
        elif mode == DeliveryMode.ADAPTIVE:
            if data.get("item_ids"):
                out["item_ids"] = data["item_ids"]
            for key in ("max_length", "min_length", "se_target"):
                if data.get(key) is not None:
                    out[key] = data[key]
            out["rule"] = data.get("rule") or "mfi"
            method = data.get("exposure_method") or "none"
            if method == "randomesque":
                out["exposure"] = {"method": method, "k": data.get("exposure_k") or 5}
            elif method == "sympson_hetter":
                out["exposure"] = {
                    "method": method,
                    "k_params": data.get("exposure_k_params") or {},
                }
            else:
                out["exposure"] = {"method": "none"}
        return out

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        mode = cleaned.get("mode")
        if (
            mode == DeliveryMode.FIXED
            and "item_ids" not in self.errors
            and not cleaned.get("item_ids")
        ):
            self.add_error("item_ids", _("A fixed form needs its items."))
        if (
            mode == DeliveryMode.BOOKLET
            and "booklets" not in self.errors
            and not cleaned.get("booklets")
        ):
            self.add_error(
                "booklets", _("Booklet rotation needs at least one booklet.")
            )
        if (
            mode == DeliveryMode.ADAPTIVE
            and cleaned.get("exposure_method") == "sympson_hetter"
            and "exposure_k_params" not in self.errors
            and not cleaned.get("exposure_k_params")
        ):
            self.add_error(
                "exposure_k_params",
                _("Sympson–Hetter needs an exposure parameter for at least one item."),
            )
        if mode and not SETTINGS_FIELDS & set(self.errors):
            try:
                self.cleaned_settings = instrument_settings_clean(
                    mode=mode, settings=self.settings_from_fields()
                )
            except ValidationError as exc:
                form_add_service_errors(self, exc, INSTRUMENT_ERROR_FIELDS)
        self.cleaned_blueprint = cleaned.get("blueprint_text") or {}
        return cleaned

    def service_kwargs(self) -> dict[str, Any]:
        """Return the keyword arguments of ``instrument_create`` / ``instrument_update``."""
        data = self.cleaned_data
        return {
            "code": data["code"],
            "name_zh": data["name_zh"],
            "name_en": data.get("name_en", ""),
            "description_zh": data.get("description_zh", ""),
            "description_en": data.get("description_en", ""),
            "kind": data["kind"],
            "domain_code": data["domain_code"],
            "mode": data["mode"],
            "language": data["language"],
            "blueprint": self.cleaned_blueprint,
            "settings": self.settings_from_fields(),
            "precision_rule": data.get("precision_rule") or None,
            "precision_min_items": data.get("precision_min_items"),
            "precision_se_target": data.get("precision_se_target"),
        }


class CampaignForm(WagtailAdminModelForm):
    """A campaign: which instrument, what kind, when, who, how often."""

    class Meta:
        model = Campaign
        fields = [
            "name_zh",
            "name_en",
            "kind",
            "instrument",
            "audience",
            "opens_at",
            "closes_at",
            "max_attempts",
            "year",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("A campaign must close after it opens."))
        if cleaned.get("max_attempts") == 0:
            self.add_error(
                "max_attempts",
                _("Allow at least one attempt, or leave it empty for no limit."),
            )
        return cleaned

    def service_kwargs(self) -> dict[str, Any]:
        """Return the keyword arguments of ``campaign_create`` / ``campaign_update``."""
        data = self.cleaned_data
        return {key: data.get(key) for key in self.Meta.fields} | {
            "name_en": data.get("name_en") or ""
        }


class MultistagePanelForm(WagtailAdminModelForm):
    """A panel with its modules and routing rules (inline), checked as one design.

    The design check (``panel_design_check``) runs once the panel and every inline
    row are valid on their own; its errors name the panel, the module (stage and
    difficulty) or stage, and the field.
    """

    class Meta:
        model = MultistagePanel
        fields = ["instrument", "code", "name", "active"]

    def is_valid(self) -> bool:
        if not super().is_valid():
            return False

        def rows(name: str, fields: tuple[str, ...]) -> list[dict[str, Any]]:
            formset = self.formsets[name]
            return [
                {f: form.cleaned_data.get(f) for f in fields}
                for form in formset.forms
                if form.cleaned_data and not formset._should_delete_form(form)
            ]

        try:
            panel_design_check(
                code=self.cleaned_data["code"],
                modules=rows("modules", ("stage", "difficulty", "item_ids")),
                rules=rows("rules", ("stage", "method", "cut_points")),
            )
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                for message in messages:
                    self.add_error(None, f"{key}: {message}")
            return False
        instrument = self.cleaned_data.get("instrument")
        if instrument is not None and instrument.mode != DeliveryMode.MULTISTAGE:
            self.add_error("instrument", _("Only a multistage instrument has panels."))
            return False
        return True
