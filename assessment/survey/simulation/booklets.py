"""The survey's booklets: which items, in which blocks, delivered as one instrument.

Every ability domain's most informative items about its attainment cut
fill three blocks of about equal information; booklet ``j`` holds blocks ``j`` and
``j + 1`` of every domain. Information literacy, whose district attainment rate the
survey exists for, has 15 items a block (30 a respondent, about 25 minutes): the demo
bank's items discriminate less (median a about 1.2) than the array-only benchmark's 20
a person (a from 0.8 to 2.0, as PIAAC's ~20 a domain), and 30 carry about the same
information (sum of a squared). Science and health keep 10 items a block (20 a
respondent, so the respondent's time does not grow) and take 30 of their 46 and 48
usable items, the 16 written for the survey (a 1.4-2.2) among them; with the bank's
first 30 items (all there were) science missed the bar at seed 2025 (0.021 / 0.015)
and health by 0.0003 on the share. At 10,000 (``simulate_survey``, seeds 2025, 1, 2;
district-mean RMSE / share RMSE / rates covered of 16) information reached
0.015 / 0.009 / 15, 0.016 / 0.009 / 15, 0.013 / 0.008 / 15; science 0.016 / 0.011 /
16, 0.010 / 0.010 / 15, 0.012 / 0.008 / 16; health 0.015 / 0.014 / 16,
0.015 / 0.012 / 16, 0.016 / 0.012 / 16: health's share misses the bar (0.013) at seed
2025. A district's share error is near its floor: it falls only with the fourth root of
the information at the cut, and an RMSE over 16 districts varies by about a fifth from
seed to seed.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError

from assessment import items as bank
from assessment.models import Instrument
from assessment.services import instrument_create
from assessment.survey.simulation.truth import ABILITY_DOMAINS
from psychometrics import item_information
from psychometrics.irt import normal_quadrature

DICHOTOMOUS_KINDS = ("single_choice", "true_false", "multiple_response")
# items a block (two blocks a respondent); science and health use 30 of their 46 and 48
# published dichotomous demo items, information 45 of its 74 (the most informative ones)
ITEMS_PER_BLOCK = {"info": 15, "science": 10, "health": 10}
N_BLOCKS = 3  # per domain; booklet j holds blocks j and j+1 (mod 3) of every domain
# Needs areas everyone answers; with ``rotate_needs`` the others are rotated, one module
# per booklet (as PIAAC rotates background-questionnaire modules). Off by default: the
# roll-up withholds a district's whole group of cells when any of its cells (a rotated
# module answered by a third) falls under the suppression threshold.
NEEDS_CORE = ("needs.topics", "needs.satisfaction")
SURVEY_NEEDS_AREAS = (
    "needs.topics",
    "needs.modes",
    "needs.times",
    "needs.barriers",
    "needs.satisfaction",
)


@dataclass(frozen=True)
class SurveyItem:
    item_id: int
    revision_id: int
    domain_code: str  # as delivery records it (e.g. "info.safety")
    kind: str
    answers: tuple[tuple[Any, ...], ...]  # per score category, the answers that earn it
    seconds: float  # typical time to answer


@dataclass(frozen=True)
class BookletPlan:
    """Booklets of bank items and the generating parameters of every item in them."""

    booklets: list[list[int]]
    items: dict[int, SurveyItem]
    ability_ids: dict[str, list[int]]  # domain -> item ids (blocks in order)
    needs_ids: list[int]
    params: dict[str, Any]  # domain -> ItemParameters (ability domains and "needs")
    parameter_set_id: int | None

    def reference_parameters(self) -> dict[str, dict[str, Any]]:
        """The generating parameters of the ability items: the reporting scale."""
        return {d: self.params[d].to_dict() for d in self.ability_ids}


def _answers_by_score(item) -> tuple[tuple[Any, ...], ...]:
    """Answers that earn each score category, found by scoring candidates against the key
    of the item's live revision (``item_answer_score``, as delivery scores)."""
    ids = [str(o["id"]) for o in item.payload.get("options", [])]
    if item.kind == "likert":
        return tuple((i,) for i in ids)

    def score(answer: Any) -> int:
        return bank.item_answer_score(revision_id=item.revision_id, answer=answer)

    by_score: dict[int, list[Any]] = {}
    if item.kind in ("single_choice", "true_false"):
        for answer in ids:
            by_score.setdefault(score(answer), []).append(answer)
    else:
        key: list[str] | None = None
        for r in range(
            1, len(ids) + 1
        ):  # smallest subsets first: the key is found early
            key = next(
                (
                    list(c)
                    for c in itertools.combinations(ids, r)
                    if score(list(c)) == 1
                ),
                None,
            )
            if key is not None:
                break
        if key is not None:
            by_score[1] = [key]
            # realistic wrong answers: the key with one option too few or one too many
            near = [[o for o in key if o != x] for x in key if len(key) > 1]
            near += [sorted([*key, x]) for x in ids if x not in key]
            by_score[0] = [a for a in near if score(a) == 0]
    if sorted(by_score) != [0, 1] or not all(by_score.values()):
        raise ValidationError(
            {
                "items": f"item {item.item_id}: cannot find a right and a wrong "
                f"answer (scores {sorted(by_score)})"
            }
        )
    return tuple(tuple(by_score[s]) for s in (0, 1))


_PLANS: dict[tuple, BookletPlan] = {}


def _attainment_cut(domain: str) -> float:
    """The lowest θ of the domain's attained levels (0 without a standard)."""
    cuts = [
        float(lv.min_theta)
        for lv in bank.domain_levels(domain)
        if lv.attained and lv.min_theta is not None
    ]
    return min(cuts, default=0.0)


def _population_information(params, *, cut: float) -> np.ndarray:
    """Each item's Fisher information averaged over θ ~ N(cut, 1).

    The survey's main figures are the districts' attainment rates and means: an item is
    worth what it tells about respondents around the cut, with the districts' spread.
    """
    nodes, weights = normal_quadrature(41, mean=cut, sd=1.0, bound=4.0)
    return item_information(params, nodes) @ weights


def _blocks(by_area: Mapping[str, list[int]], *, need: int) -> list[int]:
    """The ``need`` most informative items, balanced over the areas, in N_BLOCKS blocks.

    ``by_area`` lists each area's items most informative first. The areas take turns
    (round-robin) so every area keeps its share; the chosen items of an area are dealt
    to the blocks in snake order (0, 1, 2, 2, 1, 0, …) so that the blocks, and thus the
    booklets, carry about the same information. Returns the blocks one after another,
    each in round-robin order over the areas.
    """
    order = [
        x
        for group in itertools.zip_longest(*by_area.values())
        for x in group
        if x is not None
    ][:need]
    rank = {x: k for k, x in enumerate(order)}
    chosen = [x for items in by_area.values() for x in items if x in rank]
    snake = [*range(N_BLOCKS), *reversed(range(N_BLOCKS))]
    blocks: list[list[int]] = [[] for _ in range(N_BLOCKS)]
    for k, x in enumerate(chosen):
        blocks[snake[k % len(snake)]].append(x)
    return [x for block in blocks for x in sorted(block, key=rank.__getitem__)]


def booklet_plan(
    *,
    items_per_block: Mapping[str, int] | None = None,
    needs_areas: Sequence[str] = SURVEY_NEEDS_AREAS,
    booklets: Sequence[Sequence[int]] | None = None,
    rotate_needs: bool = False,
) -> BookletPlan:
    """Three rotated booklets over the ability domains, then the needs questionnaire.

    The needs section holds every needs area in every booklet; with ``rotate_needs`` only
    the core areas (topics, satisfaction) and one of the others per booklet.

    Each domain's most informative items about its attainment cut (published,
    dichotomous, calibrated in the active parameter set; see ``_blocks``) fill three
    blocks of equal information, balanced over the domain's areas; booklet ``j`` holds
    blocks ``j`` and ``j + 1`` of every domain, so every pair of blocks is linked. With ``booklets``
    (an existing instrument's), the plan is rebuilt for exactly those items.
    """
    per_block = dict(ITEMS_PER_BLOCK, **(items_per_block or {}))
    if booklets is None:
        ability: dict[str, list[int]] = {}
        for domain in ABILITY_DOMAINS:
            ids = bank.deliverable_item_ids(domain_codes=[domain])
            dichotomous = [
                i for i in bank.items_for_delivery(ids) if i.kind in DICHOTOMOUS_KINDS
            ]
            active = bank.active_parameters(item_ids=[i.item_id for i in dichotomous])
            if active.params is None:
                raise ValidationError(
                    {"items": f"no active parameters for domain {domain!r}"}
                )
            models = dict(zip(active.item_ids, active.params.models, strict=True))
            usable = [
                i
                for i in dichotomous
                if models.get(i.item_id) in ("2pl", "rasch", "3pl")
            ]
            need = N_BLOCKS * per_block[domain]
            if len(usable) < need:
                raise ValidationError(
                    {
                        "items": (
                            f"domain {domain!r} has {len(usable)} published calibrated dichotomous "
                            f"items; the booklets need {need} (load the item bank's demo)"
                        )
                    }
                )
            pos = {int(i): k for k, i in enumerate(active.item_ids)}
            ids = [i.item_id for i in usable]
            info = dict(
                zip(
                    ids,
                    _population_information(
                        active.params.subset([pos[i] for i in ids]),
                        cut=_attainment_cut(domain),
                    ),
                    strict=True,
                )
            )
            by_area: dict[str, list[int]] = {}
            for item in sorted(usable, key=lambda u: -info[u.item_id]):
                by_area.setdefault(item.domain_code, []).append(item.item_id)
            ability[domain] = _blocks(by_area, need=need)
        needs_by_area = {
            a: bank.deliverable_item_ids(domain_codes=[a]) for a in needs_areas
        }
        core = [
            a
            for a in needs_areas
            if (a in NEEDS_CORE or not rotate_needs) and needs_by_area[a]
        ]
        rotated = [a for a in needs_areas if a not in core and needs_by_area[a]]
        booklets = []
        for j in range(N_BLOCKS):
            book: list[int] = []
            for domain, ids in ability.items():
                b = per_block[domain]
                for block in (j, (j + 1) % N_BLOCKS):
                    book += ids[block * b : (block + 1) * b]
            # the needs questionnaire: its core areas for everyone, one rotated module each
            areas = (
                core[:1] + ([rotated[j % len(rotated)]] if rotated else []) + core[1:]
            )
            for a in areas:
                book += needs_by_area[a]
            booklets.append(book)
    all_ids = list(dict.fromkeys(i for b in booklets for i in b))
    # a plan holds the live revisions' keys: rebuild it when a revision or the set changes
    try:
        revisions = tuple(bank.item_for_delivery(i).revision_id for i in all_ids)
    except bank.not_deliverable_error() as exc:
        raise ValidationError(
            {
                "items": f"item {getattr(exc, 'item_id', exc)} of the booklets "
                "is no longer published"
            }
        ) from exc
    cache_key = (tuple(tuple(b) for b in booklets), bank.active_set_id(), revisions)
    if cache_key in _PLANS:
        return _PLANS[cache_key]
    delivered = {i.item_id: i for i in bank.items_for_delivery(all_ids)}
    active = bank.active_parameters(item_ids=all_ids)
    if active.params is None or set(active.item_ids) != set(all_ids):
        missing = sorted(set(all_ids) - set(active.item_ids))
        raise ValidationError(
            {"items": f"items {missing[:10]} have no active parameters"}
        )
    pos = {int(i): k for k, i in enumerate(active.item_ids)}
    items: dict[int, SurveyItem] = {}
    ability_ids: dict[str, list[int]] = {}
    needs: list[int] = []
    for i in all_ids:
        it = delivered[i]
        top = it.domain_code.split(".")[0]
        items[i] = SurveyItem(
            i,
            it.revision_id,
            it.domain_code,
            it.kind,
            _answers_by_score(it),
            12.0 if it.kind == "likert" else 50.0,
        )
        if it.kind == "likert":
            needs.append(i)
        else:
            ability_ids.setdefault(top, []).append(i)
    params = {
        d: active.params.subset([pos[i] for i in ids]) for d, ids in ability_ids.items()
    }
    if needs:
        params["needs"] = active.params.subset([pos[i] for i in needs])
    plan = BookletPlan(
        [list(b) for b in booklets],
        items,
        ability_ids,
        needs,
        params,
        active.parameter_set_id,
    )
    _PLANS.clear()  # one plan is enough: it is rebuilt when the bank's active set changes
    _PLANS[cache_key] = plan
    return plan


def instrument_ensure(*, code: str, plan: BookletPlan | None = None) -> Instrument:
    """The survey's booklet instrument (created through ``instrument_create`` once)."""

    instrument = Instrument.objects.filter(code=code).first()
    if instrument is not None:
        return instrument
    plan = plan or booklet_plan()
    return instrument_create(
        code=code,
        name_zh="市民终身学习素养调查(五年一次,模拟)",
        name_en="Five-yearly citizen literacy survey (simulated)",
        description_zh="信息、科学、健康三个素养领域的轮换题本,另附学习需求与满意度问卷;模拟数据。",
        description_en="Rotated booklets over information, science and health literacy, "
        "followed by the learning-needs and satisfaction questionnaire; "
        "simulated data.",
        kind="ability",
        domain_code="info",
        mode="booklet",
        settings={"booklets": plan.booklets},
    )
