"""Per-kind rules of items: validation, the test-taker payload (without the key) and scoring.

Everything here works on an item and a list of its options, whether they come from the
database rows, a Wagtail revision (``revision.as_object()``) or an unsaved admin form, so
the same rules apply to authoring, import and delivery.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from learning_platform.security.html import sanitise_html_output

KINDS = ("single_choice", "multiple_response", "true_false", "ordered", "likert")
LIKERT_MIN, LIKERT_MAX = 4, 7
# An option id is exported as a QTI 3.0 identifier (an XML NCName): a letter or "_"
# first, then letters, digits, "-", "_" or "." ("1" is not one; Likert ids are L1, L2, …).
OPTION_ID = re.compile(r"[^\W\d][\w.\-]*")


def _keys(options: Sequence[Any]) -> list[Any]:
    return [o for o in options if o.is_key]


def item_errors(item: Any, options: Sequence[Any]) -> dict[str, list[str]]:
    """Return every problem of an item's kind, options and key, by field name."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    kind = item.kind
    if kind not in KINDS:
        add(
            "kind",
            _("Unknown item kind “%(kind)s”; choose one of %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(KINDS)},
        )
        return errors
    n = len(options)
    ids = [str(o.option_id).strip() for o in options]
    if n < 2:
        add(
            "options",
            _("The item has %(n)d option(s); it needs at least 2.") % {"n": n},
        )
    for pos, (o, oid) in enumerate(zip(options, ids, strict=True), start=1):
        if not oid:
            add("options", _("Option %(pos)d has no id.") % {"pos": pos})
        elif not OPTION_ID.fullmatch(oid):
            add(
                "options",
                _(
                    "Option id “%(id)s” is not valid: it starts with a letter or "
                    "“_” and holds only letters, digits, “-”, “_” and “.” "
                    "(e.g. A, T, L1)."
                )
                % {"id": oid},
            )
        if not (_plain(o.text) or getattr(o, "image_id", None)):
            add(
                "options",
                _("Option %(id)s has neither text nor an image.") % {"id": oid or pos},
            )
        if getattr(o, "image_id", None) and not (o.alt or "").strip():
            add(
                "options",
                _("Option %(id)s has an image without alt text.") % {"id": oid},
            )
    dupes = sorted({i for i in ids if i and ids.count(i) > 1})
    if dupes:
        add(
            "options",
            _("Option ids must be unique; repeated: %(ids)s.")
            % {"ids": ", ".join(dupes)},
        )
    if not _plain(item.stem) and not getattr(item, "stem_image_id", None):
        add("stem", _("The stem is empty."))
    if getattr(item, "stem_image_id", None) and not (item.stem_image_alt or "").strip():
        add("stem_image_alt", _("The stem image needs alt text."))

    keys = _keys(options)
    positions = [o.key_position for o in options if o.key_position is not None]
    if kind in ("single_choice", "true_false"):
        if len(keys) != 1:
            add(
                "options",
                _("A %(kind)s item needs exactly one correct option; it has %(n)d.")
                % {"kind": _kind_label(kind), "n": len(keys)},
            )
        if kind == "true_false" and n != 2:
            add(
                "options",
                _("A true/false item has exactly 2 options; it has %(n)d.") % {"n": n},
            )
    elif kind == "multiple_response":
        if not keys:
            add(
                "options",
                _("A multiple-response item needs at least one correct option."),
            )
        if item.scoring not in ("all_or_nothing", "partial"):
            add("scoring", _("Choose all-or-nothing or partial-credit scoring."))
    elif kind == "ordered":
        if keys:
            add(
                "options",
                _(
                    "An ordering item has no “correct” option; give each option "
                    "its correct position instead."
                ),
            )
        if len(positions) != n or sorted(positions) != list(range(1, n + 1)):
            add(
                "options",
                _(
                    "An ordering item needs every option's correct position, "
                    "1 to %(n)d, each once."
                )
                % {"n": n},
            )
    elif kind == "likert":
        if keys or positions:
            add("options", _("A Likert item has no key; clear the correct marks."))
        if not LIKERT_MIN <= n <= LIKERT_MAX:
            add(
                "options",
                _("A Likert item has 4 to 7 categories; it has %(n)d.") % {"n": n},
            )
    if kind != "ordered" and kind != "likert" and positions:
        add("options", _("Only ordering items take correct positions."))
    return errors


def validate_item(item: Any, options: Sequence[Any]) -> None:
    errors = item_errors(item, options)
    if errors:
        raise ValidationError(errors)


def _kind_label(kind: str) -> str:
    return {
        "single_choice": _("single-choice"),
        "true_false": _("true/false"),
    }.get(kind, kind)


def _plain(html: str | None) -> str:
    import re

    return re.sub(r"<[^>]+>", "", html or "").strip()


def n_categories(item: Any, options: Sequence[Any]) -> int:
    kind = item.kind
    if kind == "multiple_response" and item.scoring == "partial":
        return len(_keys(options)) + 1
    if kind in ("ordered", "likert"):
        return len(options)
    return 2


def _rich(html: str) -> str:
    from wagtail.rich_text import expand_db_html

    return sanitise_html_output(expand_db_html(html or ""))


def _image_url(image_id: int | None) -> str:
    if not image_id:
        return ""
    from wagtail.images import get_image_model

    image = get_image_model().objects.filter(pk=image_id).first()
    if image is None:
        return ""
    return image.get_rendition("max-800x600").url


def build_payload(item: Any, options: Sequence[Any]) -> dict:
    """The test-taker's view of an item: texts, option ids and images, never the key."""
    return {
        "kind": item.kind,
        "stem_html": _rich(item.stem),
        "stem_html_en": _rich(item.stem_en),
        "stem_image_url": _image_url(item.stem_image_id),
        "stem_image_alt": item.stem_image_alt or "",
        "instructions": item.instructions or "",
        "instructions_en": item.instructions_en or "",
        "options": [
            {
                "id": str(o.option_id),
                "text_html": _rich(o.text),
                "text_html_en": _rich(o.text_en),
                "image_url": _image_url(o.image_id),
                "alt": o.alt or "",
            }
            for o in options
        ],
    }


def score_answer(item: Any, options: Sequence[Any], answer: Any) -> int:
    """Score an answer against the key; ValidationError names what is wrong with it."""
    ids = [str(o.option_id) for o in options]
    kind = item.kind
    if answer is None or answer == "" or answer == []:
        raise ValidationError({"answer": _("An answer is required.")})
    if kind in ("single_choice", "true_false", "likert"):
        if isinstance(answer, list | tuple | dict):
            raise ValidationError(
                {"answer": _("This item takes one option id, not a list.")}
            )
        value = str(answer)
        if value not in ids:
            raise ValidationError(
                {
                    "answer": _(
                        "“%(a)s” is not an option of this item; options are %(ids)s."
                    )
                    % {"a": value, "ids": ", ".join(ids)}
                }
            )
        if kind == "likert":
            return ids.index(value)
        return int(next(o for o in options if str(o.option_id) == value).is_key)
    if not isinstance(answer, list | tuple):
        raise ValidationError({"answer": _("This item takes a list of option ids.")})
    chosen = [str(a) for a in answer]
    unknown = [a for a in chosen if a not in ids]
    if unknown:
        raise ValidationError(
            {
                "answer": _("Not options of this item: %(bad)s.")
                % {"bad": ", ".join(unknown)}
            }
        )
    if len(set(chosen)) != len(chosen):
        raise ValidationError({"answer": _("An option is given more than once.")})
    if kind == "multiple_response":
        keys = {str(o.option_id) for o in options if o.is_key}
        picked = set(chosen)
        if item.scoring == "partial":
            return max(0, len(picked & keys) - len(picked - keys))
        return int(picked == keys)
    # ordered: every option once; one point per neighbouring pair in the right order
    if len(chosen) != len(ids):
        raise ValidationError(
            {"answer": _("Put all %(n)d options in order.") % {"n": len(ids)}}
        )
    rank = {str(o.option_id): o.key_position for o in options}
    return sum(
        1 for x, y in zip(chosen, chosen[1:], strict=False) if rank[y] == rank[x] + 1
    )
