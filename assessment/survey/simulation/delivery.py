"""A five-yearly survey simulated through the real delivery models, with known truth.

The survey is not written into the statistics' arrays directly. It is delivered the way
a field team's respondents would deliver it, only faster:

1. the campaign's stratified sample design (``design_create``: district × age band ×
   sex from the population figures) and its invitation codes (``invitations_issue``);
2. for every invited person a true ability per literacy domain from a population model
   (:class:`~assessment.survey.simulation.truth.TruthModel`: district effects, education
   and age effects, a correlated residual), background answers, and whether they
   respond (by age band);
3. for every respondent a simulated citizen account, a finished booklet ``Session`` (the
   booklet the campaign's rotation counter assigns), one ``Response`` per item of the
   booklet — the answer in the form the delivery service stores (an option id, or a list
   of option ids), its score against the key of the item's live revision, the sequence,
   seconds and timestamps — the needs questionnaire answered as Likert items, ``Result``
   rows scored with the active parameter set, and the invitations redeemed
   (``invitations_redeem``, one batch);
4. the campaign closed if open and frozen by ``survey_data_freeze`` as a real one is,
   with the true abilities (``truth_theta``) and the population model in ``meta``.

Sample: equal allocation over the 16 districts (about 625 respondents each at 10,000),
proportional to age band × sex within a district, because the district attainment
rates are the survey's main figures (proportional allocation with a floor of half the
equal share left the smallest districts about 310 respondents).

Booklets: every ability domain's most informative items about its attainment cut
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

Rows are written in chunks with one ``executemany`` per table, so 10,000 respondents
with 110 answers each take about 60 s on SQLite (quiet machine). The items and their
generating parameters are the item bank's published items and its active parameter
set, so the reporting scale of the survey is the bank's scale (``survey_recovery``
measures a roll-up against the truth).
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from assessment import items as bank
from assessment.models import (
    Campaign,
    Instrument,
    Response,
    Result,
    Session,
    SessionStatus,
)
from assessment.services import (
    campaign_close,
    instrument_create,
    item_statistics_schedule,
)
from assessment.survey.services import (
    AGE_SHARES,
    EDUCATION_ORDER,
    design_create,
    invitations_issue,
    invitations_redeem,
    survey_data_freeze,
)
from assessment.survey.simulation.rows import (
    RowWriter,
    db_times,
    levels_by_domain,
    result_rows,
)
from assessment.survey.simulation.truth import (  # noqa: F401 - used by the package
    ABILITY_DOMAINS,
    AGE_BANDS,
    BAR_COVERED,
    BAR_RMSE_MEAN,
    BAR_RMSE_SHARE,
    EDUCATION_BY_AGE,
    OCCUPATION_BY_AGE,
    OCCUPATIONS,
    RESPONSE_RATE,
    SEXES,
    DomainRecovery,
    TruthModel,
    survey_recovery,
    true_district_figures,
)
from learning_platform.districts.models import District
from psychometrics import category_probabilities, item_information
from psychometrics.irt import normal_quadrature
from psychometrics.survey import NEEDS_AREAS, simulate_needs

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
CHUNK = 1000  # respondents per bulk write


# ---------------------------------------------------------------- items and booklets
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


# ---------------------------------------------------------------- the needs questionnaire
def simulate_needs_likert(
    plan: BookletPlan,
    *,
    age: np.ndarray,
    education: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Likert answers (category codes) to the needs items, from a latent need per area.

    The need of area ``a`` is η_a ~ N(m_a(age, education), 1): younger and more educated
    residents want more learning and rate services a little higher. Categories come from
    the items' graded-response parameters in the active set. Returns the codes
    (persons × needs items), the latent needs (persons × areas) and the area codes.
    """

    ids = plan.needs_ids
    if not ids:
        return np.empty((age.size, 0)), np.empty((age.size, 0)), []
    areas = sorted({plan.items[i].domain_code for i in ids})
    area_of = np.array([areas.index(plan.items[i].domain_code) for i in ids])
    young = 0.25 - 0.12 * age  # bands 0..6
    edu = 0.15 * (education - 2.5)
    eta = np.column_stack(
        [
            young
            + edu
            + (0.2 if "satisfaction" in a else 0.0)
            + rng.normal(size=age.size)
            for a in areas
        ]
    )
    p = plan.params["needs"]
    codes = np.empty((age.size, len(ids)))
    for j in range(len(ids)):
        probs = category_probabilities(p.subset([j]), eta[:, area_of[j]])[0]  # (n, K)
        cum = probs.cumsum(axis=1)
        codes[:, j] = (
            (rng.random((age.size, 1)) > cum).sum(axis=1).clip(0, probs.shape[1] - 1)
        )
    return codes, eta, areas


def _needs_generator() -> Callable | None:
    """The survey package's pure needs generator, when it is there."""
    return simulate_needs


def needs_answers(
    plan: BookletPlan,
    *,
    district: Sequence[str],
    age: np.ndarray,
    education: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, dict[str, np.ndarray], str]:
    """Codes 0..4 per respondent and needs item of the plan, the truth, and its source.

    :func:`psychometrics.survey.simulate_needs` (district and age-band profiles) answers
    when it is installed and the bank's needs areas hold its options; otherwise
    :func:`simulate_needs_likert`. Every item is answered (booklet delivery presents
    each item in turn), so item non-response is 0.
    """
    ids = plan.needs_ids
    n = age.size
    generator = _needs_generator()
    by_area: dict[str, list[int]] = {}
    for j, i in enumerate(ids):
        area = plan.items[i].domain_code.split(".", 1)[-1]
        by_area.setdefault(area, []).append(j)
    if generator is not None:
        if all(len(NEEDS_AREAS.get(a, ())) == len(cols) for a, cols in by_area.items()):
            sim = generator(
                np.asarray(district),
                np.asarray(AGE_BANDS)[age],
                item_nonresponse=0.0,
                rng=rng,
            )
            codes = np.empty((n, len(ids)))
            truth: dict[str, np.ndarray] = {
                "truth_satisfaction": np.asarray(sim.expected_satisfaction)
            }
            for area, cols in by_area.items():
                codes[:, cols] = sim.answers[area]
                truth[f"truth_needs_choice_{area}"] = np.asarray(
                    sim.expected_choice[area]
                )
            return codes, truth, "psychometrics.survey.simulate_needs"
    codes, eta, areas = simulate_needs_likert(
        plan, age=age, education=education, rng=rng
    )
    return (
        codes,
        {"truth_needs_eta": eta},
        "assessment.survey.simulation.delivery.simulate_needs_likert",
    )


# ---------------------------------------------------------------- the simulation
@dataclass
class SimulationResult:
    campaign: Campaign
    n_sampled: int
    n_respondents: int
    n_responses: int
    truth: TruthModel
    plan: BookletPlan
    timings: dict[str, float] = field(default_factory=dict)

    def reference_parameters(self) -> dict[str, dict[str, Any]]:
        return self.plan.reference_parameters()

    def __repr__(self) -> str:
        return (
            f"SimulationResult(campaign={self.campaign.pk}, n_sampled={self.n_sampled}, "
            f"n_respondents={self.n_respondents}, n_responses={self.n_responses})"
        )


def _shift_record(shift, district_codes: Sequence[str]) -> dict[str, float] | None:
    """The shift as district code -> θ shift, for the frozen data's ``meta``."""
    if shift is None:
        return None
    if isinstance(shift, Mapping):
        return {c: float(shift.get(c, 0.0)) for c in district_codes}
    values = np.broadcast_to(np.asarray(shift, dtype=float), (len(district_codes),))
    return {c: float(v) for c, v in zip(district_codes, values, strict=True)}


def _pick(shares: Sequence[float], rng: np.random.Generator, n: int) -> np.ndarray:
    p = np.asarray(shares, dtype=float)
    return rng.choice(p.size, size=n, p=p / p.sum())


def survey_simulate(
    *,
    campaign: Campaign,
    n_respondents: int,
    seed: int = 2025,
    population_year: int | None = None,
    method: str = "equal",
    truth_shift: float | Sequence[float] | Mapping[str, float] | None = None,
    stdout=None,
) -> SimulationResult:
    """Sample, invite, deliver and freeze a simulated survey of ``campaign``.

    ``n_respondents`` is the expected number of respondents; the sample is that divided by
    the average response rate. ``method`` allocates it over the districts: ``"equal"``
    (default) gives every district the same sample, so each of the 16 district
    attainment rates (the survey's main figure) is about equally precise;
    ``"minimum"`` is proportional with half the equal share as a floor. The campaign
    must be a survey campaign with a booklet instrument and no sample design or sessions
    yet. Everything is written in one
    transaction: a failure leaves the campaign as it was.

    ``truth_shift`` moves the districts' true means after the population model is drawn
    (θ units; one value, one per district in the districts' order, or a mapping from
    district code: :meth:`TruthModel.shifted`). Another wave of the same population is
    simulated with the same ``seed`` and the change between the waves as the shift: the
    population model is drawn alike, and so are the invited persons, their background
    and their chance draws (common random numbers), so the difference between the two
    waves' roll-ups shows the change rather than two samples' noise.
    """
    with transaction.atomic():
        return _simulate(
            campaign=campaign,
            n_respondents=n_respondents,
            seed=seed,
            population_year=population_year,
            method=method,
            truth_shift=truth_shift,
            stdout=stdout,
        )


def _simulate(
    *,
    campaign: Campaign,
    n_respondents: int,
    seed: int,
    population_year: int | None,
    method: str,
    truth_shift: float | Sequence[float] | Mapping[str, float] | None,
    stdout,
) -> SimulationResult:
    t_all, cpu_all = time.perf_counter(), time.process_time()
    timings: dict[str, float] = {}
    cpu = [time.process_time()]

    def lap(name: str, t0: float) -> float:
        # wall time, and this process's CPU time (the same on an idle machine)
        timings[name] = round(time.perf_counter() - t0, 2)
        used = time.process_time() - cpu[0]
        cpu[0] = time.process_time()
        if stdout is not None:
            stdout.write(
                f"  survey simulation: {name} {timings[name]:.1f} s (CPU {used:.1f} s)"
            )
        return time.perf_counter()

    if n_respondents < 100:
        raise ValidationError({"n_respondents": "simulate at least 100 respondents"})
    if hasattr(campaign, "sample_design"):
        raise ValidationError({"campaign": "this campaign already has a sample design"})
    if Session.objects.filter(campaign=campaign).exists():
        raise ValidationError({"campaign": "this campaign already has sessions"})
    instrument = campaign.instrument
    if instrument.mode != "booklet" or not (instrument.settings or {}).get("booklets"):
        raise ValidationError(
            {"campaign": "the campaign's instrument must deliver booklets"}
        )
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    plan = booklet_plan(booklets=instrument.settings["booklets"])
    year = population_year or campaign.year or timezone.now().year
    mean_rate = float(
        np.dot(RESPONSE_RATE, list(AGE_SHARES.values())) / sum(AGE_SHARES.values())
    )
    n_sample = int(round(n_respondents / mean_rate))
    design = design_create(
        campaign=campaign,
        method=method,
        sample_size=n_sample,
        minimum_per_district=n_sample // 32 if method == "minimum" else 0,
        population_year=year,
    )
    codes = invitations_issue(design=design)
    t0 = lap("design and invitations", t0)

    # ---- the invited persons and the truth

    district_codes = list(
        District.objects.order_by("sort_order", "code").values_list("code", flat=True)
    )
    district_pk = dict(District.objects.values_list("code", "pk"))
    truth = TruthModel.draw(district_codes, rng=rng)
    if truth_shift is not None:
        try:
            truth = truth.shifted(truth_shift)
        except (TypeError, ValueError) as exc:
            raise ValidationError({"truth_shift": str(exc)}) from exc
    keys = [k.split("|") for k, _code in codes]
    n = len(keys)
    district = np.array([district_codes.index(k[0]) for k in keys])
    age = np.array([AGE_BANDS.index(k[1]) for k in keys])
    sex = np.array([SEXES.index(k[2]) for k in keys])
    education = np.empty(n, dtype=int)
    occupation = np.empty(n, dtype=int)
    for a in range(len(AGE_BANDS)):
        m = age == a
        education[m] = _pick(EDUCATION_BY_AGE[a], rng, int(m.sum()))
        occupation[m] = _pick(OCCUPATION_BY_AGE[a], rng, int(m.sum()))
    theta = truth.draw_theta(district, age, education, rng=rng)
    responded = rng.random(n) < np.asarray(RESPONSE_RATE)[age]
    # The field team follows up an allocated stratum until someone in it responds, so no
    # weighting class is left without respondents.
    stratum = np.array(
        [f"{d}|{a}|{s}" for d, a, s in zip(district, age, sex, strict=True)]
    )
    for label in np.unique(stratum):
        where = np.flatnonzero(stratum == label)
        if not responded[where].any():
            responded[where[0]] = True
    resp = np.flatnonzero(responded)
    rng.shuffle(resp)  # the order in which respondents turn up
    n_resp = resp.size

    # ---- answers
    booklets = plan.booklets
    counter0 = Campaign.objects.values_list("rotation_counter", flat=True).get(
        pk=campaign.pk
    )
    booklet_of = (counter0 + np.arange(n_resp)) % len(booklets)
    scores: dict[int, np.ndarray] = {}

    for d, ids in plan.ability_ids.items():
        k = truth.domains.index(d)
        probs = category_probabilities(plan.params[d], theta[resp, k])[
            :, :, 1
        ]  # (items, n)
        x = (rng.random(probs.shape) < probs).astype(np.int16)
        for j, i in enumerate(ids):
            scores[i] = x[j]
    needs_truth: dict[str, np.ndarray] = {}
    needs_source = ""
    if plan.needs_ids:
        codes_needs, needs_truth, needs_source = needs_answers(
            plan,
            district=[district_codes[d] for d in district[resp]],
            age=age[resp],
            education=education[resp],
            rng=rng,
        )
        for j, i in enumerate(plan.needs_ids):
            scores[i] = codes_needs[:, j].astype(np.int16)
    t0 = lap("persons and answers drawn", t0)

    # ---- accounts, sessions, responses, results, redeemed invitations
    from django.contrib.auth import get_user_model

    User = get_user_model()  # noqa: N806
    opens = campaign.opens_at
    closes = campaign.closes_at or (opens + timedelta(days=60))
    span = max((closes - opens).total_seconds() - 2 * 86400, 3600.0)
    starts = np.sort(rng.uniform(86400, 86400 + span, n_resp))
    starts += np.arange(n_resp) * 1e-3  # strictly increasing: the freezer's row order
    unusable = make_password(None)
    levels = levels_by_domain(plan)
    truth_rows: dict[str, int] = {}  # session id -> respondent index
    n_responses = 0
    writer = RowWriter(
        Response,
        (
            "session",
            "sequence",
            "item_id",
            "revision_id",
            "domain_code",
            "answer",
            "score",
            "seconds",
            "client_ts",
            "server_ts",
        ),
        prepared=("client_ts", "server_ts"),
    )
    results_writer = RowWriter(
        Result,
        (
            "session",
            "domain_code",
            "theta",
            "se",
            "level_code",
            "parameter_set_id",
            "n_items",
            "profile",
            "created_at",
        ),
    )
    with transaction.atomic():
        for lo in range(0, n_resp, CHUNK):
            chunk = range(lo, min(lo + CHUNK, n_resp))
            users = User.objects.bulk_create(
                [
                    User(
                        username=f"survey-sim-{campaign.pk}-{r + 1:06d}",
                        password=unusable,
                        is_active=False,
                        display_name=f"模拟受访者 {r + 1}",
                        district_id=district_pk[district_codes[district[resp[r]]]],
                    )
                    for r in chunk
                ],
                batch_size=CHUNK,
            )
            if any(u.pk is None for u in users):  # a database that returns no ids
                pks = dict(
                    User.objects.filter(
                        username__in=[u.username for u in users]
                    ).values_list("username", "pk")
                )
                for u in users:
                    u.pk = pks[u.username]
            sessions, rows = [], []
            for r, user in zip(chunk, users, strict=True):
                p = resp[r]
                b = int(booklet_of[r])
                items = booklets[b]
                started = opens + timedelta(seconds=float(starts[r]))
                seconds = np.array(
                    [plan.items[i].seconds for i in items]
                ) * rng.lognormal(-0.1, 0.45, len(items))
                at = float(starts[r]) + np.cumsum(seconds)  # server time of each answer
                server = db_times(opens, at)
                client = db_times(opens, at - rng.uniform(0.04, 0.9, len(items)))
                pick = rng.random(len(items))
                session = Session(
                    id=uuid.uuid4(),
                    user_id=user.pk,
                    campaign_id=campaign.pk,
                    instrument_id=instrument.pk,
                    status=SessionStatus.FINISHED,
                    background={
                        "age_band": AGE_BANDS[age[p]],
                        "sex": SEXES[sex[p]],
                        "education": EDUCATION_ORDER[education[p]],
                        "district_code": district_codes[district[p]],
                        "occupation": OCCUPATIONS[occupation[p]],
                    },
                    consented_at=started,
                    started_at=started,
                    finished_at=opens + timedelta(seconds=float(at[-1])),
                    booklet=b,
                    plan={"items": list(items)},
                    pending={},
                    n_answered=len(items),
                    stop_reason="form_complete",
                )
                for seq, item_id in enumerate(items, start=1):
                    item = plan.items[item_id]
                    score = int(scores[item_id][r])
                    options = item.answers[score]
                    rows.append(
                        (
                            session.id,
                            seq,
                            item_id,
                            item.revision_id,
                            item.domain_code,
                            options[int(pick[seq - 1] * len(options))],
                            score,
                            round(float(seconds[seq - 1]), 3),
                            client[seq - 1],
                            server[seq - 1],
                        )
                    )
                sessions.append(session)
                truth_rows[str(session.id)] = r
            Session.objects.bulk_create(sessions, batch_size=CHUNK)
            writer.insert(rows)
            results_writer.insert(result_rows(plan, sessions, scores, chunk, levels))
            n_responses += len(rows)
        Campaign.objects.filter(pk=campaign.pk).update(
            rotation_counter=F("rotation_counter") + n_resp
        )
        # Bulk-written sessions close without delivery's per-session hook, so the item
        # bank's statistics of every presented item are recounted once, on the worker.
        item_statistics_schedule(item_ids=sorted({i for b in booklets for i in b}))
        t0 = lap(f"{n_resp} sessions with {n_responses} responses written", t0)
        # each respondent's one-time code opened their session: one batch
        invitations_redeem(
            campaign=campaign,
            codes_with_sessions=[
                (codes[resp[r]][1], sid) for sid, r in truth_rows.items()
            ],
        )
        t0 = lap("invitations redeemed", t0)

    # ---- close (if still open) and freeze, as a real campaign is
    if campaign.closes_at is None or campaign.closes_at > timezone.now():
        campaign = campaign_close(campaign=campaign)
    session_arrays = {
        "truth_theta": {sid: theta[resp[r]] for sid, r in truth_rows.items()}
    }
    for name, values in needs_truth.items():
        session_arrays[name] = {sid: values[r] for sid, r in truth_rows.items()}
    survey_data_freeze(
        campaign=campaign,
        session_arrays=session_arrays,
        extra_arrays={"truth_district_means": np.asarray(truth.district_means)},
        meta={
            "simulation": {
                "n_respondents_target": n_respondents,
                "n_sampled": n,
                "n_respondents": n_resp,
                "seed": seed,
                "district_codes": district_codes,
                "truth_model": truth.to_dict(),
                "truth_shift": _shift_record(truth_shift, district_codes),
                "truth_theta_domains": list(truth.domains),
                "needs_generator": needs_source,
                "parameter_set_id": plan.parameter_set_id,
                "timings": timings,
            }
        },
    )
    lap("frozen into the survey data", t0)
    timings["total"] = round(time.perf_counter() - t_all, 2)
    timings["total_cpu"] = round(time.process_time() - cpu_all, 2)
    return SimulationResult(campaign, n, n_resp, n_responses, truth, plan, timings)
