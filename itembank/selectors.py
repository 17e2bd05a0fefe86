"""Reads of the item bank (the contract delivery, scoring and reports rely on)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.models import Revision

from learning_platform.accounts.selectors import user_is_researcher
from learning_platform.errors import NotFound
from psychometrics.irt import ItemParameters
from psychometrics.survey import ProficiencyLevels

from .models import (
    Blueprint,
    CutScoreSet,
    Domain,
    Item,
    ItemOption,
    ItemParameter,
    ItemParameterSet,
    ProficiencyLevel,
    ReviewStatus,
)
from .payloads import build_payload, n_categories, score_answer


class ItemNotDeliverable(Exception):
    """The item does not exist or has no published revision."""

    def __init__(self, item_id: int):
        super().__init__(f"item {item_id} is not deliverable (no published revision)")
        self.item_id = item_id


@dataclass(frozen=True)
class DeliveryItem:
    """Safe to send to a test-taker: no key, no parameters, no statistics."""

    item_id: int
    revision_id: int
    kind: str
    domain_code: str
    n_categories: int
    payload: dict


@dataclass(frozen=True)
class ActiveParameters:
    parameter_set_id: int | None
    item_ids: list[int]
    params: ItemParameters | None


@dataclass(frozen=True)
class Level:
    order: int
    code: str
    min_theta: float | None
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    suggestion_zh: str
    suggestion_en: str
    attained: bool = False
    domain_code: str = field(default="", compare=False)


def _revision_object(revision: Revision) -> tuple[Any, list[Any]]:
    obj = revision.as_object()
    return obj, list(obj.options.all())


def items_for_delivery(item_ids: Sequence[int]) -> list[DeliveryItem]:
    """Published revisions of the items, in the order asked; ItemNotDeliverable otherwise."""
    ids = [int(i) for i in item_ids]
    rows = {
        it.pk: it
        for it in Item.objects.filter(
            pk__in=ids, live=True, live_revision__isnull=False
        ).select_related("live_revision", "domain")
    }
    out = []
    domain_codes = dict(Domain.objects.values_list("pk", "code"))
    for item_id in ids:
        item = rows.get(item_id)
        if item is None:
            raise ItemNotDeliverable(item_id)
        obj, options = _revision_object(item.live_revision)
        out.append(
            DeliveryItem(
                item_id=item_id,
                revision_id=item.live_revision_id,
                kind=obj.kind,
                domain_code=domain_codes.get(obj.domain_id, item.domain.code),
                n_categories=n_categories(obj, options),
                payload=build_payload(obj, options),
            )
        )
    return out


def _domain_q(domain_codes: Sequence[str], prefix: str = "domain__code") -> Q:
    q = Q()
    for code in domain_codes:
        q |= Q(**{prefix: code}) | Q(**{f"{prefix}__startswith": code + "."})
    return q


def deliverable_item_ids(
    *,
    domain_codes: Sequence[str] | None = None,
    kinds: Sequence[str] | None = None,
    language: str = "zh-hans",
) -> list[int]:
    qs = Item.objects.filter(live=True, live_revision__isnull=False, language=language)
    if domain_codes:
        qs = qs.filter(_domain_q(domain_codes))
    if kinds:
        qs = qs.filter(kind__in=list(kinds))
    return list(qs.order_by("pk").values_list("pk", flat=True))


def item_answer_scorer(*, revision_id: int) -> Callable[[Any], int]:
    """Return the scorer of exactly that revision: ``answer -> score``.

    A revision never changes, so a caller may keep the scorer for as long as it likes
    (delivery keeps one per revision and process, and scores without a query).
    """
    revision = (
        Revision.objects.select_related("base_content_type")
        .filter(pk=revision_id)
        .first()
    )
    if revision is None or revision.base_content_type.model_class() is not Item:
        raise ValidationError(
            {"revision_id": _("Unknown item revision %(id)s.") % {"id": revision_id}}
        )
    obj, options = _revision_object(revision)
    return partial(score_answer, obj, options)


def item_answer_score(*, revision_id: int, answer: Any) -> int:
    """Score an answer against the key of exactly that revision."""
    return item_answer_scorer(revision_id=revision_id)(answer)


def active_parameter_set() -> ItemParameterSet | None:
    return ItemParameterSet.objects.filter(is_active=True).first()


def parameters_to_arrays(rows: Sequence[ItemParameter]) -> ItemParameters:
    models, a, c, thr = [], [], [], []
    for p in rows:
        models.append(p.model)
        a.append(p.a)
        c.append(p.c)
        thr.append([p.b] if p.model in ("rasch", "2pl", "3pl") else list(p.thresholds))
    return ItemParameters(
        models=tuple(models),
        a=np.array(a),
        b=None,
        c=np.array(c),
        thresholds=thr,
        item_ids=tuple(str(p.item_id) for p in rows),
    )


def active_parameters(*, item_ids: Sequence[int] | None = None) -> ActiveParameters:
    pset = active_parameter_set()
    if pset is None:
        return ActiveParameters(None, [], None)
    qs = ItemParameter.objects.filter(parameter_set=pset)
    if item_ids is not None:
        qs = qs.filter(item_id__in=[int(i) for i in item_ids])
    rows = {p.item_id: p for p in qs}
    order = (
        [int(i) for i in item_ids if int(i) in rows]
        if item_ids is not None
        else sorted(rows)
    )
    order = list(dict.fromkeys(order))
    if not order:
        return ActiveParameters(pset.pk, [], None)
    return ActiveParameters(
        pset.pk, order, parameters_to_arrays([rows[i] for i in order])
    )


# -- levels: one versioned cut-score set per domain decides every level -------------------


@dataclass(frozen=True)
class LevelDecision:
    """The level a theta reaches, and the cut-score version that decided it."""

    level: Level | None
    cut_score_set_id: int | None
    version: int | None


def cut_score_set_active(domain_code: str) -> CutScoreSet | None:
    """The active cut-score set of the domain, or of its nearest ancestor that has one."""
    domain = Domain.objects.filter(code=domain_code).first()
    while domain is not None:
        active = CutScoreSet.objects.filter(domain=domain, is_active=True).first()
        if active is not None:
            return active
        domain = domain.parent
    return None


def _described(cut_set: CutScoreSet, domain_code: str) -> list[Level]:
    names = {
        lv.code: lv
        for lv in ProficiencyLevel.objects.filter(domain_id=cut_set.domain_id)
    }
    out = []
    for order, spec in enumerate(cut_set.levels, start=1):
        d = names.get(spec["code"])
        out.append(
            Level(
                order,
                spec["code"],
                spec.get("min_theta"),
                d.name_zh if d else spec.get("name_zh", spec["code"]),
                d.name_en if d else spec.get("name_en", ""),
                d.description_zh if d else "",
                d.description_en if d else "",
                d.suggestion_zh if d else "",
                d.suggestion_en if d else "",
                bool(spec.get("attained")),
                domain_code or cut_set.domain.code,
            )
        )
    return out


def level_display_name(
    domain_code: str, level_code: str, *, english: bool = False
) -> str:
    """The name of a level code, from the domain's or its nearest ancestor's levels.

    Names do not depend on a cut-score version, so a past result keeps its level's name
    even when no version of its domain is active any more. Empty when no level has the code.
    """
    domain = Domain.objects.filter(code=domain_code).first()
    while domain is not None:
        level = ProficiencyLevel.objects.filter(domain=domain, code=level_code).first()
        if level is not None:
            return (level.name_en if english and level.name_en else level.name_zh) or ""
        domain = domain.parent
    return ""


def domain_levels(
    domain_code: str, *, cut_score_set_id: int | None = None
) -> list[Level]:
    """Levels of the domain with the cut scores of one version (default: the active one).

    Names, descriptions and suggestions come from the domain's proficiency levels; the
    cut scores only ever from a :class:`CutScoreSet`. Empty without a cut-score set.
    """
    cut_set = (
        CutScoreSet.objects.select_related("domain").filter(pk=cut_score_set_id).first()
        if cut_score_set_id
        else cut_score_set_active(domain_code)
    )
    if cut_set is None:
        return []
    return _described(cut_set, cut_set.domain.code)


def proficiency_levels(
    cut_set: CutScoreSet, domain_code: str | None = None
) -> ProficiencyLevels:
    """The engine's view of a cut-score set (cuts, labels, attained level)."""
    levels = list(cut_set.levels)
    attained = next((lv["code"] for lv in levels if lv.get("attained")), None)
    return ProficiencyLevels(
        domain_code or cut_set.domain.code,
        tuple(float(lv["min_theta"]) for lv in levels[1:]),
        tuple(lv["code"] for lv in levels),
        attained,
    )


def level_index(levels: ProficiencyLevels, theta: float) -> int:
    """THE function from theta to level (0 = lowest): at or above a cut is the higher level.

    Roll-ups classify plausible values with the same ``ProficiencyLevels`` (``classify`` /
    ``attains``), so one theta gets one level on a result page and in a district rate.
    """
    return int(levels.classify([float(theta)])[0])


def level_for(
    *, domain_code: str, theta: float | None, cut_score_set_id: int | None = None
) -> LevelDecision:
    """The level ``theta`` reaches under one cut-score version (default: the active one)."""
    cut_set = (
        CutScoreSet.objects.select_related("domain").filter(pk=cut_score_set_id).first()
        if cut_score_set_id
        else cut_score_set_active(domain_code)
    )
    if cut_set is None:
        return LevelDecision(None, None, None)
    if theta is None:
        return LevelDecision(None, cut_set.pk, cut_set.version)
    levels = _described(cut_set, cut_set.domain.code)
    index = level_index(proficiency_levels(cut_set), theta)
    return LevelDecision(levels[index], cut_set.pk, cut_set.version)


def cut_score_sets_for_rollup(
    domains: Sequence[str],
) -> tuple[dict[str, ProficiencyLevels], dict[str, dict[str, Any]]]:
    """The active, approved cut-score set of every domain, for a roll-up.

    Raises ``ValidationError`` naming every domain without one: a roll-up never falls
    back to other cut scores.
    """
    out, used, missing = {}, {}, []
    for d in domains:
        cut_set = cut_score_set_active(d)
        if cut_set is None:
            missing.append(d)
            continue
        out[d] = proficiency_levels(cut_set, d)
        used[d] = {
            "source": "cut_score_set",
            "cut_score_set_id": cut_set.pk,
            "domain": cut_set.domain.code,
            "version": cut_set.version,
            "cuts": list(out[d].cuts),
            "labels": list(out[d].labels),
            "attained": out[d].attained,
        }
    if missing:
        raise ValidationError(
            {
                "cut_scores": _(
                    "No active cut-score set for domain(s) %(domains)s; set, approve and activate "
                    "one in the item bank first."
                )
                % {"domains": ", ".join(missing)}
            }
        )
    return out, used


# -- parameter review ---------------------------------------------------------------------


def parameter_set_is_approved(parameter_set: ItemParameterSet) -> bool:
    return parameter_set.status == ReviewStatus.APPROVED


def domain_tree() -> list[dict]:
    return [
        {
            "code": d.code,
            "name_zh": d.name_zh,
            "name_en": d.name_en,
            "parent_code": d.parent.code if d.parent_id else None,
            "kind": d.kind,
        }
        for d in Domain.objects.select_related("parent").order_by("sort_order", "code")
    ]


# What the fit and DIF flags on an item's statistics mean.
FLAG_LABELS = {
    "misfit": gettext_lazy("Infit/outfit outside 0.7–1.3"),
    "sx2": gettext_lazy("S-X² misfit (p < 0.01)"),
    "dif_sex": gettext_lazy("DIF by sex (class C)"),
    "dif_age_band": gettext_lazy("DIF by age band (class C)"),
    "dif_district_group": gettext_lazy("DIF by district group (class C)"),
    "drift": gettext_lazy("Drifted from the previous wave (> 0.5 logit)"),
}


def _flag_labels(codes: Sequence[str]) -> list[str]:
    return [str(FLAG_LABELS.get(c, c)) for c in codes]


def parameter_history(item_id: int) -> list[dict]:
    """Every parameter set that holds this item, newest first."""
    return [
        {
            "set_id": p.parameter_set_id,
            "set_name": p.parameter_set.name,
            "model": p.model,
            "a": p.a,
            "b": p.b,
            "c": p.c,
            "thresholds": p.thresholds,
            "se": p.se,
            "fit": p.fit,
            "active": p.parameter_set.is_active,
            "created_at": p.parameter_set.created_at,
            "status": p.parameter_set.get_status_display(),
            "flags": _flag_labels((p.fit or {}).get("flags", [])),
        }
        for p in ItemParameter.objects.filter(item_id=item_id)
        .select_related("parameter_set")
        .order_by("-parameter_set__created_at", "-pk")
    ]


# -- blueprints --------------------------------------------------------------------------
#
# A blueprint's ``content`` maps domain codes to either counts (whole numbers that sum to
# the blueprint's length) or proportions (numbers in [0, 1] that sum to 1). A domain code
# covers its whole subtree of the domain tree: "info" takes items of info.data,
# info.safety, ...; so a blueprint may not list a domain together with one of its
# ancestors (an item would count towards two targets).

_SUM_TOLERANCE = 1e-6


def _content_and_length(blueprint: Any, length: int | None) -> tuple[dict, int | None]:
    if isinstance(blueprint, Mapping):
        return dict(blueprint), length
    content = blueprint.content if isinstance(blueprint.content, Mapping) else {}
    return dict(content), blueprint.length if length is None else length


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and bool(np.isfinite(value))
    )


def _blueprint_value_errors(
    content: Mapping, length: int | None, *, weights: bool = False
) -> list[str]:
    """Problems of the shares themselves (no database needed)."""
    if not content:
        return [
            _("The content is empty: give each domain code a count or a proportion.")
        ]
    bad = [str(k) for k, v in content.items() if not _is_number(v) or v < 0]
    if bad:
        return [
            _("Not a count or proportion >= 0 for: %(codes)s.")
            % {"codes": ", ".join(bad)}
        ]
    values = [float(v) for v in content.values()]
    total = sum(values)
    if weights:
        return [] if total > 0 else [_("The shares are all 0.")]
    whole = all(v == int(v) for v in values)
    if whole and length is not None and total == length:
        return []
    if all(v <= 1 for v in values) and abs(total - 1) <= _SUM_TOLERANCE:
        return []
    if whole:
        return [
            _(
                "The counts sum to %(total)s but the length is %(length)s; make them equal, "
                "or give proportions that sum to 1."
            )
            % {"total": int(total), "length": length}
        ]
    return [
        _(
            "The proportions sum to %(total)s; they must sum to 1 (or give whole counts "
            "that sum to the length %(length)s)."
        )
        % {"total": f"{total:g}", "length": length}
    ]


def _largest_remainder(weights: dict[str, float], length: int) -> dict[str, int]:
    total = sum(weights.values())
    if total <= 0:
        return dict.fromkeys(weights, 0)
    quotas = {k: w / total * length for k, w in weights.items()}
    counts = {k: int(np.floor(q + 1e-9)) for k, q in quotas.items()}
    left = length - sum(counts.values())
    order = list(weights)
    # largest fractional part first; ties go to the larger share, then to the earlier code
    ranked = sorted(
        order, key=lambda k: (-(quotas[k] - counts[k]), -weights[k], order.index(k))
    )
    for k in ranked[:left]:
        counts[k] += 1
    return counts


def blueprint_targets(blueprint: Any, length: int | None = None) -> dict[str, int]:
    """Return the number of items each domain code of the blueprint gets.

    ``blueprint`` is a :class:`Blueprint` or a plain mapping of domain code to a
    relative weight >= 0 (an instrument's CAT blueprint; then ``length`` is required and
    the weights are normalised). Proportions become whole counts by the largest-remainder
    method, so they always sum to the length. Counts are returned as given when they sum
    to the length; asked for another ``length`` (a CAT's maximum length, say), they are
    scaled like proportions. Each code stands for its whole subtree of the domain tree.
    Pure: reads no database. Raises ``ValidationError`` for shares that are not numbers
    >= 0, or (for a :class:`Blueprint`) do not sum to 1 or to its length.
    """
    content, target_length = _content_and_length(blueprint, length)
    if target_length is None:
        raise ValidationError(
            {"length": _("Give the form length for a plain mapping.")}
        )
    if (
        isinstance(target_length, bool)
        or int(target_length) != target_length
        or target_length < 0
    ):
        raise ValidationError({"length": _("The length must be a whole number >= 0.")})
    if isinstance(blueprint, Mapping):
        # a plain mapping (an instrument's CAT blueprint) holds relative weights
        errors = _blueprint_value_errors(content, None, weights=True)
    else:
        errors = _blueprint_value_errors(content, blueprint.length)
    if errors:
        raise ValidationError({"content": errors})
    # counts that sum to the length come back unchanged: their quotas are whole numbers
    return _largest_remainder(
        {str(k): float(v) for k, v in content.items()}, int(target_length)
    )


def domain_subtrees(codes: Sequence[str]) -> dict[str, set[int]]:
    """Return, per domain code, the primary keys of the domain and all its descendants."""
    rows = list(Domain.objects.values_list("pk", "code", "parent_id"))
    children: dict[int | None, list[int]] = {}
    by_code = {}
    for pk, code, parent in rows:
        children.setdefault(parent, []).append(pk)
        by_code[code] = pk
    out = {}
    for code in codes:
        if code not in by_code:
            continue
        stack, seen = [by_code[code]], set()
        while stack:
            pk = stack.pop()
            if pk not in seen:
                seen.add(pk)
                stack.extend(children.get(pk, []))
        out[code] = seen
    return out


def domain_label(domain: Domain) -> str:
    """The domain's Chinese path, e.g. 信息素养/安全."""
    names, node, seen = [], domain, set()
    while node is not None and node.pk not in seen:
        seen.add(node.pk)
        names.append(node.name_zh)
        node = node.parent
    return "/".join(reversed(names))


def blueprint_errors(
    *, content: Any, length: Any, difficulty_min: Any = None, difficulty_max: Any = None
) -> dict[str, list[str]]:
    """Return every problem of a blueprint by field (the admin form and services use it)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(length, int) or isinstance(length, bool) or length < 1:
        errors.setdefault("length", []).append(
            _("The length must be a whole number >= 1.")
        )
        length = None
    if (
        difficulty_min is not None
        and difficulty_max is not None
        and not difficulty_min < difficulty_max
    ):
        errors.setdefault("difficulty_max", []).append(
            _("The highest difficulty must be above the lowest (%(lo)s).")
            % {"lo": difficulty_min}
        )
    if not isinstance(content, Mapping):
        errors.setdefault("content", []).append(
            _(
                "The content must map domain codes to counts or proportions, e.g. "
                '{"info.data": 0.5, "info.safety": 0.5}.'
            )
        )
        return errors
    messages = _blueprint_value_errors(content, length)
    codes = [str(c) for c in content]
    domains = {d.code: d for d in Domain.objects.filter(code__in=codes)}
    unknown = [c for c in codes if c not in domains]
    if unknown:
        messages.append(
            _("Unknown domain code(s): %(codes)s.") % {"codes": ", ".join(unknown)}
        )
    needs = [
        c for c in codes if c in domains and domains[c].kind != Domain.Kind.ABILITY
    ]
    if needs:
        messages.append(
            _("Not ability domains (blueprints assemble ability tests): %(codes)s.")
            % {"codes": ", ".join(needs)}
        )
    subtrees = domain_subtrees([c for c in codes if c in domains])
    for code in subtrees:
        for other in subtrees:
            if other != code and domains[other].pk in subtrees[code]:
                messages.append(
                    _(
                        "“%(a)s” lies inside “%(b)s”: its items already count "
                        "towards “%(b)s”; list only one of them."
                    )
                    % {"a": other, "b": code}
                )
    if messages:
        errors.setdefault("content", []).extend(messages)
    return errors


def items_for_export(
    *, domain_code: str | None = None, kind: str | None = None, live_only: bool = False
):
    """Items to export, by domain (with its subdomains), kind and published state."""
    qs = Item.objects.select_related("domain").prefetch_related("options", "tags")
    if domain_code:
        if not Domain.objects.filter(code=domain_code).exists():
            raise ValidationError(
                {"domain": _("Unknown domain “%(c)s”.") % {"c": domain_code}}
            )
        qs = qs.filter(domain_id__in=domain_subtrees([domain_code])[domain_code])
    if kind:
        if kind not in Item.Kind.values:
            raise ValidationError(
                {
                    "kind": _("Unknown item kind “%(kind)s”; choose one of %(kinds)s.")
                    % {"kind": kind, "kinds": ", ".join(Item.Kind.values)}
                }
            )
        qs = qs.filter(kind=kind)
    if live_only:
        qs = qs.filter(live=True)
    return qs.order_by("code")


# Key-position lint (invariant 10) -------------------------------------------------

KEY_BALANCE_ALPHA = 0.01  # chi-square p below this: the positions are unbalanced
KEY_BALANCE_MIN_EXPECTED = 5.0  # judge a group only when each position expects 5 keys
KEY_ORDER_MAX_SHARE = 0.25  # ordering items stored in their key order, at most


@dataclass(frozen=True)
class KeyBalance:
    """How the keys of one item kind (with one number of options) fall by position.

    ``counts[k]`` counts keys at stored position k+1: the correct option of single-choice
    and true/false items, each correct option of multiple-response items, and for
    ordering items the correct place of the option stored first (stored in key order,
    it is always 1). ``p_value`` is the chi-square test against equal positions (None
    when too few items to judge). ``flagged`` when p < ``KEY_BALANCE_ALPHA``, or when
    more than ``KEY_ORDER_MAX_SHARE`` of the ordering items are stored in key order.
    """

    kind: str
    n_options: int
    n_items: int
    counts: tuple[int, ...]
    modal_position: int
    modal_share: float
    p_value: float | None
    in_key_order: int
    flagged: bool

    @property
    def judged(self) -> bool:
        return self.p_value is not None or self.kind == "ordered"


def _key_positions(
    kind: str, rows: Sequence[tuple[str, bool, int | None]]
) -> list[int]:
    if kind in ("single_choice", "true_false"):
        keyed = [k + 1 for k, (_oid, is_key, _pos) in enumerate(rows) if is_key]
        return keyed if len(keyed) == 1 else []
    if kind == "multiple_response":
        return [k + 1 for k, (_oid, is_key, _pos) in enumerate(rows) if is_key]
    if kind == "ordered":
        first = rows[0][2] if rows else None
        return [int(first)] if first else []
    return []


def key_position_balance(
    *, language: str | None = None, live_only: bool = True
) -> list[KeyBalance]:
    """Balance of key positions per item kind and number of options (Likert: no key).

    Reads the items' saved options in their stored order (the order an author sees
    and the option ids' letters follow); delivery shuffles choice and ordering items
    per session, but a lopsided bank still shows in ids, exports and print forms.
    """
    from scipy.stats import chisquare

    qs = ItemOption.objects.exclude(item__kind="likert")
    if live_only:
        qs = qs.filter(item__live=True)
    if language:
        qs = qs.filter(item__language=language)
    by_item: dict[int, tuple[str, list[tuple[str, bool, int | None]]]] = {}
    for item_id, kind, oid, is_key, pos in qs.order_by(
        "item_id", "sort_order", "pk"
    ).values_list("item_id", "item__kind", "option_id", "is_key", "key_position"):
        by_item.setdefault(item_id, (kind, []))[1].append((oid, is_key, pos))
    groups: dict[tuple[str, int], dict[str, Any]] = {}
    for kind, rows in by_item.values():
        n = len(rows)
        if n < 2:
            continue
        group = groups.setdefault(
            (kind, n), {"items": 0, "counts": [0] * n, "in_key": 0}
        )
        group["items"] += 1
        for position in _key_positions(kind, rows):
            if 1 <= position <= n:
                group["counts"][position - 1] += 1
        if kind == "ordered" and [r[2] for r in rows] == list(range(1, n + 1)):
            group["in_key"] += 1
    out = []
    for (kind, n), group in sorted(groups.items()):
        counts = group["counts"]
        total = sum(counts)
        p_value = None
        if total and total / n >= KEY_BALANCE_MIN_EXPECTED:
            p_value = float(chisquare(counts).pvalue)
        modal = max(range(n), key=lambda k: counts[k])
        in_key = group["in_key"]
        flagged = (p_value is not None and p_value < KEY_BALANCE_ALPHA) or (
            kind == "ordered" and in_key > KEY_ORDER_MAX_SHARE * group["items"]
        )
        out.append(
            KeyBalance(
                kind=kind,
                n_options=n,
                n_items=group["items"],
                counts=tuple(counts),
                modal_position=modal + 1,
                modal_share=counts[modal] / total if total else 0.0,
                p_value=p_value,
                in_key_order=in_key,
                flagged=bool(flagged),
            )
        )
    return out


# -- reads of the admin pages (itembank/admin_views.py) ------------------------
# The pages check model permissions first; these return None for a missing row and
# the page answers 404.
def item_by_id(item_id: int) -> Item | None:
    """Return an item (any state), or None."""
    return Item.objects.filter(pk=item_id).first()


def overview_domains() -> list[Domain]:
    """Return the domains the bank overview counts: every child and every leaf."""
    domains = set(
        Domain.objects.filter(parent__isnull=False)
        | Domain.objects.filter(children__isnull=True)
    )
    return sorted(domains, key=lambda d: (d.sort_order, d.code))


def live_item_domains() -> list[tuple[int, int]]:
    """Return (item id, domain id) of every live item."""
    return list(Item.objects.filter(live=True).values_list("pk", "domain_id"))


def parameter_set_by_id(set_id: int) -> ItemParameterSet | None:
    """Return a parameter set (any status), or None."""
    return ItemParameterSet.objects.filter(pk=set_id).first()


def parameter_set_rows(parameter_set: ItemParameterSet) -> list[ItemParameter]:
    """Return a set's parameters with their items."""
    return list(
        ItemParameter.objects.filter(parameter_set=parameter_set).select_related("item")
    )


def cut_score_sets_all() -> list[CutScoreSet]:
    """Return every cut-score version with its domain and deciders."""
    return list(
        CutScoreSet.objects.select_related("domain", "reviewed_by", "activated_by")
    )


def cut_score_set_by_id(set_id: int) -> CutScoreSet | None:
    """Return a cut-score version with its domain, or None."""
    return CutScoreSet.objects.select_related("domain").filter(pk=set_id).first()


# -- scoped reads for the review API: researchers and administrators only -------------
# A caller without the role gets the same NotFound for a set that exists as for one that
# does not, so the API never tells outsiders which versions are in review.


def researcher_require(*, user: Any) -> None:
    """Refuse (PermissionDenied) a caller who is neither researcher nor administrator."""
    if not user_is_researcher(user=user):
        raise PermissionDenied


def parameter_set_for(*, user: Any, set_id: int) -> ItemParameterSet:
    """Return a parameter set a researcher may review, or raise NotFound."""
    pset = parameter_set_by_id(set_id) if user_is_researcher(user=user) else None
    if pset is None:
        raise NotFound(f"no parameter set {set_id}")
    return pset


def cut_score_set_for(*, user: Any, set_id: int) -> CutScoreSet:
    """Return a cut-score version a researcher may review, or raise NotFound."""
    row = cut_score_set_by_id(set_id) if user_is_researcher(user=user) else None
    if row is None:
        raise NotFound(f"no cut-score set {set_id}")
    return row


def cut_score_sets_for(*, user: Any, domain_code: str = "") -> list[CutScoreSet]:
    """Return every cut-score version (optionally of one domain) for a researcher."""
    researcher_require(user=user)
    rows = CutScoreSet.objects.select_related("domain")
    if domain_code:
        rows = rows.filter(domain__code=domain_code)
    return list(rows)


def cut_score_domain_for(*, user: Any, code: str) -> Domain:
    """Return the domain a researcher sets cut scores for, or raise NotFound."""
    researcher_require(user=user)
    domain = Domain.objects.filter(code=code).first()
    if domain is None:
        raise NotFound(f"no domain {code!r}")
    return domain


def items_for_qti(*, domain_code: str | None = None):
    """Return the items of a QTI export: all, or a domain's subtree."""
    items = Item.objects.select_related("domain").prefetch_related("options")
    if domain_code:
        items = items.filter(domain__code=domain_code) | items.filter(
            domain__code__startswith=domain_code + "."
        )
    return items


def blueprint_by_id(blueprint_id: int):
    """Return a blueprint, or None."""

    return Blueprint.objects.filter(pk=blueprint_id).first()


def items_with_domains(item_ids: Sequence[int]) -> dict[int, Item]:
    """Return the items by id, with their domain path (for labels)."""
    return Item.objects.select_related("domain__parent__parent").in_bulk(list(item_ids))


def parameters_by_item(
    *, parameter_set: ItemParameterSet | None, item_ids: Sequence[int]
) -> dict[int, ItemParameter]:
    """Return a set's parameters of the given items by item id ({} without a set)."""
    if parameter_set is None:
        return {}
    return {
        p.item_id: p
        for p in ItemParameter.objects.filter(
            parameter_set=parameter_set, item_id__in=list(item_ids)
        )
    }


def domains_by_code(codes: Sequence[str]) -> dict[str, Domain]:
    """Return the domains with these codes, with their parents (for labels)."""
    return {
        d.code: d
        for d in Domain.objects.filter(code__in=list(codes)).select_related(
            "parent__parent"
        )
    }


def domains_by_code_order():
    """Return every domain ordered by code (the import page lists them)."""
    return Domain.objects.order_by("code")
