"""The item edit form: Wagtail's form plus the per-kind rules over the options formset.

Errors go where the author looks: the stem and image alt text on their fields, the options
and key above the options panel.
"""

from __future__ import annotations

from types import SimpleNamespace

from wagtail.admin.forms import WagtailAdminModelForm

from learning_platform.security.html import sanitise_rich_text

from .payloads import item_errors

RICH_ITEM_FIELDS = ("stem", "stem_en")
RICH_OPTION_FIELDS = ("text", "text_en")


def _sanitise_form(form, fields) -> None:
    """Sanitise rich text in a validated form and in the instance it already built."""
    data = getattr(form, "cleaned_data", None)
    if not data:
        return
    for name in fields:
        if isinstance(data.get(name), str):
            data[name] = sanitise_rich_text(data[name])
            if getattr(form, "instance", None) is not None and hasattr(
                form.instance, name
            ):
                setattr(form.instance, name, data[name])


class ItemAdminForm(WagtailAdminModelForm):
    def clean(self):
        cleaned = super().clean()
        _sanitise_form(self, RICH_ITEM_FIELDS)
        formset = self.formsets.get("options") if hasattr(self, "formsets") else None
        if formset is None or not formset.is_valid():
            return cleaned
        options = []
        for form in formset.forms:
            _sanitise_form(form, RICH_OPTION_FIELDS)
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE"):
                continue
            options.append(
                SimpleNamespace(
                    option_id=data.get("option_id", ""),
                    text=data.get("text", ""),
                    text_en=data.get("text_en", ""),
                    alt=data.get("alt", ""),
                    image_id=getattr(data.get("image"), "pk", None),
                    is_key=bool(data.get("is_key")),
                    key_position=data.get("key_position"),
                )
            )
        item = SimpleNamespace(
            kind=cleaned.get("kind"),
            scoring=cleaned.get("scoring"),
            stem=cleaned.get("stem", ""),
            stem_image_id=getattr(cleaned.get("stem_image"), "pk", None),
            stem_image_alt=cleaned.get("stem_image_alt", ""),
        )
        for field, messages in item_errors(item, options).items():
            for message in messages:
                if field == "options":
                    # shown above the options panel; an error there fails the whole form
                    formset.non_form_errors().append(message)
                else:
                    self.add_error(field if field in self.fields else None, message)
        return cleaned
