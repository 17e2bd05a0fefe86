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

The booklets are :mod:`.booklets`' and the needs questionnaire's answers
:mod:`.needs`'.

Rows are written in chunks with one ``executemany`` per table, so 10,000 respondents
with 110 answers each take about 60 s on SQLite (quiet machine). The items and their
generating parameters are the item bank's published items and its active parameter
set, so the reporting scale of the survey is the bank's scale (``survey_recovery``
measures a roll-up against the truth).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from assessment.models import (
    Campaign,
    Response,
    Result,
    Session,
    SessionStatus,
)
from assessment.services import (
    campaign_close,
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
from assessment.survey.simulation.booklets import (
    BookletPlan,
    booklet_plan,
)
from assessment.survey.simulation.needs import needs_answers
from assessment.survey.simulation.rows import (
    RowWriter,
    db_times,
    levels_by_domain,
    result_rows,
)
from assessment.survey.simulation.truth import (
    AGE_BANDS,
    EDUCATION_BY_AGE,
    OCCUPATION_BY_AGE,
    OCCUPATIONS,
    RESPONSE_RATE,
    SEXES,
    TruthModel,
)
from learning_platform.districts.models import District
from psychometrics import category_probabilities

CHUNK = 1000  # respondents per bulk write


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
