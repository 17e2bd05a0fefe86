"""Multistage delivery: panel assignment, routing between modules, design checks.

A multistage instrument has panels (parallel forms). Each panel has one module at
stage 1 and, at every later stage, an easy/medium/hard module of its own; a routing
rule per later stage picks the module from what was answered so far: the number
correct (summed score categories) or the EAP ability with the active parameter
set, against increasing cut points. A session is assigned its panel at start
(``Session.panel``) and records its route (``plan["route"]``, module ids, and
``plan["routing"]``, the value each decision saw), so a resumed session continues
in the same module and the exposure of panels and modules can be counted.

:func:`multistage_next_item` is the only routing decision; the session services call
it through ``selection._advance`` for every entry point (HTTP, pages, WebSocket).
"""

from __future__ import annotations

import secrets
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from assessment import items as bank
from assessment.models import (
    MODULE_DIFFICULTY_RANK,
    Campaign,
    DeliveryMode,
    Instrument,
    ModuleDifficulty,
    MultistageModule,
    MultistagePanel,
    MultistageRoutingRule,
    PanelAssignment,
    RoutingMethod,
    Session,
)
from assessment.services.errors import delivery_refusal
from psychometrics.scoring import estimate_ability

DESIGN_CHANGED = "design_changed"
THETA_LIMIT = 4.0  # θ cut points beyond ±4 route (almost) nobody


@dataclass(frozen=True)
class ModuleDesign:
    id: int
    stage: int
    difficulty: str
    item_ids: tuple[int, ...]

    @property
    def label(self) -> str:
        return f"{self.stage}-{self.difficulty}"


@dataclass(frozen=True)
class RuleDesign:
    stage: int
    method: str
    cut_points: tuple[float, ...]


@dataclass(frozen=True)
class PanelDesign:
    """A panel's modules and rules as delivery reads them."""

    id: int
    code: str
    modules: tuple[ModuleDesign, ...]
    rules: Mapping[int, RuleDesign]

    def module(self, module_id: int) -> ModuleDesign | None:
        return next((m for m in self.modules if m.id == module_id), None)

    def stage_modules(self, stage: int) -> list[ModuleDesign]:
        """Return the stage's modules, easiest first (the order cut points index)."""
        return sorted(
            (m for m in self.modules if m.stage == stage),
            key=lambda m: MODULE_DIFFICULTY_RANK.get(m.difficulty, 1),
        )

    @property
    def n_stages(self) -> int:
        return max((m.stage for m in self.modules), default=0)


def panel_design(panel_id: int) -> PanelDesign:
    """Read a panel's design (two queries)."""
    panel = MultistagePanel.objects.get(pk=panel_id)
    modules = tuple(
        ModuleDesign(
            m.pk, int(m.stage), m.difficulty, tuple(int(i) for i in m.item_ids)
        )
        for m in MultistageModule.objects.filter(panel_id=panel_id).order_by(
            "stage", "pk"
        )
    )
    rules = {
        int(r.stage): RuleDesign(
            int(r.stage), r.method, tuple(float(c) for c in r.cut_points)
        )
        for r in MultistageRoutingRule.objects.filter(panel_id=panel_id)
    }
    return PanelDesign(panel.pk, panel.code, modules, rules)


def route_index(cut_points: Sequence[float], value: float) -> int:
    """Return which module (0 = easiest) a routing value reaches.

    Below the first cut point: 0; at or above cut point ``k`` (0-based): ``k + 1``.
    """
    return bisect_right(list(cut_points), float(value))


def routing_value(*, method: str, answered: Mapping[int, int | None]) -> float:
    """Return the number correct, or the EAP ability, of the answered items.

    Ability uses the active parameter set; items without parameters are left out,
    and with none calibrated the EAP is the prior mean 0.
    """
    scores = {int(i): s for i, s in answered.items() if s is not None}
    if method == RoutingMethod.NUMBER_CORRECT:
        return float(sum(scores.values()))
    if not scores:
        return 0.0
    active = bank.active_parameters(item_ids=sorted(scores))
    positions = {int(item_id): k for k, item_id in enumerate(active.item_ids)}
    known = [i for i in sorted(scores) if i in positions]
    if not known:
        return 0.0
    estimate = estimate_ability(
        np.array([float(scores[i]) for i in known]),
        active.params.subset([positions[i] for i in known]),
        method="eap",
    )
    return float(estimate.theta[0])


# ---------------------------------------------------------------- delivery


def multistage_plan(
    session: Session, campaign: Campaign, instrument: Instrument
) -> dict[str, Any]:
    """Assign the session its panel and return the plan that starts its route."""
    panels = list(
        MultistagePanel.objects.filter(instrument=instrument, active=True)
        .order_by("code", "pk")
        .values_list("pk", flat=True)
    )
    if not panels:
        raise delivery_refusal(
            "not_ready",
            _("This multistage test has no panels yet; please try later."),
            status=503,
        )
    assignment = (instrument.settings or {}).get(
        "panel_assignment", PanelAssignment.ROUND_ROBIN
    )
    if assignment == PanelAssignment.RANDOM:
        index = secrets.randbelow(len(panels))
    else:
        # Balanced like booklet rotation: one atomic counter per campaign.
        Campaign.objects.filter(pk=campaign.pk).update(
            rotation_counter=F("rotation_counter") + 1
        )
        counter = Campaign.objects.values_list("rotation_counter", flat=True).get(
            pk=campaign.pk
        )
        index = (counter - 1) % len(panels)
    design = panel_design(panels[index])
    first = design.stage_modules(1)
    if not first:
        raise delivery_refusal(
            "not_ready",
            _("This multistage test has no panels yet; please try later."),
            status=503,
        )
    session.panel_id = design.id
    return {"panel": design.id, "route": [first[0].id], "routing": []}


def multistage_next_item(
    session: Session, *, skip: set[int] | None = None
) -> int | None:
    """Return the next item of the session's route, routing on when a module is done.

    The current module (the route's last) is finished in order; then the next
    stage's rule picks its module from everything answered so far, and the route
    and the value it saw are recorded in ``session.plan`` (the row is locked by the
    caller). None once the last stage's module is done. Items in ``skip`` (no longer
    deliverable) are passed over.
    """
    skip = skip or set()
    design = panel_design(session.panel_id)
    plan = dict(session.plan or {})
    route = [int(m) for m in plan.get("route", [])]
    answered = dict(session.responses.values_list("item_id", "score"))
    while True:
        module = design.module(route[-1]) if route else None
        if module is None:
            # The module was removed from the panel since: the route cannot go on, and
            # the session is judged by the precision rule as one cut short.
            session.plan = {**plan, DESIGN_CHANGED: True}
            return None
        for item_id in module.item_ids:
            if item_id not in answered and item_id not in skip:
                return item_id
        following = design.stage_modules(module.stage + 1)
        rule = design.rules.get(module.stage + 1)
        if not following or rule is None:
            return None
        value = routing_value(method=rule.method, answered=answered)
        chosen = following[min(route_index(rule.cut_points, value), len(following) - 1)]
        route.append(chosen.id)
        plan["route"] = route
        plan["routing"] = [
            *plan.get("routing", []),
            {
                "stage": chosen.stage,
                "method": rule.method,
                "value": round(value, 4),
                "module": chosen.id,
                "difficulty": chosen.difficulty,
            },
        ]
        session.plan = plan


# ---------------------------------------------------------------- design checks


def _label(module: Mapping[str, Any]) -> str:
    return f"{module.get('stage')}-{module.get('difficulty')}"


def panel_design_check(
    *,
    code: str,
    modules: Sequence[Mapping[str, Any]],
    rules: Sequence[Mapping[str, Any]],
) -> None:
    """Refuse a panel design delivery could not route; errors name panel, module, field.

    ``modules``: dicts with ``stage``, ``difficulty``, ``item_ids``; ``rules``: dicts
    with ``stage``, ``method``, ``cut_points``. Checks: one stage-1 module; stages
    1..S without gaps; at most one module per stage and difficulty; items are
    published and in one module only; every stage from 2 has a rule with one cut
    point fewer than its modules, increasing, and (number correct) each module
    reachable: the highest cut point at most the fewest points a test-taker can
    have by then, the lowest above 0; θ cut points within ±4.
    """
    errors: dict[str, list[str]] = {}

    def err(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    where = {"panel": code}
    if not modules:
        err("modules", _("Panel %(panel)s has no modules.") % where)
        raise ValidationError(errors)
    by_stage: dict[int, list[Mapping[str, Any]]] = {}
    owner: dict[int, str] = {}
    max_score: dict[int, int] = {}
    all_ids: list[int] = []
    for module in modules:
        label = _label(module)
        key = f"modules[{label}]"
        stage = module.get("stage")
        if isinstance(stage, bool) or not isinstance(stage, int) or not 1 <= stage <= 5:
            err(
                f"{key}.stage",
                _("Panel %(panel)s, module %(module)s: the stage must be 1 to 5.")
                % {**where, "module": label},
            )
            continue
        if module.get("difficulty") not in ModuleDifficulty.values:
            err(
                f"{key}.difficulty",
                _(
                    "Panel %(panel)s, module %(module)s: the difficulty must be easy, medium or "
                    "hard."
                )
                % {**where, "module": label},
            )
            continue
        if any(
            m.get("difficulty") == module["difficulty"] for m in by_stage.get(stage, [])
        ):
            err(
                f"{key}.difficulty",
                _("Panel %(panel)s has two %(module)s modules.")
                % {**where, "module": label},
            )
            continue
        items = module.get("item_ids")
        if (
            not isinstance(items, list | tuple)
            or not items
            or any(isinstance(i, bool) or not isinstance(i, int) for i in items)
        ):
            err(
                f"{key}.item_ids",
                _(
                    "Panel %(panel)s, module %(module)s: items must be a non-empty list of item "
                    "ids."
                )
                % {**where, "module": label},
            )
            continue
        for item_id in items:
            if item_id in owner:
                err(
                    f"{key}.item_ids",
                    _(
                        "Panel %(panel)s: item %(item)s is in module %(other)s and in module "
                        "%(module)s; an item may be in one module of a panel only."
                    )
                    % {
                        **where,
                        "item": item_id,
                        "other": owner[item_id],
                        "module": label,
                    },
                )
            owner[item_id] = label
        by_stage.setdefault(stage, []).append(module)
        all_ids += [int(i) for i in items]
    if errors:
        raise ValidationError(errors)
    try:
        delivered = {
            item.item_id: item for item in bank.items_for_delivery(sorted(set(all_ids)))
        }
    except bank.not_deliverable_error() as exc:
        item: Any = getattr(exc, "item_id", exc)
        raise ValidationError(
            {
                f"modules[{owner.get(item, '?')}].item_ids": [
                    _(
                        "Panel %(panel)s, module %(module)s: item %(item)s is not published, so it "
                        "cannot be delivered."
                    )
                    % {**where, "module": owner.get(item, "?"), "item": item}
                ]
            }
        ) from exc
    for item_id, item in delivered.items():
        max_score[item_id] = max(int(item.n_categories) - 1, 1)
    stages = sorted(by_stage)
    if stages != list(range(1, len(stages) + 1)):
        err(
            "modules",
            _(
                "Panel %(panel)s: stages must run 1, 2, … without a gap; it has "
                "%(stages)s."
            )
            % {**where, "stages": ", ".join(map(str, stages))},
        )
    if len(by_stage.get(1, [])) != 1:
        err(
            "modules",
            _("Panel %(panel)s must have exactly one stage-1 module.") % where,
        )
    rule_of: dict[Any, Mapping[str, Any]] = {}
    for rule in rules:
        stage = rule.get("stage")
        key = f"rules[{stage}]"
        if stage in rule_of:
            err(
                key,
                _("Panel %(panel)s has two routing rules for stage %(stage)s.")
                % {**where, "stage": stage},
            )
            continue
        rule_of[stage] = rule
        if stage not in by_stage or stage == 1:
            err(
                f"{key}.stage",
                _(
                    "Panel %(panel)s: a routing rule for stage %(stage)s, which has no module to "
                    "route to."
                )
                % {**where, "stage": stage},
            )
    if errors:
        raise ValidationError(errors)
    # fewest points a test-taker can have before each stage, over every route
    fewest = {1: 0}
    for stage in stages[1:]:
        fewest[stage] = fewest[stage - 1] + min(
            sum(max_score[int(i)] for i in m["item_ids"]) for m in by_stage[stage - 1]
        )
    for stage in stages[1:]:
        key = f"rules[{stage}]"
        found = rule_of.get(stage)
        n_modules = len(by_stage[stage])
        if found is None:
            err(
                key,
                _(
                    "Panel %(panel)s: stage %(stage)s has %(n)s modules but no routing rule."
                )
                % {**where, "stage": stage, "n": n_modules},
            )
            continue
        rule = found
        if rule.get("method") not in RoutingMethod.values:
            err(
                f"{key}.method",
                _(
                    "Panel %(panel)s, stage %(stage)s: route by number correct "
                    "or by ability."
                )
                % {**where, "stage": stage},
            )
            continue
        cuts = rule.get("cut_points")
        if not isinstance(cuts, list | tuple) or any(
            isinstance(c, bool) or not isinstance(c, int | float) for c in cuts
        ):
            err(
                f"{key}.cut_points",
                _(
                    "Panel %(panel)s, stage %(stage)s: cut points must be a "
                    "list of numbers."
                )
                % {**where, "stage": stage},
            )
            continue
        if len(cuts) != n_modules - 1:
            err(
                f"{key}.cut_points",
                _(
                    "Panel %(panel)s, stage %(stage)s: %(n)s modules need %(k)s cut points; "
                    "%(given)s given."
                )
                % {
                    **where,
                    "stage": stage,
                    "n": n_modules,
                    "k": n_modules - 1,
                    "given": len(cuts),
                },
            )
            continue
        if any(b <= a for a, b in zip(cuts, cuts[1:], strict=False)):
            err(
                f"{key}.cut_points",
                _("Panel %(panel)s, stage %(stage)s: cut points must increase.")
                % {**where, "stage": stage},
            )
            continue
        if not cuts:
            continue
        if rule["method"] == RoutingMethod.NUMBER_CORRECT:
            modules_sorted = sorted(
                by_stage[stage], key=lambda m: MODULE_DIFFICULTY_RANK[m["difficulty"]]
            )
            if cuts[0] <= 0:
                err(
                    f"{key}.cut_points",
                    _(
                        "Panel %(panel)s, stage %(stage)s: nobody scores below %(cut)s, so module "
                        "%(module)s cannot be reached."
                    )
                    % {
                        **where,
                        "stage": stage,
                        "cut": cuts[0],
                        "module": _label(modules_sorted[0]),
                    },
                )
            if cuts[-1] > fewest[stage]:
                err(
                    f"{key}.cut_points",
                    _(
                        "Panel %(panel)s, stage %(stage)s: some routes give at most %(most)s "
                        "points before this stage, below the cut point %(cut)s, so module "
                        "%(module)s cannot be reached from them."
                    )
                    % {
                        **where,
                        "stage": stage,
                        "most": fewest[stage],
                        "cut": cuts[-1],
                        "module": _label(modules_sorted[-1]),
                    },
                )
        elif cuts[0] < -THETA_LIMIT or cuts[-1] > THETA_LIMIT:
            err(
                f"{key}.cut_points",
                _(
                    "Panel %(panel)s, stage %(stage)s: ability cut points "
                    "must lie between -4 and 4."
                )
                % {**where, "stage": stage},
            )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def multistage_panel_create(
    *,
    instrument: Instrument,
    code: str,
    modules: Sequence[Mapping[str, Any]],
    rules: Sequence[Mapping[str, Any]],
    name: str = "",
) -> MultistagePanel:
    """Create a checked panel of a multistage instrument with its modules and rules."""
    if instrument.mode != DeliveryMode.MULTISTAGE:
        raise ValidationError(
            {"instrument": _("Only a multistage instrument has panels.")}
        )
    if MultistagePanel.objects.filter(instrument=instrument, code=code).exists():
        raise ValidationError(
            {
                "code": _("This instrument has a panel %(panel)s already.")
                % {"panel": code}
            }
        )
    panel_design_check(code=code, modules=modules, rules=rules)
    panel = MultistagePanel(instrument=instrument, code=code, name=name)
    panel.full_clean()
    panel.save()
    MultistageModule.objects.bulk_create(
        MultistageModule(
            panel=panel,
            stage=m["stage"],
            difficulty=m["difficulty"],
            item_ids=[int(i) for i in m["item_ids"]],
        )
        for m in modules
    )
    MultistageRoutingRule.objects.bulk_create(
        MultistageRoutingRule(
            panel=panel,
            stage=r["stage"],
            method=r["method"],
            cut_points=[float(c) for c in r["cut_points"]],
        )
        for r in rules
    )
    return panel


def multistage_exposure(*, instrument: Instrument) -> dict[str, Any]:
    """Return how many sessions took each panel and each module (by panel code, label)."""
    panels = {p.pk: p.code for p in instrument.panels.all()}
    labels = {
        m.pk: f"{m.stage}-{m.difficulty}"
        for m in MultistageModule.objects.filter(panel__instrument=instrument)
    }
    out: dict[str, Any] = {
        "sessions": 0,
        "panels": {c: 0 for c in panels.values()},
        "modules": {},
    }
    for panel_id, plan in Session.objects.filter(instrument=instrument).values_list(
        "panel_id", "plan"
    ):
        if panel_id not in panels:
            continue
        out["sessions"] += 1
        code = panels[panel_id]
        out["panels"][code] += 1
        per = out["modules"].setdefault(code, {})
        for module_id in (plan or {}).get("route", []):
            label = labels.get(int(module_id), str(module_id))
            per[label] = per.get(label, 0) + 1
    return out


def multistage_max_items(
    *, instrument: Instrument | None = None, session: Session | None = None
) -> int:
    """Return the most items a route can present (the longest module of every stage).

    For a session, the modules already on its route count as they are; for an
    instrument, the longest route over its active panels.
    """
    if session is not None and session.panel_id:
        design = panel_design(session.panel_id)
        route = [design.module(int(m)) for m in (session.plan or {}).get("route", [])]
        taken = {m.stage: len(m.item_ids) for m in route if m is not None}
        return sum(
            taken.get(
                stage,
                max((len(m.item_ids) for m in design.stage_modules(stage)), default=0),
            )
            for stage in range(1, design.n_stages + 1)
        )
    panels = MultistagePanel.objects.filter(active=True)
    if instrument is not None:
        panels = panels.filter(instrument=instrument)
    elif session is not None:
        panels = panels.filter(instrument_id=session.instrument_id)
    longest = 0
    for panel_id in panels.values_list("pk", flat=True):
        design = panel_design(panel_id)
        longest = max(
            longest,
            sum(
                max(len(m.item_ids) for m in design.stage_modules(stage))
                for stage in range(1, design.n_stages + 1)
            ),
        )
    return longest
