"""Reads of the item bank (the contract delivery, scoring and reports rely on)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from wagtail.models import Revision

from psychometrics.irt import ItemParameters

from .models import Domain, Item, ItemParameter, ItemParameterSet, ProficiencyLevel
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
        for it in Item.objects.filter(pk__in=ids, live=True, live_revision__isnull=False)
        .select_related("live_revision", "domain")
    }
    out = []
    domain_codes = dict(Domain.objects.values_list("pk", "code"))
    for item_id in ids:
        item = rows.get(item_id)
        if item is None:
            raise ItemNotDeliverable(item_id)
        obj, options = _revision_object(item.live_revision)
        out.append(DeliveryItem(
            item_id=item_id,
            revision_id=item.live_revision_id,
            kind=obj.kind,
            domain_code=domain_codes.get(obj.domain_id, item.domain.code),
            n_categories=n_categories(obj, options),
            payload=build_payload(obj, options),
        ))
    return out


def _domain_q(domain_codes: Sequence[str], prefix: str = "domain__code") -> Q:
    q = Q()
    for code in domain_codes:
        q |= Q(**{prefix: code}) | Q(**{f"{prefix}__startswith": code + "."})
    return q


def deliverable_item_ids(
    *, domain_codes: Sequence[str] | None = None, kinds: Sequence[str] | None = None,
    language: str = "zh-hans",
) -> list[int]:
    qs = Item.objects.filter(live=True, live_revision__isnull=False, language=language)
    if domain_codes:
        qs = qs.filter(_domain_q(domain_codes))
    if kinds:
        qs = qs.filter(kind__in=list(kinds))
    return list(qs.order_by("pk").values_list("pk", flat=True))


def item_answer_score(*, revision_id: int, answer: Any) -> int:
    """Score an answer against the key of exactly that revision."""
    revision = Revision.objects.filter(pk=revision_id).first()
    if revision is None or revision.base_content_type.model_class() is not Item:
        raise ValidationError({"revision_id": _("Unknown item revision %(id)s.")
                               % {"id": revision_id}})
    obj, options = _revision_object(revision)
    return score_answer(obj, options, answer)


def active_parameter_set() -> ItemParameterSet | None:
    return ItemParameterSet.objects.filter(is_active=True).first()


def parameters_to_arrays(rows: Sequence[ItemParameter]) -> ItemParameters:
    models, a, c, thr = [], [], [], []
    for p in rows:
        models.append(p.model)
        a.append(p.a)
        c.append(p.c)
        thr.append([p.b] if p.model in ("rasch", "2pl", "3pl") else list(p.thresholds))
    return ItemParameters(models=tuple(models), a=np.array(a), b=None, c=np.array(c),
                          thresholds=thr, item_ids=tuple(str(p.item_id) for p in rows))


def active_parameters(*, item_ids: Sequence[int] | None = None) -> ActiveParameters:
    pset = active_parameter_set()
    if pset is None:
        return ActiveParameters(None, [], None)
    qs = ItemParameter.objects.filter(parameter_set=pset)
    if item_ids is not None:
        qs = qs.filter(item_id__in=[int(i) for i in item_ids])
    rows = {p.item_id: p for p in qs}
    order = [int(i) for i in item_ids if int(i) in rows] if item_ids is not None else sorted(rows)
    order = list(dict.fromkeys(order))
    if not order:
        return ActiveParameters(pset.pk, [], None)
    return ActiveParameters(pset.pk, order, parameters_to_arrays([rows[i] for i in order]))


def _level(lv: ProficiencyLevel, code: str) -> Level:
    return Level(lv.order, lv.code, lv.min_theta, lv.name_zh, lv.name_en, lv.description_zh,
                 lv.description_en, lv.suggestion_zh, lv.suggestion_en, lv.attained, code)


def domain_levels(domain_code: str) -> list[Level]:
    """Levels of the domain, or of its nearest ancestor that has levels; ordered."""
    domain = Domain.objects.filter(code=domain_code).first()
    while domain is not None:
        levels = list(domain.levels.order_by("order"))
        if levels:
            return [_level(lv, domain.code) for lv in levels]
        domain = domain.parent
    return []


def domain_tree() -> list[dict]:
    return [
        {"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en,
         "parent_code": d.parent.code if d.parent_id else None, "kind": d.kind}
        for d in Domain.objects.select_related("parent").order_by("sort_order", "code")
    ]


def parameter_history(item_id: int) -> list[dict]:
    """Every parameter set that holds this item, newest first."""
    return [
        {"set_id": p.parameter_set_id, "set_name": p.parameter_set.name, "model": p.model,
         "a": p.a, "b": p.b, "c": p.c, "thresholds": p.thresholds, "se": p.se, "fit": p.fit,
         "active": p.parameter_set.is_active, "created_at": p.parameter_set.created_at}
        for p in ItemParameter.objects.filter(item_id=item_id)
        .select_related("parameter_set").order_by("-parameter_set__created_at", "-pk")
    ]
