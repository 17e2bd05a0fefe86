"""Running survey jobs: read the stored arrays, call the pipeline, store the results.

A worker claims a job (``job_control.job_claim``) before running it and holds a lease
that :class:`Reporter` (each progress step) and a heartbeat thread renew. The Reporter
saves progress on the Job row, pushes it to the job's Channels group and raises
:class:`~assessment.survey.pipeline.Cancelled` once a researcher has asked the job to stop.
"""

from __future__ import annotations

import logging
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation

from assessment.survey import pipeline, services
from assessment.survey.job_control import (
    Heartbeat,
    LeaseLost,
    job_claim,
    job_finish,
    job_heartbeat,
    owner_token,
)
from assessment.survey.models import (
    Calibration,
    Job,
    JobKind,
    JobStatus,
    RakingVariables,
    Respondent,
    ScoreSet,
    SurveyData,
    WeightSet,
    unpack_arrays,
)
from assessment.survey.needs import needs_option_names
from assessment.survey.selectors import job_payload
from assessment.survey.services import (
    indicators_feed,
    levels_for,
    population_counts,
    rollup_publish,
    survey_arrays,
)
from assessment.survey.services.designs import ADULT_SHARE
from itembank.services import parameter_set_create
from learning_platform.districts.models import CITY_CODE, EducationFigure
from psychometrics.survey import needs_arrays_from

log = logging.getLogger(__name__)


def group_name(job_id) -> str:
    return f"survey-job-{job_id}"


def push(job: Job) -> None:
    """Send the job's state to everyone watching it (best effort)."""
    layer = get_channel_layer()
    if layer is None:
        return
    with translation.override(
        settings.LANGUAGE_CODE
    ):  # a broadcast: the site's language
        message = {"type": "job.update", "job": job_payload(job)}
    try:
        async_to_sync(layer.group_send)(group_name(job.pk), message)
        async_to_sync(layer.group_send)("survey-jobs", message)
    except Exception:  # noqa: BLE001 - progress display must never fail the job
        log.exception("could not push survey job progress")


class Reporter:
    """Progress callback of a running job: renews the lease, stores progress, checks cancel.

    Saves are throttled to one every ``every`` seconds per stage; each save renews the
    worker's lease (raising :class:`~assessment.survey.job_control.LeaseLost` when it is
    gone) and raises :class:`~assessment.survey.pipeline.Cancelled` once a researcher
    asked the job to stop.
    """

    def __init__(self, job: Job, *, owner: str = "", every: float = 0.3) -> None:
        self.job = job
        self.owner = owner or job.lease_owner
        self.every = every
        self._last = 0.0
        self._stage = ""

    def __call__(self, fraction: float, stage: str) -> None:
        now = time.monotonic()
        if now - self._last < self.every and stage == self._stage and fraction < 1.0:
            return
        self._last, self._stage = now, stage
        if not job_heartbeat(
            job_id=self.job.pk, owner=self.owner, progress=fraction, stage=stage
        ):
            raise LeaseLost(stage)
        self.job.refresh_from_db(
            fields=["progress", "stage", "cancel_requested", "status"]
        )
        push(self.job)
        if self.job.cancel_requested:
            raise pipeline.Cancelled(stage)


def run_job(job_id: str, *, owner: str | None = None) -> str:
    """Claim a queued job, run it to its end and return its final status.

    A job another worker claimed (or that has ended) is left alone: its status is
    returned without running anything.
    """
    owner = owner or owner_token()
    if not job_claim(job_id=job_id, owner=owner):
        row = Job.objects.filter(pk=job_id).only("status").first()
        return row.status if row is not None else "missing"
    job = Job.objects.select_related("campaign").get(pk=job_id)
    push(job)
    # The heartbeat thread has its own connection: only useful (and only safe on SQLite)
    # when this connection commits as it goes, i.e. outside a surrounding transaction.
    beat = None if connection.in_atomic_block else Heartbeat(job_id=job.pk, owner=owner)
    if beat is not None:
        beat.start()
    reporter = Reporter(job, owner=owner)
    try:
        reporter(0.0, "started")
        result = RUNNERS[job.kind](job, reporter)
    except LeaseLost:
        log.warning(
            "survey job %s: lease lost; the run stops without writing its end", job.pk
        )
        status, result, error = None, {}, ""
    except pipeline.Cancelled:
        status, result, error = JobStatus.CANCELLED, {}, ""
    except (ValidationError, ValueError, KeyError, LookupError) as exc:
        msgs = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        status, result, error = JobStatus.FAILED, {}, "; ".join(msgs)
    except Exception as exc:  # noqa: BLE001 - the job row must record any failure
        log.exception("survey job %s failed", job.pk)
        status, result, error = JobStatus.FAILED, {}, f"{type(exc).__name__}: {exc}"
    else:
        status, error = JobStatus.FINISHED, ""
    finally:
        if beat is not None:
            beat.stop()
    if status is not None:
        job_finish(
            job_id=job.pk,
            owner=owner,
            status=status,
            result=result,
            error=error,
            progress=1.0 if status == JobStatus.FINISHED else None,
        )
    job.refresh_from_db()
    return job.status


# ---------------------------------------------------------------- inputs
def _respondents(campaign) -> list[Respondent]:
    return list(Respondent.objects.filter(campaign=campaign).order_by("pk"))


def _arrays(campaign):
    return survey_arrays(campaign)


def _latest(model, campaign, pk=None):
    qs = model.objects.filter(campaign=campaign)
    row = qs.filter(pk=pk).first() if pk else qs.first()
    if row is None:
        raise ValidationError(
            f"no {model._meta.verbose_name} for this campaign yet; run that job first"
        )
    return row


def _respondent_order(campaign) -> tuple[list[Respondent], np.ndarray]:
    rows = [r for r in _respondents(campaign) if r.responded]
    rows.sort(key=lambda r: r.row)
    return rows, np.array([r.pseudo_id for r in rows])


def _weights_in_row_order(ws: WeightSet, pseudo: np.ndarray) -> dict[str, np.ndarray]:
    arr = unpack_arrays(ws.arrays)
    if not np.array_equal(arr["pseudo_id"], pseudo):
        raise ValidationError(
            "the weights belong to another set of respondents; recompute them"
        )
    return arr


# ---------------------------------------------------------------- runners
def run_weights(job: Job, progress: pipeline.Progress) -> dict[str, Any]:
    campaign = job.campaign
    design = getattr(campaign, "sample_design", None)
    if design is None:
        return _run_weights_without_design(job, progress)
    strata = {(s.district_code, s.age_band, s.sex): s for s in design.strata.all()}
    people = _respondents(campaign)
    if not people:
        raise ValidationError("the campaign has no respondents stored")
    pi = []
    for p in people:
        s = strata.get((p.district_code, p.age_band, p.sex))
        if s is None or s.allocation == 0:
            raise ValidationError(
                f"respondent {p.pseudo_id}: stratum "
                f"{p.district_code}/{p.age_band}/{p.sex} is not sampled"
            )
        pi.append(s.inclusion_probability)
    margins: dict[str, dict[str, float]] = {"district": {}, "age_band": {}, "sex": {}}
    for (d, a, s), st in strata.items():
        for name, key in (("district", d), ("age_band", a), ("sex", s)):
            margins[name][key] = margins[name].get(key, 0.0) + st.population
    district = np.array([p.district_code for p in people])
    variables = None
    if design.raking_variables == RakingVariables.AGE_SEX_EDUCATION:
        education, margin = _education_margin(design, strata, people)
        variables = {"education": education}
        margins.update(margin)
    try:
        res = pipeline.compute_weights(
            district=district,
            age_band=np.array([p.age_band for p in people]),
            sex=np.array([p.sex for p in people]),
            inclusion_probability=np.array(pi),
            responded=np.array([p.responded for p in people]),
            margins=margins,
            variables=variables,
            n_replicates=int(job.params.get("n_replicates", pipeline.N_REPLICATES)),
            max_ratio=job.params.get("max_ratio", 8.0),
            progress=progress,
        )
    except (
        ValueError
    ) as exc:  # a margin the respondents cannot meet, named by the pipeline
        raise ValidationError(str(exc)) from exc
    resp = np.array([p.responded for p in people])
    order = np.argsort([p.row for p in people if p.responded])
    pseudo = np.array([p.pseudo_id for p in people])[resp][order]
    ws = services.weight_set_store(
        campaign=campaign,
        report=res.report,
        arrays=dict(
            pseudo_id=pseudo,
            base=res.base[resp][order],
            nonresponse=res.nonresponse[resp][order],
            final=res.final[order],
            replicates=res.replicates[order],
            zone=res.zone[order],
            half=res.half[order],
        ),
    )
    return {"weight_set_id": ws.pk, **res.report}


# respondents' education (the questionnaire's six levels) on the census's levels
_CENSUS_LEVEL = {
    "primary": "primary",
    "junior_secondary": "lower_secondary",
    "senior_secondary": "upper_secondary",
    "junior_college": "tertiary",
    "bachelor": "tertiary",
    "postgraduate": "tertiary",
}
_OTHER_LEVEL = "other"


def _education_margin(design, strata, people) -> tuple[list[str | None], dict]:
    """The education variable of the sampled persons and its population margin.

    The census publishes persons of each level per 100,000 residents (all ages), by
    district or only city-wide (area 310000). Everyone of a published level is aged 15
    or more, so the level's share among the design's population (residents aged 15+)
    is ``per_100k / 100,000 / ADULT_SHARE``; the levels not published form one "other"
    cell. With figures for every district the margin is district × education, else it
    is city-wide. No figures, or figures for some districts only, are refused by name.
    """

    rows = list(
        EducationFigure.objects.filter(year__lte=design.population_year).order_by(
            "area_code", "-year"
        )
    )
    latest: dict[str, int] = {}
    for r in rows:
        latest.setdefault(r.area_code, r.year)
    shares: dict[str, dict[str, float]] = {}
    for r in rows:
        if r.year == latest[r.area_code]:
            shares.setdefault(r.area_code, {})[r.level] = (
                r.per_100k / 100_000 / ADULT_SHARE
            )
    district_codes = sorted({d for d, _a, _s in strata})
    by_district = [d for d in district_codes if d in shares]
    if by_district and len(by_district) < len(district_codes):
        lacking = [d for d in district_codes if d not in shares]
        raise ValidationError(
            f"margin ('district', 'education'): no census education figures in or before "
            f"{design.population_year} for district(s) {', '.join(lacking)}"
        )
    if not by_district and CITY_CODE not in shares:
        raise ValidationError(
            f"margin 'education': no census education figures in or before "
            f"{design.population_year}; load them with manage.py load_education_figures"
        )
    levels = sorted({lv for s in shares.values() for lv in s})

    def level_of(p) -> str | None:
        if not p.education:
            return None  # unknown (non-respondents); a respondent without it is refused
        lv = _CENSUS_LEVEL.get(p.education)
        if lv is None:
            raise ValidationError(
                f"respondent {p.pseudo_id}: unknown education "
                f"{p.education!r} (expected one of {', '.join(_CENSUS_LEVEL)})"
            )
        return lv if lv in levels else _OTHER_LEVEL

    education = [level_of(p) for p in people]
    population: dict[str, float] = {}
    for (d, _a, _s), st in strata.items():
        population[d] = population.get(d, 0.0) + st.population

    def cells(
        area_shares: dict[str, float], total: float, label: str
    ) -> dict[str, float]:
        out = {lv: total * area_shares[lv] for lv in levels if lv in area_shares}
        rest = total - sum(out.values())
        if rest <= 0:
            raise ValidationError(
                f"margin {label}: the published levels leave no one for "
                f"the other levels in {total:,.0f} persons"
            )
        out[_OTHER_LEVEL] = rest
        return out

    if by_district:
        margin = {}
        for d in district_codes:
            for lv, v in cells(
                shares[d], population[d], f"('district', 'education'), district {d}"
            ).items():
                margin[(d, lv)] = v
        return education, {("district", "education"): margin}
    return education, {
        "education": cells(shares[CITY_CODE], sum(population.values()), "'education'")
    }


def _run_weights_without_design(
    job: Job, progress: pipeline.Progress
) -> dict[str, Any]:
    """Weight a campaign's respondents to the population (open practice, thematic surveys).

    Job parameters: ``population_year`` (default the campaign's year), ``margins`` (e.g.
    ``["district", "age_band", "sex"]`` or ``[["district", "age_band"], ["district",
    "sex"]]``), ``max_ratio`` (trimming cap, default none), ``n_replicates``.
    """

    campaign = job.campaign
    people = sorted(
        (p for p in _respondents(campaign) if p.responded), key=lambda p: p.row
    )
    if not people:
        raise ValidationError("the campaign has no respondents stored")
    year = int(
        job.params.get("population_year") or campaign.year or timezone.now().year
    )
    population = population_counts(year=year)
    margins = job.params.get("margins")
    res = pipeline.compute_poststratified_weights(
        district=np.array([p.district_code for p in people]),
        age_band=np.array([p.age_band for p in people]),
        sex=np.array([p.sex for p in people]),
        population=population,
        margins=[m if isinstance(m, str) else tuple(m) for m in margins]
        if margins
        else None,
        n_replicates=int(job.params.get("n_replicates", pipeline.N_REPLICATES)),
        max_ratio=job.params.get("max_ratio"),
        progress=progress,
    )
    res.report["population_year"] = year
    ws = services.weight_set_store(
        campaign=campaign,
        report=res.report,
        arrays=dict(
            pseudo_id=np.array([p.pseudo_id for p in people]),
            base=res.base,
            nonresponse=res.nonresponse,
            final=res.final,
            replicates=res.replicates,
            zone=res.zone,
            half=res.half,
        ),
    )
    return {"weight_set_id": ws.pk, **res.report}


def run_calibrate(job: Job, progress: pipeline.Progress) -> dict[str, Any]:
    campaign = job.campaign
    arrays, meta = _arrays(campaign)
    domains = meta["domains"]
    responses = {d: arrays[f"responses_{d}"].astype(np.float64) for d in domains}
    ids = {d: [str(i) for i in arrays[f"items_{d}"]] for d in domains}
    previous = _previous_parameters(job)
    # the EM steps take most of the bar; the reviewer's evidence (fit, DIF) the rest
    res = pipeline.calibrate(
        responses,
        ids,
        previous=previous,
        progress=pipeline.span(progress, 0.0, 0.6),
        max_iter=int(job.params.get("max_iter", 500)),
    )
    cal = services.calibration_store(
        campaign=campaign,
        job=job,
        domains={d: pipeline.params_to_json(p) for d, p in res.params.items()},
        report={
            "domains": res.report,
            "linking": res.linking,
            "previous": "reference"
            if job.params.get("reference_parameters")
            else ("previous wave" if previous else None),
        },
    )
    set_id, note = _parameter_set(cal, job)
    if set_id is not None:
        services.calibration_parameter_set_link(
            calibration=cal, parameter_set_id=set_id
        )
        cal.parameter_set_id = set_id
    # the reviewer's evidence: fit, DIF, linking error and drift
    rows, _pseudo = _respondent_order(campaign)
    evidence = (
        pipeline.calibration_evidence(
            responses,
            res.params,
            linking=res.linking,
            previous=previous,
            groups={
                "sex": np.array([r.sex for r in rows], dtype=object),
                "age_band": np.array([r.age_band for r in rows], dtype=object),
                "district_group": pipeline.district_group(
                    [r.district_code for r in rows]
                ),
            },
            progress=pipeline.span(progress, 0.6, 1.0),
        )
        if len(rows) == next(iter(responses.values())).shape[0]
        else None
    )
    services.calibration_evidence_store(calibration=cal, evidence=evidence)
    return {
        "calibration_id": cal.pk,
        "parameter_set_id": set_id,
        "parameter_set_note": note,
        "n_flagged": len(evidence["flagged"]) if evidence else None,
        "linking": res.linking,
        "converged": {d: r["converged"] for d, r in res.report.items()},
    }


def _previous_parameters(job: Job):
    ref = job.params.get("reference_parameters")
    if ref:
        return {d: pipeline.params_from_json(v) for d, v in ref.items()}
    campaign = job.campaign
    prev = (
        Calibration.objects.filter(
            campaign__kind=campaign.kind, campaign__year__lt=campaign.year or 0
        )
        .order_by("-campaign__year", "-created_at")
        .first()
    )
    if prev is None:
        return None
    return {d: pipeline.params_from_json(v) for d, v in prev.domains.items()}


def _parameter_set(cal: Calibration, job: Job) -> tuple[int | None, str]:
    """Offer the calibration to the item bank as a parameter set for review."""
    items: dict[int, dict] = {}
    for d, block in cal.domains.items():
        se = (cal.report["domains"].get(d) or {}).get("se") or {}
        for j, it in enumerate(block["items"]):
            try:
                item_id = int(it["id"])
            except (TypeError, ValueError):
                return None, f"item id {it['id']!r} is not an item-bank id; not offered"
            items[item_id] = {
                "a": it["a"],
                "b": it["b"],
                "c": it["c"],
                "thresholds": it["thresholds"],
                "se": {
                    "a": (se.get("a") or [None] * (j + 1))[j],
                    "b": (se.get("b") or [None] * (j + 1))[j],
                },
                "fit": {},
                "model": it["model"],
            }
    try:
        models = {it["model"] for it in items.values()}
        ps = parameter_set_create(
            name=f"{job.campaign} calibration {cal.pk}",
            model="/".join(sorted(models)),
            items=items,
            source=f"survey-calibration:{cal.pk}",
            created_by=job.created_by,
            data_note=f"campaign {job.campaign.pk}, job {job.pk}",
        )
    except (ValidationError, ValueError, LookupError) as exc:
        msgs = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        return None, "item bank refused the parameter set: " + "; ".join(msgs)
    return ps.pk, "offered to the item bank for review"


def run_score(job: Job, progress: pipeline.Progress) -> dict[str, Any]:
    campaign = job.campaign
    arrays, meta = _arrays(campaign)
    cal = _latest(Calibration, campaign, job.params.get("calibration_id"))
    domains = meta["domains"]
    responses = {d: arrays[f"responses_{d}"].astype(np.float64) for d in domains}
    ids = {d: [str(i) for i in arrays[f"items_{d}"]] for d in domains}
    params = {d: pipeline.params_from_json(cal.domains[d]) for d in domains}
    services.calibration_require_approved(calibration=cal, what="Scoring")
    rows, pseudo = _respondent_order(campaign)
    ws = WeightSet.objects.filter(campaign=campaign).first()
    weights = None if ws is None else _weights_in_row_order(ws, pseudo)["final"]
    res = pipeline.score(
        responses,
        ids,
        params,
        background=arrays["background"],
        categorical=meta.get("categorical", ()),
        groups=np.array([r.district_code for r in rows]),
        weights=weights,
        n_draws=int(job.params.get("n_draws", pipeline.N_DRAWS)),
        conditioning={
            "age_band": np.array([r.age_band for r in rows]),
            "sex": np.array([r.sex for r in rows]),
        },
        seed=int(job.params.get("seed", 7)),
        progress=progress,
    )
    out = {"pseudo_id": pseudo}
    for d in domains:
        out[f"pv_{d}"] = res.pv[d].astype(np.float32)
        out[f"eap_{d}"] = res.eap[d]
        out[f"sd_{d}"] = res.sd[d]
    ss = services.score_set_store(
        campaign=campaign,
        calibration=cal,
        n_draws=res.pv[domains[0]].shape[1],
        report={"domains": res.report},
        arrays=out,
    )
    return {"score_set_id": ss.pk, **res.report}


def code_version() -> str:
    root = Path(__file__).resolve().parents[2]
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def _finite(value) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) and v >= 0 else None


def _method_poststratified(ws: WeightSet) -> dict[str, Any]:
    """The sample and weights part of a roll-up's method for a campaign without a design."""
    rep = ws.report.get("replicates") or {}
    return {
        "sample": {
            "design": "no sample design: respondents weighted to the population",
            "allocation": None,
            "n_respondents": ws.report.get("n_respondents"),
            "population_year": ws.report.get("population_year"),
        },
        "weights": {
            "steps": [
                "equal start N/n",
                "raking to " + ", ".join(ws.report.get("margins") or []),
            ],
            "raking": ws.report.get("raking"),
            "caveat": "model-based: valid if respondents resemble the population "
            "within the raking cells",
        },
        "replicates": {"method": rep.get("method", "JK2"), "n": ws.n_replicates},
    }


def _needs_arrays(
    campaign, n_respondents: int
) -> dict[str, tuple[np.ndarray, tuple[str, ...]]]:
    """The needs questionnaire's answers stored with the survey data, if any."""

    data = SurveyData.objects.filter(campaign=campaign).first()
    if data is None:
        return {}
    try:
        needs = needs_arrays_from(unpack_arrays(data.arrays))
    except ValueError as exc:
        raise ValidationError(f"needs questionnaire data: {exc}") from exc
    for area, (x, _opts) in needs.items():
        if x.shape[0] != n_respondents:
            raise ValidationError(
                f"needs_{area} has {x.shape[0]} rows but the campaign has {n_respondents} "
                "respondents; store the survey data again"
            )
    return needs


def run_rollup(job: Job, progress: pipeline.Progress) -> dict[str, Any]:
    campaign = job.campaign
    ss = _latest(ScoreSet, campaign, job.params.get("score_set_id"))
    ws = _latest(WeightSet, campaign, job.params.get("weight_set_id"))
    rows, pseudo = _respondent_order(campaign)
    scores = unpack_arrays(ss.arrays)
    if not np.array_equal(scores["pseudo_id"], pseudo):
        raise ValidationError(
            "the scores belong to another set of respondents; score again"
        )
    w = _weights_in_row_order(ws, pseudo)
    domains = [k[3:] for k in scores if k.startswith("pv_")]
    services.calibration_require_approved(calibration=ss.calibration, what="Roll-up")
    levels, cut_info = levels_for(domains)
    threshold = int(job.params.get("threshold", pipeline.SUPPRESSION_THRESHOLD))
    needs = _needs_arrays(campaign, len(rows))
    cal = ss.calibration
    linking = (cal.report.get("linking") if cal else {}) or {}
    linking_errors = {
        d: _finite((v or {}).get("linking_error")) for d, v in linking.items()
    }
    cells = pipeline.rollup(
        {d: scores[f"pv_{d}"].astype(np.float64) for d in domains},
        weights=w["final"],
        replicates=w["replicates"],
        district=np.array([r.district_code for r in rows]),
        levels=levels,
        breakdowns={
            name: np.array([getattr(r, name) or "unknown" for r in rows])
            for name in ("age_band", "sex", "education")
        },
        needs=needs,
        linking_errors=linking_errors,
        threshold=threshold,
        progress=progress,
    )
    method = (
        _method_poststratified(ws)
        if ws.report.get("method") == "poststratification"
        else {
            "sample": {
                "design": "stratified SRS, district × age band × sex",
                "allocation": getattr(
                    getattr(campaign, "sample_design", None), "method", None
                ),
                **{
                    k: ws.report.get(k)
                    for k in ("n_sampled", "n_respondents", "response_rate")
                },
            },
            "weights": {
                "steps": [
                    "base 1/π",
                    "non-response within strata",
                    "raking to district, age band and sex",
                    "trimming",
                ],
                "raking": ws.report.get("raking"),
            },
            "replicates": {"method": "JK2", "n": ws.n_replicates},
        }
    )
    method.update(
        {
            "models": "2PL/GPCM, concurrent calibration over booklets (MML-EM)",
            "plausible_values": {
                "n": ss.n_draws,
                "model": "latent regression on background PCs and district",
            },
            "se": "SE² = mean sampling variance + (1 + 1/M) × between-PV variance",
            "suppression": {"threshold": threshold, "complementary": True},
            "linking_error": {
                d: (v or {}).get("linking_error") for d, v in linking.items()
            },
        }
    )
    if needs:
        method["needs"] = {
            "areas": {area: list(opts) for area, (_x, opts) in needs.items()},
            "share": "% answering in the top two of five categories, among those answering",
            "satisfaction_index": "weighted mean of the satisfaction items rescaled 0–100",
            "se": "JK2 replicate weights",
        }
        method["needs_options"] = needs_option_names(needs)
    provenance = {
        "campaign_id": campaign.pk,
        "score_set_id": ss.pk,
        "weight_set_id": ws.pk,
        "calibration_id": cal.pk if cal else None,
        "parameter_set_id": cal.parameter_set_id if cal else None,
        "cut_scores": cut_info,
        "code_version": code_version(),
        "job_id": str(job.pk),
    }
    with transaction.atomic():
        rollup = services.rollup_store(
            name=job.params.get("name") or f"{campaign.name_zh} 区级汇总",
            campaign=campaign,
            year=campaign.year or timezone.now().year,
            score_set=ss,
            weight_set=ws,
            parameter_set_id=provenance["parameter_set_id"],
            method=method,
            provenance=provenance,
            cells=cells,
        )
        rollup.cut_score_sets.set([c["cut_score_set_id"] for c in cut_info.values()])
        feed = None
        if job.params.get("publish"):
            rollup_publish(rollup=rollup)
            feed = indicators_feed(rollup=rollup)
    return {
        "rollup_id": rollup.pk,
        "n_cells": len(cells),
        "published": rollup.published,
        "n_suppressed": sum(c["suppressed"] for c in cells),
        "indicators_feed": feed,
    }


RUNNERS = {
    JobKind.WEIGHTS: run_weights,
    JobKind.CALIBRATE: run_calibrate,
    JobKind.SCORE: run_score,
    JobKind.ROLLUP: run_rollup,
}
