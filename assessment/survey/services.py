"""State changes of the survey: designs, invitations, respondent data, weights, jobs, roll-ups."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.models import Campaign, CampaignKind
from assessment.survey.models import (
    AllocationMethod,
    Calibration,
    CutScoreSet,
    DataSource,
    Job,
    JobKind,
    JobStatus,
    Respondent,
    RollUp,
    RollUpCell,
    SampleDesign,
    ScoreSet,
    Stratum,
    SurveyData,
    SurveyInvitation,
    WeightSet,
    pack_arrays,
    unpack_arrays,
)
from psychometrics.survey import ProficiencyLevels, Strata, allocate

# Age bands of the background questionnaire (assessment.background) and the share of
# the resident population aged 15+ in each (Shanghai 2020 census, rounded).
AGE_SHARES: dict[str, float] = {
    "15-24": 0.10, "25-34": 0.19, "35-44": 0.17, "45-54": 0.16,
    "55-64": 0.16, "65-74": 0.13, "75+": 0.09,
}
SEX_SHARES: dict[str, float] = {"female": 0.49, "male": 0.51}
ADULT_SHARE = 0.88  # share of residents aged 15 or more
EDUCATION_ORDER = ["primary", "junior_secondary", "senior_secondary", "junior_college",
                   "bachelor", "postgraduate"]
DEFAULT_LEVELS = {"cuts": [-0.5, 0.3, 1.1], "labels": ["L1", "L2", "L3", "L4"],
                  "attained": "L2"}


# ---------------------------------------------------------------- sample design
def population_counts(
    *, year: int, age_shares: Mapping[str, float] | None = None
) -> dict[tuple[str, str, str], int]:
    """Population per district × age band × sex from the districts' figures of ``year``."""
    from learning_platform.districts.models import District, DistrictYearFigure

    shares = dict(age_shares or AGE_SHARES)
    total = sum(shares.values())
    if not shares or total <= 0 or any(v < 0 for v in shares.values()):
        raise ValidationError({"age_shares": _("Age-band shares must be non-negative and not all zero.")})
    counts: dict[tuple[str, str, str], int] = {}
    missing = []
    for district in District.objects.all():
        fig = (DistrictYearFigure.objects.filter(district=district, year__lte=year)
               .order_by("-year").first())
        if fig is None:
            missing.append(district.code)
            continue
        adults = float(fig.resident_population_10k) * 10_000 * ADULT_SHARE
        for band, share in shares.items():
            for sex, s_share in SEX_SHARES.items():
                n = int(round(adults * share / total * s_share))
                if n > 0:
                    counts[(district.code, band, sex)] = n
    if missing:
        raise ValidationError({"population_year": _(
            "No population figures for district(s) %(codes)s in or before %(year)s."
        ) % {"codes": ", ".join(missing), "year": year}})
    if not counts:
        raise ValidationError({"population_year": _("There are no districts to sample from.")})
    return counts


@transaction.atomic
def design_create(
    *,
    campaign: Campaign,
    method: str,
    sample_size: int,
    minimum_per_district: int = 0,
    population_year: int,
    age_shares: Mapping[str, float] | None = None,
    created_by=None,
) -> SampleDesign:
    """Allocate the campaign's sample over district × age band × sex strata."""
    if campaign.kind not in (CampaignKind.FIVE_YEARLY, CampaignKind.THEMATIC):
        raise ValidationError({"campaign": _("Only survey campaigns take a sample design.")})
    if hasattr(campaign, "sample_design"):
        raise ValidationError({"campaign": _("This campaign already has a sample design.")})
    if method not in AllocationMethod.values:
        raise ValidationError({"method": _("Unknown allocation method %(m)r.") % {"m": method}})
    counts = population_counts(year=population_year, age_shares=age_shares)
    try:
        design = allocate(Strata.from_counts(counts), int(sample_size), method=method,
                          minimum=int(minimum_per_district))
    except ValueError as exc:
        raise ValidationError({"sample_size": str(exc)}) from exc
    row = SampleDesign.objects.create(
        campaign=campaign, method=method, sample_size=sample_size,
        minimum_per_district=minimum_per_district, population_year=population_year,
        age_shares=dict(age_shares or AGE_SHARES), created_by=created_by,
    )
    st = design.strata
    Stratum.objects.bulk_create([
        Stratum(design=row, district_code=str(d), age_band=str(a), sex=str(s),
                population=int(p), allocation=int(n), inclusion_probability=float(pi))
        for d, a, s, p, n, pi in zip(st.district, st.age_band, st.sex, st.population,
                                     design.allocation, design.inclusion_probability,
                                     strict=True)
    ])
    return row


def _code_hash(code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, b"survey-invitation:" + code.strip().upper().encode(),
                    hashlib.sha256).hexdigest()


@transaction.atomic
def invitations_issue(*, design: SampleDesign) -> list[tuple[str, str]]:
    """Issue one one-time code per allocated person; return ``(stratum, code)`` once.

    Only a keyed hash of each code is stored, so the list returned here is the only
    copy: hand it to the field team.
    """
    if SurveyInvitation.objects.filter(stratum__design=design).exists():
        raise ValidationError({"design": _("Invitations for this design were already issued.")})
    out: list[tuple[str, str]] = []
    rows = []
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    for stratum in design.strata.all():
        for _i in range(stratum.allocation):
            code = "".join(secrets.choice(alphabet) for _j in range(10))
            rows.append(SurveyInvitation(stratum=stratum, code_hash=_code_hash(code)))
            out.append((stratum.key, code))
    SurveyInvitation.objects.bulk_create(rows, batch_size=2000)
    return out


@transaction.atomic
def invitation_redeem(*, campaign: Campaign, code: str, session_id: str = "") -> Stratum:
    """Mark a one-time code used (by the session it opened); refuse unknown or used codes."""
    inv = (SurveyInvitation.objects.select_for_update()
           .filter(code_hash=_code_hash(code or ""), stratum__design__campaign=campaign).first())
    if inv is None or inv.redeemed_at is not None:
        raise ValidationError({"code": _("This invitation code is not valid or has been used.")})
    inv.redeemed_at = timezone.now()
    inv.session_id = session_id
    inv.save(update_fields=["redeemed_at", "session_id"])
    return inv.stratum


@transaction.atomic
def invitations_redeem(*, campaign: Campaign,
                       codes_with_sessions: Sequence[tuple[str, str]]) -> int:
    """Redeem many one-time codes at once, each by the session it opened.

    As :func:`invitation_redeem`, for a batch: one query looks the codes up (rows locked
    in primary-key order) and one bulk update marks them used. An unknown or used code,
    or a code given twice in the batch, refuses the whole batch with the error
    ``invitation_redeem`` gives, naming the code(s); nothing is changed. Returns the
    number of codes redeemed.
    """
    pairs = [(str(code or ""), str(session_id or "")) for code, session_id in codes_with_sessions]
    if not pairs:
        return 0
    hashes = [_code_hash(code) for code, _sid in pairs]
    found: dict[str, SurveyInvitation] = {}
    unique = list(dict.fromkeys(hashes))
    # one query (per 20,000 codes: SQLite and PostgreSQL take that many parameters)
    locked = (SurveyInvitation.objects.select_for_update(of=("self",))
              .filter(stratum__design__campaign=campaign).order_by("pk"))
    for lo in range(0, len(unique), 20_000):
        for inv in locked.filter(code_hash__in=unique[lo:lo + 20_000]):
            found[inv.code_hash] = inv
    bad, seen = [], set()
    for (code, _sid), h in zip(pairs, hashes, strict=True):
        inv = found.get(h)
        if inv is None or inv.redeemed_at is not None or h in seen:
            bad.append(code)
        seen.add(h)
    if bad:
        message = _("This invitation code is not valid or has been used.")
        shown = [f"{code}: {message}" if code else message for code in bad[:10]]
        if len(bad) > 10:
            shown.append(f"… (+{len(bad) - 10})")
        raise ValidationError({"code": shown})
    now = timezone.now()
    rows = []
    for h, (_code, session_id) in zip(hashes, pairs, strict=True):
        inv = found[h]
        inv.redeemed_at, inv.session_id = now, session_id
        rows.append(inv)
    SurveyInvitation.objects.bulk_update(rows, ["redeemed_at", "session_id"], batch_size=2000)
    return len(rows)


@transaction.atomic
def design_from_allocation(*, campaign: Campaign, design, method: str = "minimum",
                           minimum_per_district: int = 0, population_year: int,
                           labels=None) -> SampleDesign:
    """Store an allocation computed elsewhere (e.g. a simulated city) as the campaign's design.

    ``labels(district, age_band, sex) -> (district_code, age_band, sex)`` maps the
    design's stratum labels to the platform's codes.
    """
    if hasattr(campaign, "sample_design"):
        raise ValidationError({"campaign": _("This campaign already has a sample design.")})
    st = design.strata
    row = SampleDesign.objects.create(
        campaign=campaign, method=method, sample_size=int(design.allocation.sum()),
        minimum_per_district=minimum_per_district, population_year=population_year,
    )
    rows = []
    for d, a, s, p, n, pi in zip(st.district, st.age_band, st.sex, st.population,
                                 design.allocation, design.inclusion_probability, strict=True):
        dc, ab, sx = labels(d, a, s) if labels else (str(d), str(a), str(s))
        rows.append(Stratum(design=row, district_code=dc, age_band=ab, sex=sx,
                            population=int(p), allocation=int(n),
                            inclusion_probability=float(pi)))
    Stratum.objects.bulk_create(rows)
    return row


# ---------------------------------------------------------------- respondent data
def _pseudo_ids(n: int, *, prefix: str, seed: int) -> list[str]:
    order = np.random.default_rng(seed).permutation(n)
    return [f"{prefix}{int(k) + 1:06d}" for k in order]


@transaction.atomic
def survey_data_store(
    *,
    campaign: Campaign,
    source: str,
    sampled: Sequence[Mapping[str, Any]],
    responses: Mapping[str, np.ndarray],
    item_ids: Mapping[str, Sequence],
    background: np.ndarray,
    background_columns: Sequence[str],
    categorical: Sequence[int] = (),
    extra_arrays: Mapping[str, np.ndarray] | None = None,
    meta: Mapping[str, Any] | None = None,
) -> SurveyData:
    """Store the sampled persons and the respondents' response matrix of a campaign.

    ``sampled`` has one dict per sampled person (``district_code``, ``age_band``,
    ``sex``, ``education``, ``responded``, optional ``session_id``); the response and
    background arrays hold the respondents only, in the order they appear in
    ``sampled``. Everything is checked before anything is written.
    """
    n_resp = sum(1 for p in sampled if p.get("responded"))
    errors = []
    for d, x in responses.items():
        if x.ndim != 2 or x.shape[0] != n_resp:
            errors.append(f"responses[{d!r}] has shape {x.shape}; expected ({n_resp}, items)")
        elif x.shape[1] != len(item_ids.get(d, ())):
            errors.append(f"responses[{d!r}] has {x.shape[1]} columns, {len(item_ids.get(d, ()))} item ids")
    if background.shape != (n_resp, len(background_columns)):
        errors.append(f"background has shape {background.shape}; expected "
                      f"({n_resp}, {len(background_columns)})")
    design = getattr(campaign, "sample_design", None)
    strata = set()
    if design is not None:
        strata = {(s.district_code, s.age_band, s.sex) for s in design.strata.all()}
    for i, p in enumerate(sampled):
        key = (str(p.get("district_code", "")), str(p.get("age_band", "")), str(p.get("sex", "")))
        if strata and key not in strata:
            errors.append(f"sampled person {i}: stratum {key} is not in the campaign's design")
            break
    if errors:
        raise ValidationError(errors)
    arrays = {f"responses_{d}": np.asarray(x, dtype=np.float32) for d, x in responses.items()}
    arrays.update({f"items_{d}": np.asarray([str(i) for i in ids]) for d, ids in item_ids.items()})
    arrays["background"] = np.asarray(background, dtype=np.float64)
    arrays.update(extra_arrays or {})
    Respondent.objects.filter(campaign=campaign).delete()
    pseudo = _pseudo_ids(len(sampled), prefix="R", seed=campaign.pk)
    rows, r = [], 0
    for i, p in enumerate(sampled):
        responded = bool(p.get("responded"))
        rows.append(Respondent(
            campaign=campaign, pseudo_id=pseudo[i], row=r if responded else None,
            session_id=str(p.get("session_id", "")), district_code=str(p["district_code"]),
            age_band=str(p["age_band"]), sex=str(p["sex"]),
            education=str(p.get("education", "")), responded=responded,
        ))
        r += responded
    Respondent.objects.bulk_create(rows, batch_size=5000)
    data, _created = SurveyData.objects.update_or_create(
        campaign=campaign,
        defaults={"source": source, "arrays": pack_arrays(**arrays),
                  "meta": {"domains": list(responses), "background_columns": list(background_columns),
                           "categorical": [int(c) for c in categorical], **dict(meta or {})}},
    )
    return data


def _domain_kinds() -> dict[str, str]:
    """Top-level domain code -> kind ("ability", "needs", ...) from the item bank."""
    try:
        from itembank.selectors import domain_tree
    except ImportError:
        return {}
    return {d["code"]: d.get("kind", "") for d in domain_tree() if not d.get("parent_code")}


def survey_data_from_delivery(
    *,
    campaign: Campaign,
    session_arrays: Mapping[str, Mapping[str, Any]] | None = None,
    extra_arrays: Mapping[str, np.ndarray] | None = None,
    meta: Mapping[str, Any] | None = None,
) -> SurveyData:
    """Adapter: read the campaign's delivered sessions into the survey's arrays.

    Respondents are the closed sessions (``campaign_response_matrix``); each unused
    invitation counts as a non-respondent of its stratum. A campaign without a sample
    design has respondents only (its weights come from raking to the population). Ability items are grouped by
    the main domain (``info.safety`` -> ``info``) their responses were recorded under,
    as delivery scores them; items of a needs or satisfaction domain (the item bank's
    domain kind ``needs``) go to ``needs_<area>`` arrays (Likert codes 0..4, items in id
    order) with ``needs_<area>_options`` instead, as
    :func:`psychometrics.survey.needs_arrays_from` reads them, so they are never
    calibrated as an ability.

    ``session_arrays`` maps an array name to ``{session id: value}`` and is stored in
    the respondents' row order (e.g. a simulation's true abilities); a respondent
    without a value is an error. ``extra_arrays`` and ``meta`` are stored as given.
    """
    from assessment.models import Response
    from assessment.selectors import campaign_response_matrix

    design = getattr(campaign, "sample_design", None)
    mat = campaign_response_matrix(campaign_id=campaign.pk)
    if not mat.session_ids:
        raise ValidationError({"campaign": _("No finished sessions to read yet.")})
    domain_of = dict(
        Response.objects.filter(session__campaign=campaign)
        .values_list("item_id", "domain_code").distinct()
    )
    kinds = _domain_kinds()
    by_domain: dict[str, list[int]] = {}
    needs_by_domain: dict[str, list[int]] = {}
    for j, item in enumerate(mat.item_ids):
        code = domain_of.get(item) or campaign.instrument.domain_code
        top = code.split(".")[0]
        if kinds.get(top) == "needs":
            needs_by_domain.setdefault(code, []).append(j)
        else:
            by_domain.setdefault(top, []).append(j)
    if not by_domain:
        raise ValidationError({"campaign": _("The delivered sessions hold no ability items.")})
    responses = {d: mat.scores[:, cols] for d, cols in by_domain.items()}
    item_ids = {d: [mat.item_ids[j] for j in cols] for d, cols in by_domain.items()}
    extra: dict[str, np.ndarray] = {}
    try:
        from psychometrics.survey import NEEDS_AREAS  # option codes of the needs areas
    except ImportError:
        NEEDS_AREAS = {}  # noqa: N806
    needs_items: dict[str, list[str]] = {}
    for d, cols in needs_by_domain.items():
        # psychometrics.survey.needs_arrays_from reads needs_<area> and its option codes
        area = d.split(".", 1)[1] if "." in d else d
        ids = [str(mat.item_ids[j]) for j in cols]
        known = NEEDS_AREAS.get(area, ())
        extra[f"needs_{area}"] = mat.scores[:, cols].astype(np.float32)
        extra[f"needs_{area}_options"] = np.asarray(known if len(known) == len(ids) else ids)
        needs_items[area] = ids
    for name, values in (session_arrays or {}).items():
        missing = [sid for sid in mat.session_ids if sid not in values]
        if missing:
            raise ValidationError({"session_arrays": (
                f"{name}: no value for {len(missing)} delivered session(s), "
                f"e.g. {missing[0]}")})
        extra[name] = np.asarray([values[sid] for sid in mat.session_ids])
    extra.update(extra_arrays or {})
    sampled, bg = [], []
    occupations: dict[str, int] = {}
    for sid, b in zip(mat.session_ids, mat.background, strict=True):
        sampled.append({**{k: b.get(k, "") for k in ("district_code", "age_band", "sex",
                                                     "education")},
                        "responded": True, "session_id": sid})
        edu = b.get("education", "")
        occ = b.get("occupation", "")
        bg.append([
            float(EDUCATION_ORDER.index(edu)) if edu in EDUCATION_ORDER else np.nan,
            float(occupations.setdefault(occ, len(occupations))) if occ else np.nan,
            float(list(AGE_SHARES).index(b["age_band"])) if b.get("age_band") in AGE_SHARES else np.nan,
            1.0 if b.get("sex") == "female" else 0.0,
        ])
    # Without a sample design (open practice, a thematic survey anyone may take) there
    # are no invitations and so no known non-respondents: the weights job then rakes
    # the respondents to the population margins instead.
    used_by_stratum = dict(
        SurveyInvitation.objects.filter(stratum__design=design, redeemed_at__isnull=False)
        .values_list("stratum_id").annotate(n=models.Count("pk"))
    ) if design is not None else {}
    for s in design.strata.all() if design is not None else ():
        missing = max(s.allocation - used_by_stratum.get(s.pk, 0), 0)
        sampled += [{"district_code": s.district_code, "age_band": s.age_band, "sex": s.sex,
                     "responded": False}] * missing
    return survey_data_store(
        campaign=campaign, source=DataSource.DELIVERY, sampled=sampled, responses=responses,
        item_ids=item_ids, background=np.asarray(bg, dtype=np.float64),
        background_columns=["education", "occupation", "age_band", "female"],
        categorical=(1,), extra_arrays=extra,
        meta={**({"needs_items": needs_items} if needs_items else {}),
              "occupation_codes": list(occupations), **dict(meta or {})},
    )


def survey_arrays(campaign: Campaign) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    data = SurveyData.objects.filter(campaign=campaign).first()
    if data is None:
        raise ValidationError({"campaign": _("The campaign has no survey data yet.")})
    return unpack_arrays(data.arrays), dict(data.meta)


# ---------------------------------------------------------------- cut scores
@transaction.atomic
def cut_scores_set(*, domain_code: str, cuts: Sequence[float], labels: Sequence[str],
                   attained: str, note: str = "", created_by=None) -> CutScoreSet:
    """Add a new version of a domain's cut scores (old versions stay as they were)."""
    try:
        ProficiencyLevels(domain_code, tuple(float(c) for c in cuts), tuple(labels), attained)
    except (ValueError, TypeError) as exc:
        raise ValidationError({"cuts": str(exc)}) from exc
    last = CutScoreSet.objects.filter(domain_code=domain_code).order_by("-version").first()
    return CutScoreSet.objects.create(
        domain_code=domain_code, version=(last.version + 1) if last else 1,
        cuts=[float(c) for c in cuts], labels=list(labels), attained=attained, note=note,
        created_by=created_by,
    )


def levels_for(domains: Sequence[str]) -> tuple[dict[str, ProficiencyLevels], dict[str, Any]]:
    """Latest cut scores per domain: researchers' versions, else the item bank's, else defaults."""
    out, used = {}, {}
    for d in domains:
        row = CutScoreSet.objects.filter(domain_code=d).order_by("-version").first()
        if row is not None:
            out[d] = ProficiencyLevels(d, tuple(row.cuts), tuple(row.labels), row.attained)
            used[d] = {"source": "cut_scores", "version": row.version, "cuts": row.cuts,
                       "labels": row.labels, "attained": row.attained}
            continue
        levels = _itembank_levels(d)
        if levels is not None:
            out[d], used[d] = levels
            continue
        spec = DEFAULT_LEVELS
        out[d] = ProficiencyLevels(d, tuple(spec["cuts"]), tuple(spec["labels"]), spec["attained"])
        used[d] = {"source": "default", **spec}
    return out, used


def _itembank_levels(domain: str):
    try:
        from itembank.selectors import domain_levels
    except ImportError:
        return None
    try:
        levels = sorted(domain_levels(domain), key=lambda lv: lv.order)
    except Exception:  # noqa: BLE001 - an unknown domain has no bank levels
        return None
    if len(levels) < 2:
        return None
    attained = next((lv.code for lv in levels if getattr(lv, "attained", False)), levels[1].code)
    cuts = tuple(float(lv.min_theta) for lv in levels[1:])
    labels = tuple(lv.code for lv in levels)
    try:
        pl = ProficiencyLevels(domain, cuts, labels, attained)
    except ValueError:
        return None
    return pl, {"source": "itembank", "cuts": list(cuts), "labels": list(labels),
                "attained": attained}


# ---------------------------------------------------------------- publication
@transaction.atomic
def rollup_publish(*, rollup: RollUp) -> RollUp:
    """Freeze a roll-up and hand each district's attainment rate to the indicators."""
    if rollup.published:
        raise ValidationError(_("This roll-up is already published."))
    RollUp.objects.filter(pk=rollup.pk).update(published=True, published_at=timezone.now())
    rollup.refresh_from_db()
    return rollup


ATTAINMENT_ITEM = "info_literacy_rate"  # 市民信息素养的达标率(%) in the district framework
SATISFACTION_ITEM = "service_satisfaction"  # 城区终身学习服务满意度调查数据(%)


def indicators_feed(*, rollup: RollUp) -> dict[str, Any]:
    """Send 市民信息素养的达标率 and the satisfaction index per district to the indicators app.

    Each district is fed on its own (in a savepoint), so one refusal (no framework for
    the year, an unknown district) is reported without losing the others. The counts
    and errors of the satisfaction index are under ``"satisfaction"`` (none when the
    roll-up has no needs questionnaire).
    """
    if not rollup.published:
        raise ValidationError(_("Only a published roll-up feeds the district indicators."))
    try:
        from learning_platform.indicators.services import monitoring_value_feed
    except ImportError:
        return {"fed": 0, "errors": ["the indicators app is not installed"]}
    cells = RollUpCell.objects.filter(rollup=rollup, breakdown="").exclude(district_code="")
    source = f"监测中心 survey roll-up #{rollup.pk} ({rollup.name})"
    out = _feed(monitoring_value_feed, rollup, ATTAINMENT_ITEM, source,
                cells.filter(indicator="attainment_rate", domain_code="info"))
    sat = cells.filter(indicator="satisfaction_index", domain_code="needs.satisfaction")
    if sat.exists():
        out["satisfaction"] = _feed(monitoring_value_feed, rollup, SATISFACTION_ITEM, source, sat)
    return out


def _feed(feed, rollup: RollUp, item_code: str, source: str, cells) -> dict[str, Any]:
    fed, errors = 0, []
    for cell in cells:
        try:
            with transaction.atomic():
                feed(
                    district_code=cell.district_code, year=rollup.year, item_code=item_code,
                    value=None if cell.suppressed else round(cell.estimate, 2),
                    se=None if cell.suppressed else cell.se, n=cell.n,
                    suppressed=cell.suppressed, source=source,
                )
            fed += 1
        except ValidationError as exc:
            errors.append(f"{cell.district_code}: {'; '.join(exc.messages)}")
    return {"fed": fed, "errors": errors}


# ---------------------------------------------------------------- jobs
def job_start(*, kind: str, campaign: Campaign, created_by=None,
              params: Mapping[str, Any] | None = None) -> Job:
    """Create a job and enqueue it (the immediate backend runs it before returning)."""
    from assessment.survey.tasks import run_survey_job

    job = job_create(kind=kind, campaign=campaign, created_by=created_by, params=params)
    transaction.on_commit(lambda: _enqueue(job, run_survey_job))
    return job


def job_create(*, kind: str, campaign: Campaign, created_by=None,
               params: Mapping[str, Any] | None = None) -> Job:
    """Create a queued job (``jobs.run_job`` runs it; ``job_start`` also enqueues it)."""
    if kind not in JobKind.values:
        raise ValidationError({"kind": _("Unknown job kind %(k)r.") % {"k": kind}})
    from assessment.survey.job_control import job_expire_stale

    job_expire_stale(campaign=campaign, kind=kind)  # a dead worker's job no longer blocks
    running = Job.objects.filter(campaign=campaign, kind=kind,
                                 status__in=[JobStatus.QUEUED, JobStatus.RUNNING])
    if running.exists():
        raise ValidationError({"kind": _("A job of this kind is already running for this campaign.")})
    return Job.objects.create(kind=kind, campaign=campaign, created_by=created_by,
                              params=dict(params or {}))


def _enqueue(job: Job, task) -> None:
    result = task.enqueue(str(job.pk))
    Job.objects.filter(pk=job.pk, task_id="").update(task_id=str(result.id)[:64])


def job_cancel(*, job: Job) -> Job:
    """Ask a job to stop; a queued job stops at once, a running one at its next step."""
    from assessment.survey.job_control import job_cancel as cancel

    return cancel(job=job)


# re-exported for the jobs module
__all__ = [
    "Calibration", "ScoreSet", "WeightSet", "cut_scores_set", "design_create",
    "invitation_redeem", "invitations_issue", "job_cancel", "job_start", "levels_for",
    "rollup_publish", "survey_arrays", "survey_data_from_delivery", "survey_data_store",
]
